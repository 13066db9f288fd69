/**
 * Held-out evaluation of a VAE: per-pixel reconstruction MSE through the posterior mean, against
 * the baseline of predicting the training set's mean image. Both in [-1, 1] pixel units, so the
 * ratio is scale-free (1 = no better than the mean image, 0 = perfect). Streams the images.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PackedReader } from '../datasets/packed.js';
import { reconstruct, type Vae } from '../models/vae.js';
import { toSigned } from './batches.js';

const CHUNK = 32;

/** Mean image of images [0, count) in [-1, 1] units (float64 accumulation, streamed). */
export function meanImage(reader: PackedReader, count: number): Float64Array {
  const { resolution: R, channels: C } = reader.meta;
  const px = R * R * C;
  const acc = new Float64Array(px);
  for (let s = 0; s < count; s += CHUNK) {
    const n = Math.min(CHUNK, count - s);
    const buf = reader.readRange(s, n);
    for (let j = 0; j < n; j++) for (let i = 0; i < px; i++) acc[i]! += buf[j * px + i]! / 127.5 - 1;
  }
  for (let i = 0; i < px; i++) acc[i]! /= Math.max(1, count);
  return acc;
}

export interface HeldoutEval {
  /** Per-pixel MSE of the reconstruction (posterior mean, no noise). */
  heldoutMse: number;
  /** Per-pixel MSE of predicting the training mean image. */
  meanImageMse: number;
  /** heldoutMse / meanImageMse. */
  ratio: number;
}

/** Evaluates images [from, to) of the reader. */
export function evaluateHeldout(vae: Vae, reader: PackedReader, from: number, to: number, mean: Float64Array): HeldoutEval {
  const { resolution: R, channels: C } = reader.meta;
  const px = R * R * C;
  let se = 0, seMean = 0;
  for (let s = from; s < to; s += CHUNK) {
    const n = Math.min(CHUNK, to - s);
    const buf = reader.readRange(s, n);
    const x = toSigned(buf, n, R, C);
    const xr = reconstruct(vae, x);
    const out = xr.dataSync() as Float32Array;
    tf.dispose([x, xr]);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < px; i++) {
        const v = buf[j * px + i]! / 127.5 - 1;
        se += (out[j * px + i]! - v) ** 2;
        seMean += (mean[i]! - v) ** 2;
      }
    }
  }
  const count = Math.max(1, (to - from) * px);
  const heldoutMse = se / count, meanImageMse = seMean / count;
  return { heldoutMse, meanImageMse, ratio: meanImageMse > 0 ? heldoutMse / meanImageMse : NaN };
}
