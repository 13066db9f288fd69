/**
 * Dense float64 matrix kernels on row-major `Float64Array`s (no tfjs: evaluation maths needs float64).
 *
 * Scope: the few products the metrics and PCA need, written so the inner loops walk contiguous memory
 * (every product is expressed as "rows of A dotted with rows of B", i.e. A·Bᵀ), blocked over the
 * shared dimension so the working set stays in cache. Not a general BLAS: no strides, no transposes
 * other than the explicit `transpose`.
 */

/** Shared-dimension block: 8 rows of 512 doubles (32 KiB) fit in L1 beside the accumulators. */
const KC = 512;
/** Rows of B per panel, so a panel (JC x KC doubles = 512 KiB) stays in L2 across the rows of A. */
const JC = 128;

/** Row-major `rows x cols` transpose. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const ri = i * cols;
    for (let j = 0; j < cols; j++) t[j * rows + i] = a[ri + j];
  }
  return t;
}

/** Trace of a row-major n x n matrix. */
export function trace(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i];
  return s;
}

/** Row-major n x n identity. */
export function identity(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  return a;
}

/** Copies the lower triangle onto the upper one (kernels that fill one triangle call this). */
export function mirrorLower(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
}

export interface AbtOptions {
  /** Only compute C[i][j] for j <= i (the product is known to be symmetric); the rest is left 0. */
  lowerOnly?: boolean;
  /**
   * Row i of A is zero before column `aFrom(i)` (and row j of B before `bFrom(j)`), as for triangular
   * factors: dot products start at the later of the two. Both must be non-decreasing in the row index.
   */
  aFrom?: (i: number) => number;
  bFrom?: (j: number) => number;
}

/**
 * C = A · Bᵀ with A m x k and B n x k (both row-major), C m x n. Every entry is a dot product of
 * two contiguous rows, accumulated in 2x4 register tiles (about 4 GFLOP/s in V8 on one core).
 */
export function gemmABt(a: Float64Array, b: Float64Array, m: number, n: number, k: number,
  opts: AbtOptions = {}): Float64Array {
  const c = new Float64Array(m * n);
  const lower = opts.lowerOnly === true;
  const aFrom = opts.aFrom ?? (() => 0);
  const bFrom = opts.bFrom ?? (() => 0);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const k1 = Math.min(k, k0 + KC);
    for (let j0 = 0; j0 < n; j0 += JC) {
      const j1 = Math.min(n, j0 + JC);
      for (let i = 0; i < m; i += 2) {
        if (i + 1 === m) { // odd last row: scalar dots
          const jEnd = lower ? Math.min(j1, i + 1) : j1;
          for (let j = j0; j < jEnd; j++) c[i * n + j] += dotFrom(a, i * k, b, j * k, Math.max(k0, aFrom(i), bFrom(j)), k1);
          continue;
        }
        const ia = i * k, ia2 = ia + k;
        // Row i needs j <= i, row i + 1 needs j <= i + 1: tile up to i (exclusive end i + 1), then the
        // lone entry (i + 1, i + 1) below.
        const jEnd = lower ? Math.min(j1, i + 1) : j1;
        const fa = Math.min(aFrom(i), aFrom(i + 1));
        let j = j0;
        for (; j + 3 < jEnd; j += 4) {
          const jb = j * k, jb2 = jb + k, jb3 = jb2 + k, jb4 = jb3 + k;
          const t0 = Math.max(k0, fa, Math.min(bFrom(j), bFrom(j + 3)));
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          for (let t = t0; t < k1; t++) {
            const a0 = a[ia + t], a1 = a[ia2 + t];
            const b0 = b[jb + t], b1 = b[jb2 + t], b2 = b[jb3 + t], b3 = b[jb4 + t];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          }
          let o = i * n + j;
          c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03;
          o += n;
          c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
        }
        for (; j < jEnd; j++) {
          const t0 = Math.max(k0, bFrom(j));
          c[i * n + j] += dotFrom(a, ia, b, j * k, Math.max(t0, aFrom(i)), k1);
          c[(i + 1) * n + j] += dotFrom(a, ia2, b, j * k, Math.max(t0, aFrom(i + 1)), k1);
        }
        if (lower && i + 1 < j1 && i + 1 >= j0) {
          c[(i + 1) * n + i + 1] += dotFrom(a, ia2, b, (i + 1) * k, Math.max(k0, aFrom(i + 1), bFrom(i + 1)), k1);
        }
      }
    }
  }
  return c;
}

/** Σ a[ao + t] b[bo + t] for t in [t0, t1). */
function dotFrom(a: Float64Array, ao: number, b: Float64Array, bo: number, t0: number, t1: number): number {
  let s = 0;
  for (let t = t0; t < t1; t++) s += a[ao + t] * b[bo + t];
  return s;
}

/** C = A · B with A m x k, B k x n (row-major): transposes B once and uses `gemmABt`. */
export function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  return gemmABt(a, transpose(b, k, n), m, n, k);
}

/** Symmetric Gram matrix G = A · Aᵀ (A m x k): computes the lower triangle and mirrors it. */
export function gram(a: Float64Array, m: number, k: number): Float64Array {
  const g = gemmABt(a, a, m, m, k, { lowerOnly: true });
  mirrorLower(g, m);
  return g;
}
