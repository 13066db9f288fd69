/** The VAE actually learns: held-out reconstruction error falls well below predicting the mean image. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { trainVaeKind } from '../../runner/stages/train-vae.js';
import { MetricsLog } from '../../runner/training/metrics-log.js';
import { makeBlobDataset, trainContext, vaeParams } from './helpers.js';

test('held-out MSE < 0.5 x mean-image MSE after 72 steps on 32 px blobs', async (t) => {
  // 232 images: the last 40 are held out; 3 epochs of 24 batches of 8.
  const data = makeBlobDataset(232, 32, 1, undefined, 'simple');
  const p = vaeParams({ epochs: 3, batchSize: 8, seed: 0, holdout: 40, mirror: true, model: { channels: 8, maxChannels: 32, latentDim: 8, beta: 1 }, optimizer: { lr: 0.003 }, schedule: { type: 'constant' } });
  const ctx = trainContext(p, data, { backend: 'wasm' });
  const s = (await trainVaeKind.run(ctx))!.summary!;
  const evals = MetricsLog.read(join(ctx.outDir, 'eval.jsonl'));
  assert.equal(evals.length, 3);
  t.diagnostic(`held-out/mean-image MSE ratio per epoch: ${evals.map((r) => Number(r.ratio).toFixed(3)).join(', ')}`);
  assert.ok(Number(s.meanImageMse) > 0.01, 'the data varies');
  assert.ok(Number(s.ratio) < 0.5, `held-out/mean-image MSE ratio ${s.ratio} (per epoch: ${evals.map((r) => Number(r.ratio).toFixed(3)).join(', ')})`);
  assert.ok(Number(evals[2]!.ratio) < Number(evals[0]!.ratio), 'improves with training');
  const rows = MetricsLog.read(join(ctx.outDir, 'metrics.jsonl'));
  assert.ok(Number(rows.at(-1)!.recon) < 0.5 * Number(rows[0]!.recon), 'training reconstruction loss falls');
});
