/** VAE model: architecture from resolution, seeded init, loss scale, and stock-format save/load. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { buildVae, channelWidths, downBlocks, initVae, reconstruct, vaeLoss, vaeWeights } from '../../runner/models/vae.js';
import { fileHandler, saveLayersModel } from '../../runner/training/model-files.js';

const cfg = { resolution: 32, imageChannels: 3, channels: 4, maxChannels: 16, latentDim: 8, beta: 1 };

test('setup: cpu backend', async () => { assert.ok(await tf.setBackend('cpu')); });

test('down-sampling blocks follow the resolution to a 4x4 bottleneck', () => {
  assert.equal(downBlocks(32), 3);
  assert.equal(downBlocks(64), 4);
  assert.equal(downBlocks(128), 5);
  assert.throws(() => downBlocks(48));
  assert.deepEqual(channelWidths({ resolution: 64, channels: 32, maxChannels: 128 }), [32, 64, 128, 128, 128]);
  for (const R of [32, 64, 128]) {
    const vae = buildVae({ ...cfg, resolution: R });
    assert.deepEqual(vae.encoder.inputs[0]!.shape, [null, R, R, 3]);
    assert.deepEqual(vae.encoder.outputs.map((o) => o.shape), [[null, 8], [null, 8]]);
    assert.deepEqual(vae.decoder.outputs[0]!.shape, [null, R, R, 3]);
    const strided = vae.encoder.layers.filter((l) => l.name.startsWith('enc_down') && !l.name.endsWith('_act'));
    assert.equal(strided.length, Math.log2(R / 4));
    vae.encoder.dispose(); vae.decoder.dispose();
  }
});

test('init is a function of the seed only', () => {
  const a = buildVae(cfg), b = buildVae(cfg), c = buildVae(cfg);
  initVae(a, 7); initVae(b, 7); initVae(c, 8);
  const wa = [...vaeWeights(a).values()], wb = [...vaeWeights(b).values()], wc = [...vaeWeights(c).values()];
  assert.deepEqual([...vaeWeights(a).keys()], [...vaeWeights(b).keys()], 'stable names across builds in one process');
  assert.ok(wa.every((w, i) => Buffer.from(w.dataSync().buffer).equals(Buffer.from(wb[i]!.dataSync().buffer))));
  assert.ok(!wa.every((w, i) => Buffer.from(w.dataSync().buffer).equals(Buffer.from(wc[i]!.dataSync().buffer))));
  for (const v of [a, b, c]) { v.encoder.dispose(); v.decoder.dispose(); }
});

test('loss terms: recon is the per-image pixel sum of squared error, KL summed over dims; output in [-1, 1]', () => {
  const vae = buildVae({ ...cfg, beta: 0.5 });
  initVae(vae, 1);
  const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
  const eps = tf.zeros([2, 8]) as tf.Tensor2D;
  const { loss, recon, kl } = vaeLoss(vae, x, eps);
  // Recompute by hand: eps = 0 makes z = mu.
  const [mu, logvar] = vae.encoder.predict(x) as tf.Tensor[];
  const xr = vae.decoder.predict(mu!) as tf.Tensor;
  const xd = x.dataSync(), rd = xr.dataSync(), m = mu!.dataSync(), lv = logvar!.dataSync();
  let se = 0; for (let i = 0; i < xd.length; i++) se += (xd[i]! - rd[i]!) ** 2;
  let k = 0; for (let i = 0; i < m.length; i++) k += -0.5 * (1 + lv[i]! - m[i]! ** 2 - Math.exp(lv[i]!));
  assert.ok(Math.abs(recon.dataSync()[0]! - se / 2) < 1e-3 * se);
  assert.ok(Math.abs(kl.dataSync()[0]! - k / 2) < 1e-4 + 1e-4 * Math.abs(k));
  assert.ok(Math.abs(loss.dataSync()[0]! - (se / 2 + 0.5 * k / 2)) < 1e-3 * se);
  assert.ok(rd.every((v) => v >= -1 && v <= 1), 'tanh output range');
  tf.dispose([x, eps, loss, recon, kl, mu!, logvar!, xr]);
  vae.encoder.dispose(); vae.decoder.dispose();
});

test('encoder and decoder save as model.json + weights.bin and load with tf.loadLayersModel', async () => {
  const vae = buildVae(cfg);
  initVae(vae, 2);
  const dir = mkdtempSync(join(tmpdir(), 'btf-vae-model-'));
  await saveLayersModel(vae.decoder, dir);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
  const bytes = json.weightsManifest[0].weights.reduce((s: number, w: { shape: number[] }) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(readFileSync(join(dir, 'weights.bin')).length, bytes);
  const loaded = await tfl.loadLayersModel(fileHandler(dir));
  const z = tf.randomNormal([3, 8], 0, 1, 'float32', 5);
  const a = vae.decoder.predict(z) as tf.Tensor, b = loaded.predict(z) as tf.Tensor;
  assert.ok(Buffer.from(a.dataSync().buffer).equals(Buffer.from(b.dataSync().buffer)), 'identical outputs');
  const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
  const r = reconstruct(vae, x);
  assert.deepEqual(r.shape, [1, 32, 32, 3]);
  tf.dispose([z, a, b, x, r]);
  loaded.dispose(); vae.encoder.dispose(); vae.decoder.dispose();
});
