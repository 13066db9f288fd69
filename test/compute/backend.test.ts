/**
 * Backend selection: explicit requests, the `auto` fallback chain with its recorded reasons, the
 * UserError for an unavailable 'tensorflow', idempotency and the GPU memory-growth flag.
 * The native packages are not installed on CI; the assertions about them adapt if they are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../runner/compute/backend.js';
import { UserError } from '../../runner/errors.js';

async function installed(pkg: string): Promise<boolean> {
  try { await import(pkg); return true; } catch { return false; }
}

test('wasm: selected, our kernels registered, reason recorded, idempotent', async () => {
  const a = await initBackend('wasm');
  assert.equal(a.backend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(a.wasmKernels?.includes('Conv2DBackpropFilter'));
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  assert.match(a.reason, /wasm backend as requested; simd=(true|false), single-threaded; our kernels: .*Conv2DBackpropInput/);
  await initBackend('cpu');
  const b = await initBackend('wasm');
  assert.equal(b, a, 'same result object the second time');
  assert.equal(tf.getBackend(), 'wasm', 're-selected after a switch');
});

test('stock wasm restores the stock kernels (no Conv2DBackpropFilter) and ours come back', async () => {
  const s = await initBackend('wasm', { wasmKernels: false });
  assert.deepEqual(s.wasmKernels, []);
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
  assert.ok(tf.getKernel('Conv2DBackpropInput', 'wasm'), 'stock Conv2DBackpropInput kept');
  await initBackend('wasm');
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
});

test('cpu: selected as requested', async () => {
  const c = await initBackend('cpu');
  assert.equal(c.backend, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('auto: falls back to wasm and says why each native package was skipped', async (t) => {
  if (await installed('@tensorflow/tfjs-node-gpu') || await installed('@tensorflow/tfjs-node')) return t.skip('a native package is installed here');
  const a = await initBackend('auto');
  assert.equal(a.backend, 'wasm');
  assert.deepEqual(a.skipped, ['@tensorflow/tfjs-node-gpu: not installed', '@tensorflow/tfjs-node: not installed']);
  assert.match(a.reason, /^wasm backend \(fallback: @tensorflow\/tfjs-node-gpu: not installed; @tensorflow\/tfjs-node: not installed\)/);
  assert.equal(process.env.TF_FORCE_GPU_ALLOW_GROWTH, 'true');
});

test("tensorflow requested but unavailable: UserError with install instructions", async (t) => {
  if (await installed('@tensorflow/tfjs-node-gpu') || await installed('@tensorflow/tfjs-node')) return t.skip('a native package is installed here');
  await assert.rejects(initBackend('tensorflow'), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /^compute\.backend: 'tensorflow' requested/);
    assert.match(e.message, /npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    assert.match(e.message, /CUDA 11\.2 \+ cuDNN 8\.1/);
    assert.match(e.message, /docs\/compute\.md/);
    return true;
  });
});

test('gradients are registered (tfjs-layers side effect) so training can run', async () => {
  await initBackend('wasm');
  assert.ok(tf.getGradient('Conv2D'));
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2]));
  assert.deepEqual(Array.from(g.dataSync()), [2, 4]);
});

test('chained tensor methods are installed (gradients shipped with tfjs-layers call them)', async () => {
  await initBackend('wasm');
  const x = tf.tensor1d([1, 2, 3, 4]) as unknown as { reshape(s: number[]): tf.Tensor; mul(y: tf.Tensor): tf.Tensor };
  assert.deepEqual((x.reshape([2, 2])).shape, [2, 2]);
  // tf.prod's gradient calls permutedX.reshape(...): it threw "reshape is not a function" before.
  const g = tf.grad((t: tf.Tensor) => tf.prod(t))(tf.tensor1d([2, 3, 4]));
  assert.deepEqual(Array.from(g.dataSync()), [12, 8, 6]);
});
