/**
 * Parity with PyTorch: the FID Inception network with synthetic weights (make_fixtures.py), read from
 * the checkpoint by our TS reader and run on the wasm backend with BatchNorm folded, must give the
 * pool3 features PyTorch computed (expected.json) within 1e-4 relative, per image:
 *   max_i |ours_i - torch_i| / max_i |torch_i|   over all 2048 features.
 * Covers upsampling (64 -> 299), identity (299) and non-square downsampling (352x320 -> 299), the
 * uint8 batch helper, both checkpoint formats (same weights digest as the generator's), and the
 * verified-file path of loadInception. Fails (does not skip) when PyTorch is unavailable.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { UserError } from '../../runner/errors.js';
import { loadTorchCheckpoint, stateDictOf } from '../../runner/io/torch-checkpoint.js';
import { featuresFromUint8, loadInception, FEATURE_DIM, type InceptionExtractor } from '../../runner/metrics/inception/index.js';
import { fixturesDir, syntheticCheckpoints, weightsDigest, type SyntheticCheckpoints } from './synthetic-checkpoints.js';

interface ExpectedImage { height: number; width: number; offset: number; features: number[] }
const expected = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8')) as { weightsDigest: string; images: ExpectedImage[] };
const images = readFileSync(join(fixturesDir, 'images.bin'));
const TOLERANCE = 1e-4;

function relError(got: ArrayLike<number>, want: number[]): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

const pixels = (im: ExpectedImage) => images.subarray(im.offset, im.offset + im.height * im.width * 3);

let ckpts: SyntheticCheckpoints;
let net: InceptionExtractor;

before(async () => {
  await tf.setBackend('wasm');
  ckpts = syntheticCheckpoints();
  // Through the public loader: explicit path, verified against the generator's sha256.
  net = await loadInception({ weights: ckpts.zip.path, expectedSha256: ckpts.zip.sha256 });
});

test('zip and legacy checkpoints read to the weights make_fixtures.py generated', async () => {
  assert.equal(expected.weightsDigest, ckpts.weightsDigest, 'regenerated checkpoint differs from the committed fixtures: re-run make_fixtures.py fixtures');
  for (const c of [ckpts.zip, ckpts.legacy]) {
    const ck = await loadTorchCheckpoint(c.path);
    assert.equal(ck.format, c === ckpts.zip ? 'zip' : 'legacy');
    assert.equal(weightsDigest(stateDictOf(ck.value, c.path)), expected.weightsDigest, c.path);
  }
});

test('pool3 features match PyTorch within 1e-4 relative (299 and 352x320 inputs, float path)', () => {
  assert.equal(net.comparable, true);
  assert.equal(net.weightsSha256, ckpts.zip.sha256);
  const before = tf.memory().numTensors;
  for (const im of expected.images.filter((i) => i.height !== 64)) {
    const x = tf.tensor4d(Float32Array.from(pixels(im), (v) => v / 255), [1, im.height, im.width, 3]);
    const f = net.features(x);
    assert.deepStrictEqual(f.shape, [1, FEATURE_DIM]);
    const err = relError(f.dataSync(), im.features);
    tf.dispose([x, f]);
    assert.ok(err < TOLERANCE, `${im.height}x${im.width}: relative error ${err}`);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
});

test('featuresFromUint8 on a batch of two 64x64 images matches PyTorch (upsampling path)', async () => {
  const small = expected.images.filter((i) => i.height === 64);
  const data = Buffer.concat(small.map(pixels));
  const before = tf.memory().numTensors;
  const progress: number[] = [];
  const out = await featuresFromUint8(net, data, { count: 2, height: 64, width: 64, channels: 3 }, { batchSize: 2, onProgress: (d) => progress.push(d) });
  assert.equal(out.length, 2 * FEATURE_DIM);
  small.forEach((im, k) => {
    const err = relError(out.subarray(k * FEATURE_DIM, (k + 1) * FEATURE_DIM), im.features);
    assert.ok(err < TOLERANCE, `64x64 #${k}: relative error ${err}`);
  });
  assert.deepStrictEqual(progress, [2]);
  assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
});

test('the standard hash check rejects a file that is not the published weights', async () => {
  await assert.rejects(loadInception({ weights: ckpts.legacy.path }), (e: unknown) =>
    e instanceof UserError && e.message.includes(ckpts.legacy.path) && /does not start with 6726825d/.test(e.message));
});
