/**
 * Where heavy stages run. On a GPU host the accelerator is one device: stages that need it run one
 * at a time (and take the store's 'accelerator' lock across processes). On a CPU-only host the wasm
 * backend is single-threaded, so the way to use every core is to run heavy stages side by side, each
 * in its own child process (`btf exec KEY`), up to --jobs. Deciding this must not load tfjs: we only
 * ask whether a native TensorFlow package is installed.
 */
import { createRequire } from 'node:module';
import type { ComputeRequest } from '../stages/types.js';

const require = createRequire(import.meta.url);

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

export interface Placement {
  /** Accelerator stages run one at a time (a GPU may be in use). */
  exclusiveAccelerator: boolean;
  /** Accelerator stages run in child processes so they can use separate cores. */
  heavyInChild: boolean;
  reason: string;
}

export function placement(compute: ComputeRequest, jobs: number): Placement {
  const native = compute.backend === 'tensorflow' || (compute.backend === 'auto' && (installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node')));
  if (native) return { exclusiveAccelerator: true, heavyInChild: false, reason: 'native TensorFlow backend: heavy stages take turns on the device' };
  return {
    exclusiveAccelerator: false,
    heavyInChild: jobs > 1,
    reason: `CPU backend (${compute.backend === 'auto' ? 'wasm' : compute.backend}, single-threaded): heavy stages run side by side in child processes, up to --jobs ${jobs}`,
  };
}
