/**
 * Streamed, seeded, shuffled training batches from a PackedReader, with optional mirror
 * augmentation, so a training loop never holds more than one batch of images.
 *
 * Epoch e visits the images in the order of a permutation drawn from (seed, Stream.shuffle, e);
 * batch k of epoch e mirrors image j when the j-th draw of (seed, Stream.mirror, e, k) is < 0.5.
 * Only whole batches are used (the remainder of the permutation is skipped that epoch; a different
 * remainder each epoch), so every step has the same shape. Everything depends only on
 * (seed, epoch, batch index): a resumed run sees exactly the batches of an uninterrupted one.
 *
 * Does not: create tensors (see `toSigned`), or decide what is held out (pass `count`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PackedReader } from '../datasets/packed.js';
import { permutation, rngFor, Stream } from './rng.js';

export interface BatchOptions {
  seed: number;
  epoch: number;
  batchSize: number;
  /** Use images [0, count) of the reader (the rest may be held out). */
  count: number;
  mirror: boolean;
  /** Start at this batch index (resume inside an epoch). */
  fromBatch?: number;
  /** Stop after this many batches (benchmarks, tests). */
  limit?: number;
}

export interface Batch {
  /** Batch index within the epoch. */
  index: number;
  /** NHWC uint8 pixels of `batchSize` images. Reused between batches: copy before the next one. */
  pixels: Uint8Array;
  /** Dataset indices of the images, in batch order. */
  indices: Uint32Array;
}

export function batchesPerEpoch(count: number, batchSize: number): number {
  return Math.floor(count / batchSize);
}

/** Yields the batches of one epoch (see module doc). */
export function* epochBatches(reader: PackedReader, o: BatchOptions): Generator<Batch> {
  const { resolution: R, channels: C } = reader.meta;
  const order = permutation(o.count, rngFor(o.seed, Stream.shuffle, o.epoch));
  const n = batchesPerEpoch(o.count, o.batchSize);
  const end = o.limit === undefined ? n : Math.min(n, (o.fromBatch ?? 0) + o.limit);
  const pixels = new Uint8Array(o.batchSize * R * R * C);
  for (let k = o.fromBatch ?? 0; k < end; k++) {
    const indices = order.slice(k * o.batchSize, (k + 1) * o.batchSize);
    reader.readIndices(indices, pixels);
    if (o.mirror) {
      const rng = rngFor(o.seed, Stream.mirror, o.epoch, k);
      for (let j = 0; j < o.batchSize; j++) if (rng.next() < 0.5) mirrorImage(pixels, j, R, C);
    }
    yield { index: k, pixels, indices };
  }
}

/** Flips image j of an NHWC batch left-right in place. */
export function mirrorImage(pixels: Uint8Array, j: number, R: number, C: number): void {
  const base = j * R * R * C;
  for (let y = 0; y < R; y++) {
    const row = base + y * R * C;
    for (let a = 0, b = R - 1; a < b; a++, b--) {
      for (let c = 0; c < C; c++) {
        const t = pixels[row + a * C + c]!;
        pixels[row + a * C + c] = pixels[row + b * C + c]!;
        pixels[row + b * C + c] = t;
      }
    }
  }
}

/** uint8 NHWC -> float32 tensor in [-1, 1] (computed in JS so every backend sees identical inputs). */
export function toSigned(pixels: Uint8Array, n: number, R: number, C: number): tf.Tensor4D {
  const f = new Float32Array(n * R * R * C);
  for (let i = 0; i < f.length; i++) f[i] = pixels[i]! / 127.5 - 1;
  return tf.tensor4d(f, [n, R, R, C]);
}
