/**
 * Backend for training stages: delegates to runner/compute/backend.ts `initBackend` when it loads,
 * else selects the stock backend itself; then makes sure the backend can train convolutions.
 *
 * The stock wasm backend has no Conv2DBackpropFilter kernel (runner/compute registers one): when it
 * is missing, training falls back to the pure-JS cpu backend (slow but exact) and says so in the
 * reason, which the stage records with ctx.setEnv.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { ComputeRequest } from '../stages/types.js';

export interface TrainingBackend {
  backend: string;
  reason: string;
}

/** Kernels a conv net's backward pass needs beyond the forward ones. */
const TRAINING_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'ResizeBilinearGrad'];

async function computeInit(request: ComputeRequest['backend']): Promise<TrainingBackend | string> {
  try {
    const spec: string = '../compute/backend.js'; // variable: compiles before runner/compute lands
    const mod = await import(spec) as { initBackend(r: string): Promise<{ backend: string; reason: string }> };
    const info = await mod.initBackend(request);
    return { backend: info.backend, reason: info.reason };
  } catch (e) {
    return `runner/compute/backend unavailable (${String((e as Error).message ?? e).split('\n')[0]!.slice(0, 160)})`;
  }
}

export async function initTrainingBackend(request: ComputeRequest['backend']): Promise<TrainingBackend> {
  let sel = await computeInit(request);
  if (typeof sel === 'string') {
    const why = sel;
    const name = request === 'cpu' ? 'cpu' : 'wasm';
    if (request === 'tensorflow') throw new Error(`compute.backend 'tensorflow' needs runner/compute: ${why}`);
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
    sel = { backend: name, reason: `${name} selected locally (${why})` };
  }
  if (sel.backend === 'tensorflow') return sel;
  const missing = TRAINING_KERNELS.filter((k) => !tf.getKernel(k, sel.backend));
  if (missing.length) {
    if (!(await tf.setBackend('cpu'))) throw new Error(`tfjs backend 'cpu' failed to initialise`);
    return { backend: 'cpu', reason: `cpu: ${sel.backend} lacks training kernels ${missing.join(', ')} (${sel.reason})` };
  }
  return sel;
}
