/**
 * Registers our wasm kernels over (or beside) the stock @tensorflow/tfjs-backend-wasm 4.22 ones.
 * Idempotent. `restoreStockWasmKernels` puts the stock functions back (benchmarks compare both).
 * Which kernels are here and why: docs/compute.md ("wasm kernels").
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { unsortedSegmentSum } from './unsorted-segment-sum.js';
import { saveStock, stockKernel } from './wasm-util.js';

const ours: Record<string, (args: never) => tf.TensorInfo> = {
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  UnsortedSegmentSum: unsortedSegmentSum,
  MaxPoolGrad: maxPoolGrad,
};

/**
 * Registers our kernels for backend 'wasm'; returns their names. Call after the wasm backend is
 * initialised, so the stock kernels' setup (cwrap) has run and restoring them works.
 */
export function registerWasmKernels(): string[] {
  for (const [kernelName, fn] of Object.entries(ours)) {
    const cur = tf.getKernel(kernelName, 'wasm');
    if (cur?.kernelFunc === (fn as unknown)) continue;
    saveStock(kernelName);
    if (cur) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as tf.KernelFunc });
  }
  return Object.keys(ours);
}

/** Puts the stock kernels back (kernels the stock backend lacks are removed). */
export function restoreStockWasmKernels(): void {
  for (const [kernelName, fn] of Object.entries(ours)) {
    const cur = tf.getKernel(kernelName, 'wasm');
    if (cur?.kernelFunc !== (fn as unknown)) continue; // never replaced: leave the stock one alone
    tf.unregisterKernel(kernelName, 'wasm');
    const cfg = stockKernel(kernelName);
    if (cfg) tf.registerKernel(cfg);
  }
}
