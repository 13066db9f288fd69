/**
 * Gathers latent samples from a model for the PCA, as float32 rows (n x dim):
 *   VAE       encoder posterior of images [start, start + n) of a packed dataset: the mean, or one
 *             sample mu + sigma * eps with eps from rngFor(seed, Stream.user + 11, image index);
 *   StyleGAN  w = mapping(z), z from rngFor(seed, stream, index) (one stream per sample set), no
 *             truncation.
 * Every draw is keyed by the sample's index, so batching never changes the result.
 */
import { throwIfAborted } from '../errors.js';
import type { PackedReader } from '../datasets/packed.js';
import { rngFor, Stream } from '../training/rng.js';
import type { LatentModel } from './latents.js';

export interface CollectIo {
  batch: number;
  signal: AbortSignal;
  /** Called after each batch with the number of samples done in this call. */
  onBatch?: (done: number) => void;
}

export function collectVae(m: LatentModel, reader: PackedReader, start: number, n: number, mode: 'mean' | 'sample', seed: number, io: CollectIo): Float32Array {
  const out = new Float32Array(n * m.dim);
  for (let s = 0; s < n; s += io.batch) {
    throwIfAborted(io.signal);
    const k = Math.min(io.batch, n - s);
    const { mu, logvar } = m.encode!(reader.readRange(start + s, k), k);
    if (mode === 'sample') {
      const eps = new Float32Array(m.dim);
      for (let i = 0; i < k; i++) {
        rngFor(seed, Stream.user + 11, start + s + i).normals(eps);
        for (let c = 0; c < m.dim; c++) mu[i * m.dim + c] += Math.exp(0.5 * logvar[i * m.dim + c]!) * eps[c]!;
      }
    }
    out.set(mu.subarray(0, k * m.dim), s * m.dim);
    io.onBatch?.(s + k);
  }
  return out;
}

export function collectStyleGan(m: LatentModel, n: number, seed: number, stream: number, io: CollectIo): Float32Array {
  const zDim = m.zDim!;
  const out = new Float32Array(n * m.dim);
  for (let s = 0; s < n; s += io.batch) {
    throwIfAborted(io.signal);
    const k = Math.min(io.batch, n - s);
    const z = new Float32Array(k * zDim);
    for (let i = 0; i < k; i++) rngFor(seed, stream, s + i).normals(z.subarray(i * zDim, (i + 1) * zDim));
    out.set(m.mapZ!(z, k), s * m.dim);
    io.onBatch?.(s + k);
  }
  return out;
}

/** Per-column standard deviation (N - 1) of rows x k values. */
export function columnSd(x: Float64Array, rows: number, k: number): number[] {
  const sd: number[] = [];
  for (let i = 0; i < k; i++) {
    let m = 0;
    for (let r = 0; r < rows; r++) m += x[r * k + i]!;
    m /= rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += (x[r * k + i]! - m) ** 2;
    sd.push(rows > 1 ? Math.sqrt(ss / (rows - 1)) : 0);
  }
  return sd;
}
