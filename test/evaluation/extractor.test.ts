/**
 * The evaluation extractor: the reduced-size random network is the inception module's network with
 * only the resize target changed (at 299 it equals loadInception's output), 75 px is the smallest
 * input the architecture accepts (74 fails inside the network), and ids/diffs name what differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../runner/compute/backend.js';
import { extractorDiff, openExtractor, reducedRandom } from '../../runner/evaluation/extractor.js';
import { loadInception } from '../../runner/metrics/inception/index.js';
import { UserError } from '../../runner/errors.js';

await initBackend('wasm');

function image(seed: number, size: number): tf.Tensor4D {
  const v = new Float32Array(size * size * 3);
  for (let i = 0; i < v.length; i++) v[i] = ((i * 7919 + seed * 104729) % 1000) / 1000;
  return tf.tensor4d(v, [1, size, size, 3]);
}

test('at 299 the reduced-size path is exactly loadInception(inception-random)', async () => {
  const x = image(1, 32);
  const ours = reducedRandom(5, 299), ref = await loadInception({ features: 'inception-random', seed: 5 });
  const a = ours.features(x), b = ref.features(x);
  assert.deepEqual(await a.data(), await b.data());
  tf.dispose([x, a, b]);
  ours.dispose(); ref.dispose();
});

test('75 px runs: finite, non-trivial 2048-d features', async () => {
  const net = reducedRandom(0, 75);
  const x = image(2, 32);
  const f = net.features(x);
  assert.deepEqual(f.shape, [1, 2048]);
  const v = await f.data();
  assert.ok(v.every(Number.isFinite) && v.some((y) => y > 0));
  tf.dispose([x, f]);
  net.dispose();
});

test('openExtractor refuses a reduced size for the standard network and sizes below 75', async () => {
  await assert.rejects(openExtractor({ features: 'inception', weights: null, seed: 0, inputSize: 107 }, { where: 'stage s: params' }),
    (e: unknown) => e instanceof UserError && /stage s: params\.inputSize: 107 is only allowed with features: inception-random/.test(e.message));
  await assert.rejects(openExtractor({ features: 'inception-random', weights: null, seed: 0, inputSize: 74 }, { where: 'p' }), UserError);
  const ex = await openExtractor({ features: 'inception-random', weights: null, seed: 9, inputSize: 107 }, { where: 'p' });
  assert.deepEqual(ex.id, { network: 'inception-random', inputSize: 107, dim: 2048, seed: 9 });
  assert.equal(ex.comparable, false);
  assert.deepEqual(extractorDiff(ex.id, { ...ex.id, seed: 1 }), ['seed 9 vs 1']);
  ex.dispose();
});

test('74 px leaves Mixed_7a an empty map: all-zero features on cpu (wasm corrupts its heap, hence the guard)', async () => {
  await tf.setBackend('cpu');
  const net = reducedRandom(0, 74);
  const x = image(3, 32);
  let valid = false;
  try {
    const f = net.features(x);
    const v = await f.data();
    valid = f.shape[1] === 2048 && v.every(Number.isFinite) && v.some((y) => y !== 0);
    f.dispose();
  } catch { valid = false; }
  assert.equal(valid, false);
  const net75 = reducedRandom(0, 75), f75 = net75.features(x);
  assert.ok((await f75.data()).some((y) => y > 0), 'the same image at 75 px has non-zero features');
  tf.dispose([x, f75]);
  net.dispose();
  net75.dispose();
  await tf.setBackend('wasm');
});
