/**
 * Streaming mean/covariance of feature vectors in float64, and a compact on-disk form for them.
 *
 * Scope: the summary statistics FID needs (and PCA reuses). Feature rows arrive in batches of any
 * size; they are buffered into fixed chunks of `chunkRows`, each chunk is reduced exactly by two
 * passes (its mean, then the scatter of its centred rows), and chunks are merged with the pairwise
 * update of Chan, Golub & LeVeque (mean += δ·n_b/n, M2 += M2_b + δδᵀ·n_a·n_b/n). This never forms
 * Σxxᵀ - n·μμᵀ (which cancels catastrophically when |μ| ≫ σ), and because chunk boundaries do not
 * depend on how the caller batches its rows, the result is bit-identical for any batching.
 *
 * Normalisation: sigma = M2 / (n - 1), the unbiased estimate `np.cov(x, rowvar=False)` returns and
 * pytorch-fid uses.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { gemmABt, mirrorLower } from '../linalg/dense.js';

export interface FeatureStats {
  dim: number;
  /** Number of feature rows. */
  n: number;
  mu: Float64Array;
  /** Row-major dim x dim covariance, normalised by n - 1. */
  sigma: Float64Array;
}

export class StatsAccumulator {
  readonly dim: number;
  private readonly chunkRows: number;
  private count = 0;
  private readonly mean: Float64Array;
  /** Lower triangle of the running sum of centred outer products. */
  private readonly m2: Float64Array;
  private readonly pending: Float64Array;
  private pendingRows = 0;

  constructor(dim: number, opts: { chunkRows?: number } = {}) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`StatsAccumulator: bad dim ${dim}`);
    this.dim = dim;
    this.chunkRows = opts.chunkRows ?? 1024;
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
    this.pending = new Float64Array(this.chunkRows * dim);
  }

  /** Rows added so far. */
  get n(): number {
    return this.count + this.pendingRows;
  }

  /** Adds `rows` feature rows (row-major, `dim` values each). */
  add(batch: Float32Array | Float64Array, rows: number, dim: number = this.dim): void {
    if (dim !== this.dim) throw new Error(`StatsAccumulator: rows have ${dim} values, expected ${this.dim}`);
    if (batch.length < rows * dim) throw new Error(`StatsAccumulator: batch holds ${batch.length} values, need ${rows * dim}`);
    for (let r = 0; r < rows; r++) {
      const src = batch.subarray(r * dim, r * dim + dim);
      for (let c = 0; c < dim; c++) {
        if (!Number.isFinite(src[c])) throw new Error(`StatsAccumulator: non-finite feature at row ${this.n}, column ${c}`);
      }
      this.pending.set(src, this.pendingRows * dim);
      if (++this.pendingRows === this.chunkRows) this.flush();
    }
  }

  /** Mean and covariance of everything added (the accumulator stays usable). */
  finalize(): FeatureStats {
    this.flush();
    const n = this.count, d = this.dim;
    if (n < 2) throw new UserError(`feature statistics need at least 2 rows, got ${n}`);
    const sigma = Float64Array.from(this.m2);
    for (let i = 0; i < d * d; i++) sigma[i] /= n - 1;
    mirrorLower(sigma, d);
    return { dim: d, n, mu: Float64Array.from(this.mean), sigma };
  }

  /** Reduces the buffered chunk by two passes and merges it into the running totals. */
  private flush(): void {
    const nb = this.pendingRows, d = this.dim;
    if (nb === 0) return;
    const x = this.pending;
    const mb = new Float64Array(d);
    for (let r = 0; r < nb; r++) for (let c = 0; c < d; c++) mb[c] += x[r * d + c];
    for (let c = 0; c < d; c++) mb[c] /= nb;
    // Centred chunk, transposed (d x nb) so the scatter is a Gram matrix of contiguous rows.
    const xt = new Float64Array(d * nb);
    for (let r = 0; r < nb; r++) for (let c = 0; c < d; c++) xt[c * nb + r] = x[r * d + c] - mb[c];
    const m2b = gemmABt(xt, xt, d, d, nb, { lowerOnly: true });
    const na = this.count, n = na + nb;
    const delta = new Float64Array(d);
    for (let c = 0; c < d; c++) delta[c] = mb[c] - this.mean[c];
    const w = (na * nb) / n;
    for (let i = 0; i < d; i++) {
      const ri = i * d, di = delta[i] * w;
      for (let j = 0; j <= i; j++) this.m2[ri + j] += m2b[ri + j] + di * delta[j];
    }
    for (let c = 0; c < d; c++) this.mean[c] += delta[c] * (nb / n);
    this.count = n;
    this.pendingRows = 0;
  }
}

/** Statistics of a whole row-major feature matrix (convenience over the accumulator). */
export function featureStats(x: Float32Array | Float64Array, rows: number, dim: number): FeatureStats {
  const acc = new StatsAccumulator(dim);
  acc.add(x, rows, dim);
  return acc.finalize();
}

const STATS_JSON = 'stats.json';
const FORMAT = 'btf-feature-stats';

interface StatsIndex {
  format: string;
  version: number;
  dim: number;
  n: number;
  normalisation: 'n-1';
  dtype: 'float64';
  byteOrder: 'little-endian';
  files: { mu: { path: string; sha256: string }; sigma: { path: string; sha256: string } };
}

/**
 * Writes `stats.json` (dims, counts, file hashes) plus `mu.f64` and `sigma.f64` (raw little-endian
 * float64) into `dir`. Each file goes to a temporary name first and is renamed into place, `stats.json`
 * last, so a reader never sees a half-written set.
 */
export async function saveStats(dir: string, stats: FeatureStats): Promise<void> {
  await mkdir(dir, { recursive: true });
  const mu = toLittleEndian(stats.mu), sigma = toLittleEndian(stats.sigma);
  const index: StatsIndex = {
    format: FORMAT, version: 1, dim: stats.dim, n: stats.n, normalisation: 'n-1', dtype: 'float64',
    byteOrder: 'little-endian',
    files: { mu: { path: 'mu.f64', sha256: sha256(mu) }, sigma: { path: 'sigma.f64', sha256: sha256(sigma) } },
  };
  await atomicWrite(join(dir, 'mu.f64'), mu);
  await atomicWrite(join(dir, 'sigma.f64'), sigma);
  await atomicWrite(join(dir, STATS_JSON), Buffer.from(JSON.stringify(index, null, 2) + '\n'));
}

/** Reads what `saveStats` wrote; a missing, malformed or corrupted set is a UserError naming the file. */
export async function loadStats(dir: string): Promise<FeatureStats> {
  const indexPath = join(dir, STATS_JSON);
  let index: StatsIndex;
  try {
    index = JSON.parse(await readFile(indexPath, 'utf8'));
  } catch (e) {
    throw new UserError(`${indexPath}: cannot read feature statistics (${(e as Error).message})`);
  }
  if (index?.format !== FORMAT || index.version !== 1 || !Number.isInteger(index.dim) || index.dim < 1 ||
    !Number.isInteger(index.n) || index.byteOrder !== 'little-endian' || index.dtype !== 'float64') {
    throw new UserError(`${indexPath}: not a version 1 ${FORMAT} file`);
  }
  const d = index.dim;
  const mu = await readF64(dir, index.files.mu, d);
  const sigma = await readF64(dir, index.files.sigma, d * d);
  return { dim: d, n: index.n, mu, sigma };
}

async function readF64(dir: string, entry: { path: string; sha256: string }, count: number): Promise<Float64Array> {
  const p = join(dir, entry.path);
  let buf: Buffer;
  try {
    buf = await readFile(p);
  } catch (e) {
    throw new UserError(`${p}: cannot read (${(e as Error).message})`);
  }
  if (buf.length !== count * 8) throw new UserError(`${p}: expected ${count * 8} bytes, found ${buf.length}`);
  if (sha256(buf) !== entry.sha256) throw new UserError(`${p}: sha256 does not match ${STATS_JSON} (file corrupted?)`);
  const out = new Float64Array(count);
  if (endianness() === 'LE') new Uint8Array(out.buffer).set(buf);
  else for (let i = 0; i < count; i++) out[i] = buf.readDoubleLE(i * 8);
  return out;
}

function toLittleEndian(a: Float64Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const b = Buffer.alloc(a.length * 8);
  for (let i = 0; i < a.length; i++) b.writeDoubleLE(a[i], i * 8);
  return b;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

async function atomicWrite(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
