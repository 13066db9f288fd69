/**
 * Streams images through an extractor in batches: features into float64 mean/covariance
 * (runner/metrics/stats.ts) and, for KID, the float32 feature rows themselves. The images come from
 * a callback (a packed dataset, blended reals, or a generator), so memory stays at one batch of
 * images plus the feature rows. Also the on-disk form of the feature rows (features.f32 + .json).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { throwIfAborted, UserError } from '../errors.js';
import { StatsAccumulator, type FeatureStats } from '../metrics/stats.js';
import { writeFileSynced } from '../training/model-files.js';
import type { Extractor } from './extractor.js';

export interface ExtractOptions {
  /** Images per extractor call. */
  batchSize: number;
  signal: AbortSignal;
  /** Called after each batch: images done, total, images per second so far. */
  onProgress?: (done: number, total: number, imgPerSec: number) => void;
}

export interface Extracted {
  stats: FeatureStats;
  /** Row-major [n, dim] float32 features. */
  features: Float32Array;
  seconds: number;
}

/**
 * Features of `total` images of `res` px RGB, produced `batch` at a time by `images(start, n)`
 * (which may be async: generation, masking).
 */
export async function extractAll(ex: Extractor, total: number, res: number,
  images: (start: number, n: number) => Uint8Array | Promise<Uint8Array>, o: ExtractOptions): Promise<Extracted> {
  const dim = ex.id.dim;
  const acc = new StatsAccumulator(dim);
  const features = new Float32Array(total * dim);
  const t0 = performance.now();
  for (let start = 0; start < total; start += o.batchSize) {
    throwIfAborted(o.signal);
    const n = Math.min(o.batchSize, total - start);
    const px = await images(start, n);
    const f = await ex.run(px, { count: n, height: res, width: res, channels: 3 }, { batchSize: n, signal: o.signal });
    features.set(f, start * dim);
    acc.add(f, n, dim);
    const secs = (performance.now() - t0) / 1000;
    o.onProgress?.(start + n, total, (start + n) / Math.max(secs, 1e-9));
  }
  return { stats: acc.finalize(), features, seconds: (performance.now() - t0) / 1000 };
}

interface FeaturesIndex { format: 'btf-features'; version: 1; rows: number; dim: number; dtype: 'float32'; byteOrder: 'little-endian'; file: string; sha256: string }

/** Writes features.f32 (raw little-endian float32) and features.json (shape, sha256) into `dir`. */
export function saveFeatures(dir: string, data: Float32Array, rows: number, dim: number): void {
  const bytes = toLittleEndian(data);
  const index: FeaturesIndex = { format: 'btf-features', version: 1, rows, dim, dtype: 'float32', byteOrder: 'little-endian', file: 'features.f32', sha256: createHash('sha256').update(bytes).digest('hex') };
  writeFileSynced(join(dir, 'features.f32'), bytes);
  writeFileSynced(join(dir, 'features.json'), JSON.stringify(index, null, 1) + '\n');
}

/** Reads what saveFeatures wrote; missing or corrupt files are UserErrors naming the file. */
export function loadFeatures(dir: string): { data: Float32Array; rows: number; dim: number } {
  const p = join(dir, 'features.json');
  let index: FeaturesIndex;
  try { index = JSON.parse(readFileSync(p, 'utf8')) as FeaturesIndex; } catch (e) { throw new UserError(`${p}: cannot read feature rows (${(e as Error).message})`); }
  if (index.format !== 'btf-features' || index.version !== 1 || index.dtype !== 'float32') throw new UserError(`${p}: not a version 1 btf-features file`);
  const f = join(dir, index.file);
  const buf = readFileSync(f);
  if (buf.length !== index.rows * index.dim * 4) throw new UserError(`${f}: expected ${index.rows * index.dim * 4} bytes, found ${buf.length}`);
  if (createHash('sha256').update(buf).digest('hex') !== index.sha256) throw new UserError(`${f}: sha256 does not match features.json (file corrupted?)`);
  const data = new Float32Array(index.rows * index.dim);
  if (endianness() === 'LE') new Uint8Array(data.buffer).set(buf);
  else for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(i * 4);
  return { data, rows: index.rows, dim: index.dim };
}

function toLittleEndian(a: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const b = Buffer.alloc(a.length * 4);
  for (let i = 0; i < a.length; i++) b.writeFloatLE(a[i]!, i * 4);
  return b;
}
