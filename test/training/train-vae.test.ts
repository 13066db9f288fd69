/** The train-vae stage end to end on a tiny blob dataset: artifact layout, metrics, snapshots, progress, errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { trainVaeKind } from '../../runner/stages/train-vae.js';
import { fileHandler } from '../../runner/training/model-files.js';
import { makeSchedule } from '../../runner/training/schedules.js';
import { Interrupted, UserError } from '../../runner/errors.js';
import { MetricsLog } from '../../runner/training/metrics-log.js';
import { makeBlobDataset, trainContext, vaeParams } from './helpers.js';

const data = makeBlobDataset(44, 32, 21);
const small = { channels: 4, maxChannels: 8, latentDim: 8, beta: 1 };

test('trains, logs every step, snapshots every epoch, and writes loadable models', async () => {
  const p = vaeParams({ epochs: 2, batchSize: 8, holdout: 4, snapshotEvery: 1, model: small, schedule: { type: 'cosine', minFactor: 0.1 } });
  const progress: string[] = [];
  const ctx = trainContext(p, data, { backend: 'wasm', progress: (u) => progress.push(`${u.done}/${u.total} ${u.message}`) });
  const res = await trainVaeKind.run(ctx);
  const steps = 2 * Math.floor(40 / 8);
  assert.equal(ctx.env['tfjs.backend'], 'wasm');
  assert.match(String(ctx.env['tfjs.backendReason']), /wasm/);
  const s = res!.summary!;
  assert.equal(s.steps, steps);
  assert.deepEqual(s.snapshots, ['epoch-001', 'epoch-002']);
  assert.ok(Number.isFinite(s.loss) && Number.isFinite(s.heldoutMse) && Number.isFinite(s.meanImageMse));

  const rows = MetricsLog.read(join(ctx.outDir, 'metrics.jsonl'));
  assert.deepEqual(rows.map((r) => r.step), Array.from({ length: steps }, (_, i) => i + 1));
  const lr = makeSchedule(p.schedule, p.optimizer.lr);
  rows.forEach((r, i) => assert.equal(r.lr, lr(i, steps)));
  assert.ok(rows.every((r) => Math.abs(Number(r.loss) - (Number(r.recon) + Number(r.kl))) < 1e-3 * Number(r.loss)), 'loss = recon + beta * kl');
  assert.equal(readFileSync(join(ctx.outDir, 'metrics.csv'), 'utf8').split('\n')[0], 'step,epoch,lr,loss,recon,kl');
  assert.equal(MetricsLog.read(join(ctx.logDir, 'timing.jsonl')).length, steps);
  assert.equal(MetricsLog.read(join(ctx.outDir, 'eval.jsonl')).length, 2);
  assert.equal(JSON.parse(readFileSync(join(ctx.outDir, 'training.json'), 'utf8')).totalSteps, steps);

  for (const d of ['', 'snapshots/epoch-001/', 'snapshots/epoch-002/']) {
    for (const m of ['encoder', 'decoder']) assert.ok(existsSync(join(ctx.outDir, d, m, 'model.json')) && existsSync(join(ctx.outDir, d, m, 'weights.bin')), `${d}${m}`);
  }
  assert.ok(existsSync(join(ctx.outDir, 'optimizer.bin')));
  assert.equal([...readFileSync(join(ctx.outDir, 'loss.svg'), 'utf8').matchAll(/<polyline /g)].length, 3, 'loss plot with three curves');
  assert.ok(readFileSync(join(ctx.outDir, 'decoder/weights.bin')).equals(readFileSync(join(ctx.outDir, 'snapshots/epoch-002/decoder/weights.bin'))), 'last snapshot = final model');
  assert.ok(!readFileSync(join(ctx.outDir, 'decoder/weights.bin')).equals(readFileSync(join(ctx.outDir, 'snapshots/epoch-001/decoder/weights.bin'))));

  const enc = await tfl.loadLayersModel(fileHandler(join(ctx.outDir, 'encoder')));
  const out = enc.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor[];
  assert.deepEqual(out.map((t) => t.shape), [[1, 8], [1, 8]]);
  tf.dispose(out); enc.dispose();

  assert.equal(progress.length, steps);
  assert.match(progress.at(-1)!, /^10\/10 epoch 2\/2 loss [\d.]+ [\d.]+ img\/s ETA \d+s$/);
});

test('snapshots in workDir from other params are not resumed from', async () => {
  const p = vaeParams({ epochs: 1, batchSize: 8, model: small });
  const first = trainContext(p, data, { backend: 'wasm' });
  await trainVaeKind.run(first);
  const again = trainContext(p, data, { backend: 'wasm', workDir: first.workDir });
  await trainVaeKind.run(again);
  assert.ok(again.logs.some((l) => /resuming from snapshot epoch-001/.test(l)), 'same params: resumes');
  const other = trainContext({ ...p, seed: 1 }, data, { backend: 'wasm', workDir: first.workDir });
  await trainVaeKind.run(other);
  assert.ok(other.logs.some((l) => /different params or data: starting afresh/.test(l)));
  assert.ok(!readFileSync(join(other.outDir, 'decoder/weights.bin')).equals(readFileSync(join(first.outDir, 'decoder/weights.bin'))));
});

test('user errors: too few images for a batch', async () => {
  const ctx = trainContext(vaeParams({ batchSize: 64, model: small }), data, { backend: 'wasm' });
  await assert.rejects(trainVaeKind.run(ctx), (e: Error) => e instanceof UserError && /44 images.*batchSize 64/.test(e.message));
});

test('honours the abort signal', async () => {
  const ac = new AbortController();
  const ctx = { ...trainContext(vaeParams({ epochs: 5, batchSize: 4, model: small }), data, { backend: 'wasm' }), signal: ac.signal };
  ctx.progress = (u) => { if (u.done === 3) ac.abort(); };
  await assert.rejects(trainVaeKind.run(ctx), Interrupted);
});

test('schema rejects unknown params', () => {
  assert.throws(() => vaeParams({ model: { latent: 3 } }), /must NOT have additional properties/);
  assert.throws(() => vaeParams({ epochs: 0 }));
});
