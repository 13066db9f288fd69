/**
 * MaxPoolGrad for wasm. The stock 4.22 kernel drops the gradient of windows whose maximum is
 * negative (found by test/compute/kernels.test.ts against the cpu backend), so this one replaces
 * it: a JS loop over heap views that routes each dy to the first maximum of its window (the cpu
 * backend's and TF's tie rule), padding counting as -Infinity. Deterministic summation order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, type KernelArgs } from './wasm-util.js';

export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const a = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number],
    a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow,
    strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const dx = backend.makeOutput(input.shape, 'float32');
  const o = f32(backend, dx);
  const xv = f32(backend, input);
  const g = f32(backend, dy);
  o.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = Math.max(0, y * sh - top), y1 = Math.min(h, y * sh - top + fh);
      for (let x = 0; x < ow; x++) {
        const x0 = Math.max(0, x * sw - left), x1 = Math.min(w, x * sw - left + fw);
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity, at = -1;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const i = ((b * h + yy) * w + xx) * c + ch;
              if (xv[i]! > best) { best = xv[i]!; at = i; }
            }
          }
          if (at >= 0) o[at]! += g[((b * oh + y) * ow + x) * c + ch]!;
        }
      }
    }
  }
  return dx;
}
