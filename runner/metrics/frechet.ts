/**
 * Fréchet distance between two Gaussians N(mu1, sigma1), N(mu2, sigma2) — the FID formula — computed
 * in float64 so that it agrees with pytorch-fid's `calculate_frechet_distance` (numpy + scipy):
 *
 *   FID = |mu1 - mu2|² + tr(sigma1) + tr(sigma2) - 2 tr(sqrtm(sigma1 · sigma2))
 *
 * Scope: the distance from statistics (means and covariances, covariances normalised by N-1 as
 * `np.cov` does; see stats.ts). Not the Inception features, not the adjusted FID.
 *
 * The only hard part is tr(sqrtm(S1 S2)). scipy forms S1 S2 (non-symmetric) and takes a Schur-based
 * matrix square root. We use instead that S1 S2 is similar to a symmetric PSD matrix: with
 * Pᵀ S1 P = L Lᵀ (pivoted Cholesky, rank r), S1 S2 = P L Lᵀ Pᵀ S2 has the same non-zero eigenvalues
 * as M = Lᵀ (Pᵀ S2 P) L (r x r, symmetric PSD), so
 *
 *   tr(sqrtm(S1 S2)) = Σ sqrt(λᵢ(M))
 *
 * because the principal square root has eigenvalues sqrt(λᵢ) and the trace is their sum. Tiny
 * negative λᵢ(M) are round-off (M is PSD in exact arithmetic); the principal root of a negative real
 * is purely imaginary, and pytorch-fid keeps only the real part, so they contribute 0 here as well.
 * docs/metrics.md gives the full argument, the error bounds and how this compares with scipy.
 */
import { pivotedCholesky } from '../linalg/cholesky.js';
import { gemmABt, trace } from '../linalg/dense.js';
import { symmetricEigen } from '../linalg/eigen.js';

export interface FrechetOptions {
  /** pytorch-fid's `eps`: added to both diagonals when the first attempt is not finite. */
  eps?: number;
  /**
   * pytorch-fid raises when |imag(diag(covmean))| exceeds 1e-3. Our analogue: raise when the
   * imaginary part of the root of the most negative eigenvalue, sqrt(-λmin), exceeds this.
   */
  imagAtol?: number;
  /** Factor of sigma1 used to symmetrise the product: 'cholesky' (default, fast) or 'eigen'. */
  route?: 'cholesky' | 'eigen';
  /** Add this to both diagonals up front (to reproduce pytorch-fid's retried value on purpose). */
  offset?: number;
}

export interface FrechetResult {
  fid: number;
  /** |mu1 - mu2|² */
  meanTerm: number;
  traceSigma1: number;
  traceSigma2: number;
  /** tr(sqrtm(sigma1 sigma2)) (real part). */
  traceSqrt: number;
  /** Diagonal offset actually applied (0, `offset`, or `eps` after a non-finite first attempt). */
  offsetApplied: number;
  /** Rank of sigma1 found by the factorisation. */
  rank: number;
  /** Most negative eigenvalue of the symmetrised product (0 if none): the round-off clamped away. */
  minEigenvalue: number;
}

/** FID from two means (length d) and two row-major d x d covariances. */
export function frechetDistance(mu1: Float64Array, sigma1: Float64Array, mu2: Float64Array, sigma2: Float64Array,
  opts: FrechetOptions = {}): FrechetResult {
  const d = mu1.length;
  if (mu2.length !== d) throw new Error(`frechetDistance: mean lengths differ (${d} vs ${mu2.length})`);
  if (sigma1.length !== d * d || sigma2.length !== d * d) {
    throw new Error(`frechetDistance: covariances must be ${d}x${d} (got ${sigma1.length} and ${sigma2.length} entries)`);
  }
  const eps = opts.eps ?? 1e-6;
  const imagAtol = opts.imagAtol ?? 1e-3;
  const route = opts.route ?? 'cholesky';
  let meanTerm = 0;
  for (let i = 0; i < d; i++) { const x = mu1[i] - mu2[i]; meanTerm += x * x; }
  const traceSigma1 = trace(sigma1, d);
  const traceSigma2 = trace(sigma2, d);

  let offsetApplied = opts.offset ?? 0;
  let ts = traceSqrtProduct(withOffset(sigma1, d, offsetApplied), withOffset(sigma2, d, offsetApplied), d, route);
  if (!Number.isFinite(ts.trace)) {
    // pytorch-fid retries with eps on the diagonals. With this route a non-finite value can only come
    // from non-finite or overflowing inputs, so the retry mostly turns into the error below.
    offsetApplied = eps;
    ts = traceSqrtProduct(withOffset(sigma1, d, eps), withOffset(sigma2, d, eps), d, route);
    if (!Number.isFinite(ts.trace)) throw new Error('frechetDistance: covariances are not finite');
  }
  // Absolute like pytorch-fid's atol, but never below the round-off of large-scale inputs.
  if (ts.psdViolation > Math.max(imagAtol * imagAtol, ts.psdTolerance)) {
    throw new Error(`frechetDistance: covariance is not positive semi-definite (discarded part ${ts.psdViolation}); ` +
      'its product has no real square root');
  }
  if (ts.minEigenvalue < 0 && Math.sqrt(-ts.minEigenvalue) > imagAtol) {
    throw new Error(`frechetDistance: imaginary component ${Math.sqrt(-ts.minEigenvalue)} ` +
      '(sigma1·sigma2 has a clearly negative eigenvalue: are both inputs covariance matrices?)');
  }
  const fid = meanTerm + traceSigma1 + traceSigma2 - 2 * ts.trace;
  return { fid, meanTerm, traceSigma1, traceSigma2, traceSqrt: ts.trace, offsetApplied, rank: ts.rank,
    minEigenvalue: ts.minEigenvalue };
}

export interface TraceSqrt {
  /** Σ sqrt(max(λᵢ, 0)) over the eigenvalues of the symmetrised product. */
  trace: number;
  rank: number;
  minEigenvalue: number;
  /**
   * How far the factored input is from PSD: the largest |entry| of the Schur complement the pivoted
   * Cholesky discarded (route 'cholesky'), or -λmin(sigma1) (route 'eigen'). Round-off size for
   * covariance matrices.
   */
  psdViolation: number;
  /** Round-off allowance for `psdViolation` (16x the factorisation's rank tolerance). */
  psdTolerance: number;
}

/** tr(sqrtm(s1 · s2)) for symmetric PSD s1, s2 (row-major n x n). */
export function traceSqrtProduct(s1: Float64Array, s2: Float64Array, n: number,
  route: 'cholesky' | 'eigen' = 'cholesky'): TraceSqrt {
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(s1[i]) || !Number.isFinite(s2[i])) return { trace: NaN, rank: 0, minEigenvalue: NaN, psdViolation: NaN, psdTolerance: NaN };
  }
  // ft (r x n, row-major) is Fᵀ for a factor F with s1 = F Fᵀ in the basis given by `perm`.
  let psdViolation: number, psdTolerance: number;
  let ft: Float64Array, r: number, perm: Int32Array | undefined, from: ((i: number) => number) | undefined;
  if (route === 'cholesky') {
    // Factor the covariance of lower rank: then M has (generically) no zero eigenvalues, whose
    // round-off would otherwise add ~sqrt(ε)·‖M‖^½ each to the trace (see docs/metrics.md).
    const c1 = pivotedCholesky(s1, n);
    const c2 = pivotedCholesky(s2, n);
    const swap = c2.rank < c1.rank;
    const ch = swap ? c2 : c1;
    psdViolation = Math.max(c1.residual, c2.residual);
    psdTolerance = 16 * Math.max(c1.tol, c2.tol);
    if (swap) s2 = s1; // eigenvalues of s1 s2 and s2 s1 coincide
    ft = ch.lt; r = ch.rank; perm = ch.perm; from = (i) => i;
  } else {
    const eg = symmetricEigen(s1, n, { vectors: true });
    const v = eg.vectors!;
    psdViolation = Math.max(0, -eg.values[0]);
    psdTolerance = 16 * n * Number.EPSILON * Math.max(0, eg.values[n - 1]);
    // Same cut as the pivoted Cholesky: eigenvalues below n·ε·λmax are round-off of a singular s1.
    const cut = n * Number.EPSILON * Math.max(0, eg.values[n - 1]);
    let keep = 0;
    for (let i = 0; i < n; i++) if (eg.values[i] > cut) keep++;
    ft = new Float64Array(keep * n);
    let row = 0;
    for (let i = n - keep; i < n; i++, row++) {
      const s = Math.sqrt(eg.values[i]);
      for (let c = 0; c < n; c++) ft[row * n + c] = s * v[i * n + c];
    }
    r = keep;
  }
  if (r === 0) return { trace: 0, rank: 0, minEigenvalue: 0, psdViolation, psdTolerance };
  const s2p = perm ? permuteSymmetric(s2, n, perm) : s2;
  // M = Fᵀ S2 F: first Wᵀ = Fᵀ S2 (rows of Fᵀ dotted with rows of the symmetric S2), then M = Fᵀ W.
  const wt = gemmABt(ft, s2p, r, n, n, from ? { aFrom: from } : {});
  const m = gemmABt(ft, wt, r, r, n, from ? { lowerOnly: true, aFrom: from } : { lowerOnly: true });
  const { values } = symmetricEigen(m, r);
  let tr = 0;
  for (let i = 0; i < r; i++) if (values[i] > 0) tr += Math.sqrt(values[i]);
  return { trace: tr, rank: r, minEigenvalue: Math.min(0, values[0]), psdViolation, psdTolerance };
}

function withOffset(s: Float64Array, n: number, offset: number): Float64Array {
  if (offset === 0) return s;
  const t = Float64Array.from(s);
  for (let i = 0; i < n; i++) t[i * n + i] += offset;
  return t;
}

/** Pᵀ S P for a permutation given as perm[i] = source index of row/column i. */
function permuteSymmetric(s: Float64Array, n: number, perm: Int32Array): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const src = perm[i] * n, dst = i * n;
    for (let j = 0; j < n; j++) t[dst + j] = s[src + perm[j]];
  }
  return t;
}
