/**
 * Pivoted (rank-revealing) Cholesky factorisation of a symmetric positive semi-definite matrix,
 * Pᵀ A P ≈ L Lᵀ with L n x r lower-trapezoidal, in float64 (the algorithm of LAPACK's dpstrf,
 * unblocked, left-looking).
 *
 * Scope: PSD input such as a sample covariance, which is singular whenever there are fewer samples
 * than dimensions. At each step the largest remaining diagonal of the Schur complement is chosen; the
 * factorisation stops when it falls to `tol` or below (default n·ε·max diag A, dpstrf's default), so
 * the discarded Schur complement is round-off of the size a backward-stable algorithm commits anyway.
 */

export interface PivotedCholesky {
  /** Rank found: the number of columns of L. */
  rank: number;
  /** Lᵀ as a row-major r x n matrix (row k = column k of L; zero before entry k). */
  lt: Float64Array;
  /** perm[i] = index in A of the i-th row/column of Pᵀ A P. */
  perm: Int32Array;
  /**
   * Largest |entry| of the discarded Schur complement A₂₂ - L₂ L₂ᵀ. For a PSD input it is at most
   * `tol` (|Sᵢⱼ| <= sqrt(Sᵢᵢ Sⱼⱼ)); a clearly larger value means the input was not PSD.
   */
  residual: number;
  /** The stopping tolerance used. */
  tol: number;
}

/** Factorises the symmetric n x n row-major `a` (not modified; rows are read, so both triangles must agree). */
export function pivotedCholesky(a: Float64Array, n: number, tol?: number): PivotedCholesky {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const dg = new Float64Array(n); // diagonal of the current Schur complement, in permuted order
  let maxDiag = 0;
  for (let i = 0; i < n; i++) { dg[i] = a[i * n + i]; maxDiag = Math.max(maxDiag, dg[i]); }
  const stop = tol ?? n * Number.EPSILON * maxDiag;
  // L stored row-wise (row i of L, entries 0..k-1 valid after step k) so each new entry is a dot
  // product of two contiguous rows.
  const l = new Float64Array(n * n);
  let rank = 0;
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (dg[i] > dg[piv]) piv = i;
    if (!(dg[piv] > stop)) break; // also stops on NaN
    if (piv !== k) {
      [perm[k], perm[piv]] = [perm[piv], perm[k]];
      [dg[k], dg[piv]] = [dg[piv], dg[k]];
      const rk = k * n, rp = piv * n;
      for (let t = 0; t < k; t++) { const x = l[rk + t]; l[rk + t] = l[rp + t]; l[rp + t] = x; }
    }
    const lkk = Math.sqrt(dg[k]);
    const rk = k * n;
    l[rk + k] = lkk;
    const arow = perm[k] * n;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      let s = 0;
      for (let t = 0; t < k; t++) s += l[ri + t] * l[rk + t];
      const x = (a[arow + perm[i]] - s) / lkk;
      l[ri + k] = x;
      dg[i] -= x * x;
    }
    rank = k + 1;
  }
  let residual = 0;
  for (let i = rank; i < n; i++) {
    const ri = i * n, ai = perm[i] * n;
    for (let j = rank; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let t = 0; t < rank; t++) s += l[ri + t] * l[rj + t];
      residual = Math.max(residual, Math.abs(a[ai + perm[j]] - s));
    }
  }
  const lt = new Float64Array(rank * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const top = Math.min(i + 1, rank);
    for (let k = 0; k < top; k++) lt[k * n + i] = l[ri + k];
  }
  return { rank, lt, perm, residual, tol: stop };
}
