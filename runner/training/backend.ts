/**
 * Backend for training stages: runner/compute/backend.ts `initBackend` (which registers our wasm
 * kernels), plus a check that the chosen backend can train convolutions.
 *
 * The stock wasm backend has no Conv2DBackpropFilter kernel (runner/compute registers one): if a
 * backward kernel is missing anyway, training falls back to the pure-JS cpu backend (slow but
 * exact) and says so in the reason, which the stage records with ctx.setEnv.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../compute/backend.js';
import type { ComputeRequest } from '../stages/types.js';

export interface TrainingBackend {
  backend: string;
  reason: string;
}

/** Kernels the VAE's backward pass needs beyond the forward ones. */
const TRAINING_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'ResizeBilinearGrad'];

export async function initTrainingBackend(request: ComputeRequest['backend']): Promise<TrainingBackend> {
  const info = await initBackend(request);
  const sel = { backend: info.backend, reason: info.reason };
  if (sel.backend === 'tensorflow') return sel;
  const missing = TRAINING_KERNELS.filter((k) => !tf.getKernel(k, sel.backend));
  if (missing.length) {
    if (!(await tf.setBackend('cpu'))) throw new Error(`tfjs backend 'cpu' failed to initialise`);
    return { backend: 'cpu', reason: `cpu: ${sel.backend} lacks training kernels ${missing.join(', ')} (${sel.reason})` };
  }
  return sel;
}
