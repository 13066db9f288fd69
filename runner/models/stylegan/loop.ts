/**
 * The training loop of one progressive StyleGAN level, independent of the stage contract.
 *
 * Reads shuffled, mirrored batches from the packed dataset (runner/training/batches.ts), brings
 * them to the level's resolution with box downsampling, blends them exactly as the generator is
 * blended (x(l, a) = a * x_l + (1 - a) * up(down(x_l))), and runs StyleGanTrainer steps with alpha
 * rising linearly over `fadeInEpochs` and the learning rate from the shared schedules.
 *
 * Files (see runner/stages/train-stylegan.ts for the artifact layout): resume points and FID
 * snapshots are written under workDir and copied into outDir at the end, so a killed run restarts
 * from its last completed epoch and ends with the same files an uninterrupted run would write.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted, UserError } from '../../errors.js';
import { PackedReader } from '../../datasets/packed.js';
import { batchesPerEpoch, epochBatches, toSigned } from '../../training/batches.js';
import { MetricsLog } from '../../training/metrics-log.js';
import { loadTensors, saveTensors } from '../../training/model-files.js';
import { makeSchedule, type ScheduleSpec } from '../../training/schedules.js';
import { latestSnapshot, listSnapshots, snapshotName, writeSnapshot } from '../../training/snapshot.js';
import { rngFor, Stream } from '../../training/rng.js';
import { gridPng } from '../../imaging/grid.js';
import { hashInts } from '../../datasets/prng.js';
import type { TrainingIo } from '../../training/io.js';
import { checkConfig, levelOf, type StyleGanConfig } from './config.js';
import { resizePow2, upsample2xFirstOrder, downsample2x } from './layers.js';
import type { LossKind } from './losses.js';
import { StyleGanTrainer } from './trainer.js';
import { seededNoise } from './synthesis.js';

export interface TrainStyleGanParams {
  level: number;
  epochs: number;
  fadeInEpochs: number;
  batchSize: number;
  lr: number;
  schedule: ScheduleSpec;
  loss: LossKind;
  r1Gamma: number;
  gpLambda: number;
  driftEps: number;
  penaltyInterval: number;
  mixingProb: number;
  wAvgBeta: number;
  emaHalfLifeKimg: number;
  emaRampup: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  mirror: boolean;
  limitImages: number;
  seed: number;
  snapshotEvery: number;
  logEvery: number;
  samples: number;
  samplePsi: number;
  model: StyleGanConfig;
}

export interface LoopIo extends TrainingIo {
  /** Folder of the previous level's artifact (absent at 4x4). */
  previousDir?: string;
  /** Stage id, for error messages. */
  id: string;
}

export const METRIC_COLUMNS = ['epoch', 'step', 'kimg', 'alpha', 'lr', 'd_loss', 'g_loss', 'r1', 'gp', 'drift', 'real_score', 'fake_score'];

/** Real images at the level: uint8 batch -> [-1, 1] -> box-downsample -> fade blend. */
export function realBatch(pixels: Uint8Array, n: number, datasetRes: number, res: number, alpha: number): tf.Tensor4D {
  return tf.tidy(() => {
    const x = resizePow2(toSigned(pixels, n, datasetRes, 3), res);
    if (alpha >= 1) return x;
    return tf.add(tf.mul(x, alpha), tf.mul(upsample2xFirstOrder(downsample2x(x)), 1 - alpha)) as tf.Tensor4D;
  });
}

/** Uint8 NHWC from images in [-1, 1]. */
export function toUint8(x: tf.Tensor4D): Uint8Array {
  const f = x.dataSync();
  const out = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((f[i]! + 1) * 127.5)));
  return out;
}

function validate(p: TrainStyleGanParams, io: LoopIo, reader: PackedReader): { level: number; count: number } {
  const where = `stage ${io.id}`;
  const cfgErr = checkConfig(p.model);
  if (cfgErr) throw new UserError(`${where}: params.model: ${cfgErr}`);
  const level = levelOf(p.level);
  if (p.level > p.model.maxResolution) throw new UserError(`${where}: params.level ${p.level} exceeds params.model.maxResolution ${p.model.maxResolution}`);
  if (p.fadeInEpochs > p.epochs) throw new UserError(`${where}: params.fadeInEpochs (${p.fadeInEpochs}) must not exceed params.epochs (${p.epochs})`);
  const g = Math.min(p.model.mbstdGroup, p.batchSize);
  if (p.batchSize % g !== 0) throw new UserError(`${where}: params.batchSize ${p.batchSize} must be a multiple of params.model.mbstdGroup ${p.model.mbstdGroup}`);
  const { resolution, channels } = reader.meta;
  if (channels !== 3) throw new UserError(`${where}: input 'data' has ${channels} channels; StyleGAN trains on RGB (3)`);
  if (levelOf(resolution) < 0 || resolution < p.level) throw new UserError(`${where}: input 'data' is ${resolution}x${resolution}; level ${p.level} needs a power-of-two resolution >= ${p.level}`);
  const count = p.limitImages > 0 ? Math.min(p.limitImages, reader.count) : reader.count;
  if (batchesPerEpoch(count, p.batchSize) < 1) throw new UserError(`${where}: ${count} images are fewer than one batch of ${p.batchSize}`);
  if (level === 0 && io.previousDir) throw new UserError(`${where}: level 4 starts from scratch; remove input 'previous'`);
  if (level > 0 && !io.previousDir) throw new UserError(`${where}: level ${p.level} needs input 'previous' (the train-stylegan stage at level ${p.level / 2})`);
  return { level, count };
}

/**
 * Gs decay for one step: half-life emaHalfLifeKimg, capped at emaRampup x the images seen since
 * training began at 4x4 (StyleGAN2-ADA's ramp-up), so short runs get a Gs that tracks G instead
 * of staying near the initialisation. 0 = Gs copies G.
 */
export function emaBetaAt(p: Pick<TrainStyleGanParams, 'emaHalfLifeKimg' | 'emaRampup' | 'batchSize'>, imagesSeen: number): number {
  let halfLife = p.emaHalfLifeKimg * 1000;
  if (p.emaRampup > 0) halfLife = Math.min(halfLife, imagesSeen * p.emaRampup);
  return halfLife > 0 ? 0.5 ** (p.batchSize / halfLife) : 0;
}

/** Checks the previous level's config.json (level / 2, the same model); returns the images it and the levels below it trained on. */
function checkPrevious(p: TrainStyleGanParams, dir: string, id: string): number {
  const path = join(dir, 'config.json');
  let prev: { params?: TrainStyleGanParams; imagesBefore?: number; imagesPerEpoch?: number };
  try { prev = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new UserError(`stage ${id}: input 'previous' (${path}) is not a train-stylegan artifact: ${(e as Error).message}`); }
  if (prev.params?.level !== p.level / 2) throw new UserError(`stage ${id}: input 'previous' is level ${prev.params?.level}, expected ${p.level / 2}`);
  if (JSON.stringify(prev.params.model) !== JSON.stringify(p.model)) {
    throw new UserError(`stage ${id}: params.model differs from the previous level's (${JSON.stringify(prev.params.model)}); every level of a run must use the same model`);
  }
  return (prev.imagesBefore ?? 0) + (prev.imagesPerEpoch ?? 0) * prev.params.epochs;
}


export async function trainStyleGanLevel(p: TrainStyleGanParams, io: LoopIo): Promise<Record<string, unknown>> {
  const reader = new PackedReader(io.dataDir);
  let imagesBefore = 0;
  const trainer = (() => {
    const { level } = validate(p, io, reader);
    if (io.previousDir) imagesBefore = checkPrevious(p, io.previousDir, io.id);
    return new StyleGanTrainer(p.model, {
      level, batchSize: p.batchSize, seed: p.seed, mixingProb: p.mixingProb, wAvgBeta: p.wAvgBeta, emaBeta: emaBetaAt(p, Infinity), penaltyInterval: p.penaltyInterval,
      loss: { kind: p.loss, r1Gamma: p.r1Gamma, gpLambda: p.gpLambda, gpTarget: 1, driftEps: p.driftEps },
      adam: { beta1: p.adamBeta1, beta2: p.adamBeta2, epsilon: p.adamEpsilon },
    });
  })();
  try {
    return await run(p, io, reader, trainer, imagesBefore);
  } finally {
    trainer.dispose();
    reader.close();
  }
}

async function run(p: TrainStyleGanParams, io: LoopIo, reader: PackedReader, trainer: StyleGanTrainer, imagesBefore: number): Promise<Record<string, unknown>> {
  const level = trainer.opts.level;
  const res = p.level;
  const count = p.limitImages > 0 ? Math.min(p.limitImages, reader.count) : reader.count;
  const perEpoch = batchesPerEpoch(count, p.batchSize);
  const totalSteps = perEpoch * p.epochs;
  const fadeSteps = level === 0 ? 0 : Math.round(p.fadeInEpochs * perEpoch);
  const alphaAt = (step: number): number => (fadeSteps <= 0 ? 1 : Math.min(1, step / fadeSteps));
  const lrAt = makeSchedule(p.schedule, p.lr);
  const dataSeed = hashInts(p.seed, level);
  writeFileSync(join(io.outDir, 'config.json'), JSON.stringify({ kind: 'train-stylegan', params: p, levelIndex: level, imagesPerEpoch: perEpoch * p.batchSize, imagesBefore, totalSteps, fadeSteps }, null, 1) + '\n');

  // Start: resume point, else previous level, else fresh init (Gs = G).
  const resumeRoot = join(io.workDir, 'resume');
  const snapRoot = join(io.workDir, 'snapshots');
  const resume = latestSnapshot(resumeRoot);
  let startEpoch = 0;
  let step = 0;
  if (resume) {
    const named = loadTensors(resume.dir, 'state');
    const optG = loadTensors(resume.dir, 'optG');
    const optD = loadTensors(resume.dir, 'optD');
    trainer.loadWeights(named, resume.dir);
    trainer.optG.load(optG, resume.position['optGStep'] as number);
    trainer.optD.load(optD, resume.position['optDStep'] as number);
    tf.dispose([...Object.values(named), ...Object.values(optG), ...Object.values(optD)]);
    startEpoch = resume.position.epoch;
    step = resume.position.step;
    io.log(`resuming level ${res} at epoch ${startEpoch} (step ${step}) from ${resume.dir}`);
  } else if (io.previousDir) {
    const named = loadTensors(io.previousDir, 'weights');
    trainer.loadWeights(named, join(io.previousDir, 'weights.json'));
    tf.dispose(Object.values(named));
    rmSync(snapRoot, { recursive: true, force: true });
  } else {
    trainer.syncEma();
    rmSync(snapRoot, { recursive: true, force: true });
  }
  const metrics = MetricsLog.open(io.workDir, 'metrics', METRIC_COLUMNS, (r) => Number(r['step']) <= step);
  const timing = MetricsLog.open(io.workDir, 'timing', ['step', 'seconds', 'img_per_s'], (r) => Number(r['step']) <= step);

  let t0 = performance.now();
  let sinceLog = 0;
  // Sums and counts per term: the penalty terms are present on penaltyInterval-th steps only.
  const acc: Record<string, number> = {};
  const cnt: Record<string, number> = {};
  let last: Record<string, number> = {};
  for (let epoch = startEpoch; epoch < p.epochs; epoch++) {
    for (const batch of epochBatches(reader, { seed: dataSeed, epoch, batchSize: p.batchSize, count, mirror: p.mirror })) {
      throwIfAborted(io.signal);
      const alpha = alphaAt(step);
      const lr = lrAt(step, totalSteps);
      const reals = realBatch(batch.pixels, p.batchSize, reader.meta.resolution, res, alpha);
      const terms = trainer.step(reals, step, alpha, lr, emaBetaAt(p, imagesBefore + step * p.batchSize));
      reals.dispose();
      step++;
      sinceLog++;
      for (const [k, v] of Object.entries(terms)) { acc[k] = (acc[k] ?? 0) + v; cnt[k] = (cnt[k] ?? 0) + 1; }
      const endOfEpoch = batch.index === perEpoch - 1;
      if (step % p.logEvery === 0 || endOfEpoch) {
        const row: Record<string, number> = { epoch, step, kimg: (step * p.batchSize) / 1000, alpha, lr };
        for (const [k, v] of Object.entries(acc)) row[k] = v / cnt[k]!;
        metrics.append(row);
        const secs = (performance.now() - t0) / 1000;
        const ips = (sinceLog * p.batchSize) / secs;
        timing.append({ step, seconds: secs, img_per_s: ips });
        io.progress({ done: step, total: totalSteps, message: `level ${res} epoch ${epoch + 1}/${p.epochs} alpha ${alpha.toFixed(2)} D ${(row['d_loss'] ?? 0).toFixed(3)} G ${(row['g_loss'] ?? 0).toFixed(3)} ${ips.toFixed(1)} img/s` });
        last = row;
        for (const k of Object.keys(acc)) { delete acc[k]; delete cnt[k]; }
        sinceLog = 0;
        t0 = performance.now();
      }
    }
    // End of epoch: FID snapshot (EMA generator) when due, then the resume point.
    const done = epoch + 1;
    const position = { epoch: done, step, level: res, alpha: alphaAt(step), optGStep: trainer.optG.step, optDStep: trainer.optD.step };
    if (done % p.snapshotEvery === 0 || done === p.epochs) {
      await writeSnapshot(snapRoot, snapshotName(done), { models: {}, tensors: { Gs: trainer.samplerWeights() }, position });
    }
    await writeSnapshot(resumeRoot, snapshotName(done), {
      models: {},
      tensors: { state: trainer.weights(), optG: trainer.optG.state(), optD: trainer.optD.state() },
      position,
    });
    for (const old of listSnapshots(resumeRoot)) if (old.position.epoch < done) rmSync(old.dir, { recursive: true, force: true });
  }

  // Final artifact files.
  await saveTensors(io.outDir, 'weights', trainer.weights());
  for (const f of ['metrics.jsonl', 'metrics.csv']) cpSync(join(io.workDir, f), join(io.outDir, f));
  for (const f of ['timing.jsonl', 'timing.csv']) cpSync(join(io.workDir, f), join(io.logDir ?? io.outDir, f));
  if (existsSync(snapRoot)) cpSync(snapRoot, join(io.outDir, 'snapshots'), { recursive: true });
  const finalAlpha = alphaAt(step);
  if (p.samples > 0) {
    const pixels = tf.tidy(() => {
      const z = tf.tensor2d(rngFor(p.seed, Stream.eval, level).normals(new Float32Array(p.samples * p.model.zDim)), [p.samples, p.model.zDim]);
      return toUint8(trainer.Gs.sample(z, level, finalAlpha, { psi: p.samplePsi, noise: seededNoise(hashInts(p.seed, level, 1)) }));
    });
    writeFileSync(join(io.outDir, 'samples.png'), await gridPng(pixels, res, 3, { cols: Math.ceil(Math.sqrt(p.samples)) }));
  }
  mkdirSync(join(io.outDir, 'snapshots'), { recursive: true });
  return { level: res, levelIndex: level, epochs: p.epochs, steps: step, images: step * p.batchSize, alpha: finalAlpha, last };
}
