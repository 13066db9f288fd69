/**
 * Kernel Inception Distance as stylegan2-ada-pytorch computes it (metrics/kernel_inception_distance.py):
 * the unbiased estimate of MMD² under the cubic polynomial kernel k(x, y) = (x·y/d + 1)³, averaged over
 * `numSubsets` random subsets of m = min(subsetSize, #gen, #real) rows of each feature set:
 *
 *   per subset:  (Σ_{i≠j} k(xᵢ,xⱼ) + Σ_{i≠j} k(yᵢ,yⱼ)) / (m(m-1)) - 2 Σ_{i,j} k(xᵢ,yⱼ) / m²
 *   KID = mean over subsets;  std = population standard deviation over subsets (ddof 0, np.std's default).
 *
 * Differences from the reference, by design:
 * - subsets come from our seeded PRNG (linalg/random.ts), not numpy's global RNG, so individual
 *   subsets (and hence the per-subset values) differ from theirs; the estimator is the same;
 * - arithmetic is float64 throughout (they multiply float32 features in float32), with compensated
 *   sums over the m² kernel values, because KID is a small difference of large sums.
 * Scope: the number from features; not the feature extraction.
 */
import { gemmABt, gram } from '../linalg/dense.js';
import { Rng } from '../linalg/random.js';

/** Row-major feature matrix. */
export interface Features {
  data: Float32Array | Float64Array;
  rows: number;
  dim: number;
}

export interface KidOptions {
  /** Number of subsets to average (stylegan2-ada default 100). */
  numSubsets?: number;
  /** Maximum subset size (stylegan2-ada default 1000). */
  subsetSize?: number;
  /** Seed of the subset selection. */
  seed?: number;
}

export interface KidResult {
  kid: number;
  /** Population std of the per-subset values. */
  std: number;
  /** Per-subset unbiased MMD² values. */
  subsets: Float64Array;
  /** Subset size used. */
  m: number;
}

/** Index sets of one subset: rows of the generated and of the real features (m each). */
export interface SubsetIndices {
  gen: ArrayLike<number>;
  real: ArrayLike<number>;
}

/** Precomputing full kernel matrices pays off when they fit in this many doubles (128 MiB). */
const PRECOMPUTE_LIMIT = 16 * 1024 * 1024;

/** KID of generated features against real features, with seeded subset selection. */
export function kernelInceptionDistance(gen: Features, real: Features, opts: KidOptions = {}): KidResult {
  checkPair(gen, real);
  const numSubsets = opts.numSubsets ?? 100;
  const m = Math.min(gen.rows, real.rows, opts.subsetSize ?? 1000);
  if (m < 2) throw new Error(`kernelInceptionDistance: need at least 2 rows in each set (subset size ${m})`);
  if (!Number.isInteger(numSubsets) || numSubsets < 1) throw new Error(`kernelInceptionDistance: bad numSubsets ${numSubsets}`);
  const rng = new Rng(opts.seed ?? 0);
  const subsets: SubsetIndices[] = [];
  for (let s = 0; s < numSubsets; s++) {
    // Same order as the reference: the generated subset first, then the real one.
    const g = rng.sampleWithoutReplacement(gen.rows, m);
    subsets.push({ gen: g, real: rng.sampleWithoutReplacement(real.rows, m) });
  }
  return kidWithSubsets(gen, real, subsets);
}

/**
 * KID over explicitly given subsets (all of the same size m); used for reproducible comparisons.
 * `strategy` picks between kernel matrices over all rows computed once ('precompute') and per-subset
 * Gram matrices ('per-subset'); both give bit-identical values ('auto' takes the cheaper that fits).
 */
export function kidWithSubsets(gen: Features, real: Features, subsets: SubsetIndices[],
  strategy: 'auto' | 'precompute' | 'per-subset' = 'auto'): KidResult {
  checkPair(gen, real);
  if (subsets.length === 0) throw new Error('kidWithSubsets: no subsets');
  const m = subsets[0].gen.length;
  for (const s of subsets) {
    if (s.gen.length !== m || s.real.length !== m) throw new Error('kidWithSubsets: subsets must all have the same size');
  }
  const d = gen.dim;
  const kernel = (dot: number): number => { const u = dot / d + 1; return u * u * u; };
  const values = new Float64Array(subsets.length);
  const ng = gen.rows, nr = real.rows;
  // Dot products: all rows once ≈ (ng² + nr²)/2 + ng·nr; per subset ≈ 2m² each.
  const precompute = strategy === 'precompute' || (strategy === 'auto' &&
    ng * ng + nr * nr + ng * nr <= PRECOMPUTE_LIMIT && subsets.length * 2 * m * m > (ng * ng + nr * nr) / 2 + ng * nr);
  if (precompute) {
    const x = toF64(gen.data, ng * d), y = toF64(real.data, nr * d);
    for (const s of subsets) { checkRange(s.gen, ng); checkRange(s.real, nr); }
    const kxx = mapInPlace(gram(x, ng, d), kernel);
    const kyy = mapInPlace(gram(y, nr, d), kernel);
    const kxy = mapInPlace(gemmABt(x, y, ng, nr, d), kernel);
    subsets.forEach((s, i) => {
      values[i] = mmdUnbiased(
        sumOffDiagonal(kxx, ng, s.gen), sumOffDiagonal(kyy, nr, s.real), sumCross(kxy, nr, s.gen, s.real), m);
    });
  } else {
    for (let i = 0; i < subsets.length; i++) {
      const s = subsets[i];
      const x = gather(gen, s.gen), y = gather(real, s.real);
      const all = Int32Array.from({ length: m }, (_, k) => k);
      const kxx = mapInPlace(gram(x, m, d), kernel);
      const kyy = mapInPlace(gram(y, m, d), kernel);
      const kxy = mapInPlace(gemmABt(x, y, m, m, d), kernel);
      values[i] = mmdUnbiased(sumOffDiagonal(kxx, m, all), sumOffDiagonal(kyy, m, all), sumCross(kxy, m, all, all), m);
    }
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let v2 = 0;
  for (const v of values) v2 += (v - mean) * (v - mean);
  return { kid: mean, std: Math.sqrt(v2 / values.length), subsets: values, m };
}

/** ((sxx + syy)/(m-1) - 2 sxy/m) / m, the reference's expression for one subset. */
function mmdUnbiased(sxx: number, syy: number, sxy: number, m: number): number {
  return ((sxx + syy) / (m - 1) - (2 * sxy) / m) / m;
}

/** Σ_{i≠j} K[idx[i]][idx[j]] with Neumaier compensation. */
function sumOffDiagonal(k: Float64Array, stride: number, idx: ArrayLike<number>): number {
  const acc = new Neumaier();
  for (let i = 0; i < idx.length; i++) {
    const row = idx[i] * stride;
    for (let j = 0; j < idx.length; j++) if (j !== i) acc.add(k[row + idx[j]]);
  }
  return acc.value();
}

/** Σ_{i,j} K[gi[i]][rj[j]] with Neumaier compensation. */
function sumCross(k: Float64Array, stride: number, gi: ArrayLike<number>, rj: ArrayLike<number>): number {
  const acc = new Neumaier();
  for (let i = 0; i < gi.length; i++) {
    const row = gi[i] * stride;
    for (let j = 0; j < rj.length; j++) acc.add(k[row + rj[j]]);
  }
  return acc.value();
}

/** Kahan-Babuška-Neumaier summation: error O(ε) independent of the number of terms. */
class Neumaier {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? (this.s - t) + x : (x - t) + this.s;
    this.s = t;
  }
  value(): number {
    return this.s + this.c;
  }
}

function checkPair(gen: Features, real: Features): void {
  if (gen.dim !== real.dim) throw new Error(`KID: feature dims differ (${gen.dim} vs ${real.dim})`);
  for (const f of [gen, real]) {
    if (f.data.length < f.rows * f.dim) throw new Error(`KID: ${f.rows}x${f.dim} features need ${f.rows * f.dim} values, got ${f.data.length}`);
  }
}

function toF64(a: Float32Array | Float64Array, len: number): Float64Array {
  return a instanceof Float64Array && a.length === len ? a : Float64Array.from(a.subarray(0, len));
}

function checkRange(idx: ArrayLike<number>, rows: number): void {
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    if (!(Number.isInteger(r) && r >= 0 && r < rows)) throw new Error(`KID: subset index ${r} out of range [0, ${rows})`);
  }
}

/** Rows `idx` of a feature matrix as float64 (range-checked). */
export function gather(f: Features, idx: ArrayLike<number>): Float64Array {
  checkRange(idx, f.rows);
  const out = new Float64Array(idx.length * f.dim);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    for (let c = 0; c < f.dim; c++) out[i * f.dim + c] = f.data[r * f.dim + c];
  }
  return out;
}

function mapInPlace(a: Float64Array, f: (x: number) => number): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = f(a[i]);
  return a;
}
