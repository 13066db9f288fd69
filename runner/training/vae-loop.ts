/**
 * The VAE training loop behind the `train-vae` stage: streamed seeded batches, Adam with a
 * scheduled learning rate, metrics logs, atomic snapshots in workDir, resume from the latest one,
 * and the final artifact in outDir. Independent of the stage contract so tests and benchmarks can
 * drive it directly.
 *
 * Determinism: init, shuffle, mirror and reparameterisation noise are pure functions of
 * (seed, epoch, step) (rng.ts), the optimiser state is saved exactly (adam.ts), and snapshots are
 * taken at epoch ends; so on the CPU backends a run resumed from any snapshot ends with the same
 * bytes as an uninterrupted one. Memory: one batch of pixels and a constant number of tensors
 * (checked after every step: a leak is a bug and throws).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PackedReader } from '../datasets/packed.js';
import { linePlotSvg } from '../report/svg-plot.js';
import { throwIfAborted, UserError } from '../errors.js';
import { buildVae, initVae, vaeLoss, vaeWeights, type Vae } from '../models/vae.js';
import type { TrainingIo } from './io.js';
import { Adam } from './adam.js';
import { batchesPerEpoch, epochBatches, toSigned } from './batches.js';
import { MetricsLog, type Row } from './metrics-log.js';
import { saveLayersModel, saveTensors, writeFileSynced } from './model-files.js';
import { rngFor, Stream } from './rng.js';
import { makeSchedule, type ScheduleSpec } from './schedules.js';
import { exportSnapshotModels, latestSnapshot, listSnapshots, restoreSnapshot, snapshotName, writeSnapshot } from './snapshot.js';
import { evaluateHeldout, meanImage, type HeldoutEval } from './vae-eval.js';

/** Mirrors schemas/stages/train-vae.schema.json (defaults applied there). */
export interface TrainVaeParams {
  epochs: number;
  batchSize: number;
  seed: number;
  mirror: boolean;
  model: { channels: number; maxChannels: number; latentDim: number; beta: number };
  optimizer: { lr: number; beta1: number; beta2: number; epsilon: number };
  schedule: ScheduleSpec;
  snapshotEvery: number;
  holdout: number;
}

export interface LoopIO extends TrainingIo {
  /** Tests/benchmarks: train at most this many batches per epoch. */
  limitStepsPerEpoch?: number;
  /** Tests: called after every step with the tensor count and bytes in use. */
  onStep?(s: { epoch: number; step: number; numTensors: number; numBytes: number }): void;
}

const METRIC_COLUMNS = ['step', 'epoch', 'lr', 'loss', 'recon', 'kl'];
const TIMING_COLUMNS = ['step', 'epoch', 'seconds', 'imagesPerSec'];
const EVAL_COLUMNS = ['step', 'epoch', 'heldoutMse', 'meanImageMse', 'ratio'];
const MODELS = ['encoder', 'decoder'];

export async function trainVae(p: TrainVaeParams, io: LoopIO): Promise<Record<string, unknown>> {
  const reader = new PackedReader(io.dataDir);
  try {
    return await run(p, io, reader);
  } finally {
    reader.close();
  }
}

async function run(p: TrainVaeParams, io: LoopIO, reader: PackedReader): Promise<Record<string, unknown>> {
  const { resolution: R, channels: C, count } = reader.meta;
  const nTrain = count - p.holdout;
  if (nTrain < p.batchSize) throw new UserError(`train-vae: input 'data' has ${count} images; with holdout ${p.holdout} that leaves ${nTrain}, fewer than batchSize ${p.batchSize}`);
  if (!Number.isInteger(Math.log2(R / 4)) || R < 8 || R > 256) throw new UserError(`train-vae: input 'data' resolution ${R} is not 4 * 2^n in 8..256`);
  const B = p.batchSize, L = p.model.latentDim;
  const perEpoch = Math.min(batchesPerEpoch(nTrain, B), io.limitStepsPerEpoch ?? Infinity);
  const totalSteps = perEpoch * p.epochs;
  const lrAt = makeSchedule(p.schedule, p.optimizer.lr);
  const options = { params: p, resolution: R, imageChannels: C, images: count, trainImages: nTrain, stepsPerEpoch: perEpoch, totalSteps };
  const runHash = createHash('sha256').update(JSON.stringify(options)).digest('hex');
  const snapRoot = join(io.workDir, 'snapshots');

  const vae = buildVae({ resolution: R, imageChannels: C, ...p.model });
  initVae(vae, p.seed);
  const adam = new Adam(vaeWeights(vae), { beta1: p.optimizer.beta1, beta2: p.optimizer.beta2, epsilon: p.optimizer.epsilon });
  try {
    // Resume from the latest snapshot of this same run, if any.
    let epoch0 = 0, step = 0;
    const last = latestSnapshot(snapRoot);
    if (last && last.position.runHash === runHash) {
      const { position, tensors } = restoreSnapshot(last.dir, { models: { encoder: vae.encoder, decoder: vae.decoder }, tensorGroups: ['optimizer'] });
      adam.load(tensors.optimizer!, position.step);
      tf.dispose(Object.values(tensors.optimizer!));
      epoch0 = position.epoch; step = position.step;
      io.log(`resuming from snapshot ${last.name} (epoch ${epoch0}, step ${step})`);
    } else if (last) {
      io.log('workDir snapshots belong to different params or data: starting afresh');
      rmSync(snapRoot, { recursive: true, force: true });
    }
    writeFileSynced(join(io.workDir, 'training.json'), JSON.stringify(options, null, 1) + '\n');
    const upTo = (r: Row): boolean => Number(r.step) <= step;
    const metrics = MetricsLog.open(io.workDir, 'metrics', METRIC_COLUMNS, upTo);
    const timing = MetricsLog.open(io.workDir, 'timing', TIMING_COLUMNS, upTo);
    const evals = MetricsLog.open(io.workDir, 'eval', EVAL_COLUMNS, upTo);
    const mean = p.holdout > 0 ? meanImage(reader, nTrain) : undefined;
    const evaluate = (): HeldoutEval | undefined => mean && evaluateHeldout(vae, reader, nTrain, count, mean);

    let baseline = -1;
    const t0 = performance.now(), step0 = step;
    for (let epoch = epoch0; epoch < p.epochs; epoch++) {
      for (const b of epochBatches(reader, { seed: p.seed, epoch, batchSize: B, count: nTrain, mirror: p.mirror, limit: perEpoch })) {
        throwIfAborted(io.signal);
        const ts = performance.now();
        const lr = lrAt(step, totalSteps);
        const x = toSigned(b.pixels, B, R, C);
        const eps = tf.tensor2d(rngFor(p.seed, Stream.noise, step).normals(new Float32Array(B * L)), [B, L]);
        const { loss, recon, kl } = vaeTrainStep(vae, adam, x, eps, lr);
        tf.dispose([x, eps]);
        step++;
        if (!Number.isFinite(loss)) throw new UserError(`train-vae: loss became ${loss} at step ${step} (epoch ${epoch + 1}); lower optimizer.lr (${p.optimizer.lr}) or model.beta`);
        const mem = tf.memory();
        if (baseline < 0) baseline = mem.numTensors;
        else if (mem.numTensors !== baseline) throw new Error(`tensor leak in the VAE step: ${mem.numTensors} tensors after step ${step}, ${baseline} after the first`);
        io.onStep?.({ epoch, step, numTensors: mem.numTensors, numBytes: mem.numBytes });
        const sec = (performance.now() - ts) / 1000;
        metrics.append({ step, epoch: epoch + 1, lr, loss, recon, kl });
        timing.append({ step, epoch: epoch + 1, seconds: Number(sec.toFixed(4)), imagesPerSec: Number((B / sec).toFixed(2)) });
        const rate = (performance.now() - t0) / 1000 / (step - step0);
        io.progress({ done: step, total: totalSteps, message: `epoch ${epoch + 1}/${p.epochs} loss ${loss.toPrecision(4)} ${(B / sec).toFixed(1)} img/s ETA ${Math.round(rate * (totalSteps - step))}s` });
        await new Promise((r) => setImmediate(r)); // let signals and the progress display through
      }
      const done = epoch + 1;
      if (done % p.snapshotEvery === 0 || done === p.epochs) {
        const ev = evaluate();
        if (ev) evals.append({ step, epoch: done, ...ev });
        await writeSnapshot(snapRoot, snapshotName(done), {
          models: { encoder: vae.encoder, decoder: vae.decoder },
          tensors: { optimizer: adam.state() },
          position: { epoch: done, step, seed: p.seed, runHash },
        });
        io.log(`epoch ${done}: snapshot written${ev ? `, held-out mse ${ev.heldoutMse.toPrecision(4)} (mean image ${ev.meanImageMse.toPrecision(4)})` : ''}`);
      }
    }
    return await finish(vae, adam, io, { step, epochs: p.epochs, final: evaluate() });
  } finally {
    adam.dispose();
    vae.encoder.dispose();
    vae.decoder.dispose();
  }
}

/** One optimiser step on a batch; returns the loss terms (also used by the benchmark). Disposes only its own tensors. */
export function vaeTrainStep(vae: Vae, adam: Adam, x: tf.Tensor4D, eps: tf.Tensor2D, lr: number): { loss: number; recon: number; kl: number } {
  let kept: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const o = vaeLoss(vae, x, eps);
    kept = [tf.keep(o.recon), tf.keep(o.kl)];
    return o.loss;
  }, adam.varList());
  adam.apply(grads, lr);
  const [loss, recon, kl] = [value, ...kept].map((t) => t.dataSync()[0]!) as [number, number, number];
  tf.dispose([value, ...kept, ...Object.values(grads)]);
  return { loss, recon, kl };
}

async function finish(vae: Vae, adam: Adam, io: LoopIO, r: { step: number; epochs: number; final?: HeldoutEval }): Promise<Record<string, unknown>> {
  for (const m of MODELS) mkdirSync(join(io.outDir, m), { recursive: true });
  await saveLayersModel(vae.encoder, join(io.outDir, 'encoder'));
  await saveLayersModel(vae.decoder, join(io.outDir, 'decoder'));
  await saveTensors(io.outDir, 'optimizer', adam.state());
  writeFileSynced(join(io.outDir, 'position.json'), JSON.stringify({ epoch: r.epochs, step: r.step }, null, 1) + '\n');
  for (const f of ['training.json', 'metrics.jsonl', 'metrics.csv', 'eval.jsonl', 'eval.csv']) copyFileSync(join(io.workDir, f), join(io.outDir, f));
  // Wall-clock timings differ between runs: keep them with the artifact, outside its output hash.
  for (const f of ['timing.jsonl', 'timing.csv']) copyFileSync(join(io.workDir, f), join(io.logDir ?? io.outDir, f));
  const rows = MetricsLog.read(join(io.outDir, 'metrics.jsonl'));
  const steps = rows.map((row) => Number(row.step));
  writeFileSynced(join(io.outDir, 'loss.svg'), linePlotSvg(
    ['loss', 'recon', 'kl'].map((k) => ({ label: k, x: steps, y: rows.map((row) => Number(row[k])) })),
    { title: 'VAE training loss (per image)', xLabel: 'step', yLabel: 'loss' }));
  const snaps = listSnapshots(join(io.workDir, 'snapshots'));
  for (const s of snaps) exportSnapshotModels(s.dir, join(io.outDir, 'snapshots', s.name), MODELS);
  return {
    epochs: r.epochs,
    steps: r.step,
    // From the log, not the loop: a run resumed after its last step still reports them.
    loss: rows.at(-1)?.loss,
    recon: rows.at(-1)?.recon,
    kl: rows.at(-1)?.kl,
    snapshots: snaps.map((s) => s.name),
    ...(r.final ?? {}),
  };
}
