/**
 * VAE gradients on the wasm backend (with runner/compute's kernels) equal those of the pure-JS cpu
 * backend, for every weight, with batch > 1. Two independent kernel sets agreeing guards against
 * kernel bugs such as the cpu backend's ResizeNearestNeighborGrad (wrong for batch > 1; why the VAE
 * up-samples bilinearly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initTrainingBackend } from '../../runner/training/backend.js';
import { buildVae, initVae, vaeLoss, vaeWeights } from '../../runner/models/vae.js';
import { rngFor } from '../../runner/training/rng.js';

async function gradients(backend: 'cpu' | 'wasm'): Promise<{ backend: string; loss: number; grads: Map<string, Float32Array> }> {
  const be = await initTrainingBackend(backend);
  const vae = buildVae({ resolution: 32, imageChannels: 3, channels: 4, maxChannels: 8, latentDim: 8, beta: 1 });
  initVae(vae, 0);
  const x = tf.tensor4d(rngFor(1, 9).normals(new Float32Array(3 * 32 * 32 * 3)).map(Math.tanh), [3, 32, 32, 3]);
  const eps = tf.tensor2d(rngFor(1, 10).normals(new Float32Array(3 * 8)), [3, 8]);
  const vars = [...vaeWeights(vae)];
  const { value, grads } = tf.variableGrads(() => vaeLoss(vae, x, eps).loss, vars.map(([, v]) => v));
  const out = new Map(vars.map(([n, v]) => [n, grads[v.name]!.dataSync() as Float32Array]));
  const loss = value.dataSync()[0]!;
  tf.dispose([x, eps, value, ...Object.values(grads)]);
  vae.encoder.dispose(); vae.decoder.dispose();
  return { backend: be.backend, loss, grads: out };
}

test('wasm gradients match cpu for every VAE weight (batch 3)', async () => {
  const ref = await gradients('cpu');
  const got = await gradients('wasm');
  assert.equal(got.backend, 'wasm', 'wasm can train (backward kernels registered)');
  assert.ok(Math.abs(ref.loss - got.loss) < 1e-5 * ref.loss);
  for (const [name, g] of ref.grads) {
    const h = got.grads.get(name)!;
    let diff = 0, scale = 0;
    g.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - h[i]!)); scale = Math.max(scale, Math.abs(v)); });
    assert.ok(diff <= 1e-4 * Math.max(1, scale), `${name}: max |cpu - wasm| ${diff} (max |g| ${scale})`);
  }
});
