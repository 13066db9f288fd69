/**
 * Eigen-decomposition of real symmetric matrices in float64: Householder tridiagonalisation
 * (tridiagonal.ts) followed by the implicit QL algorithm with Wilkinson-style shifts.
 *
 * Scope: dense symmetric input, all eigenvalues, eigenvectors optional. Eigenvalues are returned in
 * ascending order (as numpy.linalg.eigh); eigenvector i is ROW i of `vectors` (numpy returns columns),
 * with no sign normalisation (callers that need one, e.g. PCA, apply their own).
 */
import { tridiagonalize } from './tridiagonal.js';

export interface SymmetricEigen {
  /** Ascending eigenvalues. */
  values: Float64Array;
  /** Row-major n x n; row i is the unit eigenvector of values[i]. Only when requested. */
  vectors?: Float64Array;
}

const MAX_SWEEPS = 60;

/**
 * Eigenvalues (and optionally eigenvectors) of the symmetric n x n row-major matrix `a`.
 * Only the lower triangle is read; `a` is not modified.
 */
export function symmetricEigen(a: Float64Array, n: number, opts: { vectors?: boolean } = {}): SymmetricEigen {
  if (a.length !== n * n) throw new Error(`symmetricEigen: expected ${n * n} entries, got ${a.length}`);
  const wantVectors = opts.vectors === true;
  const work = Float64Array.from(a);
  const t = tridiagonalize(work, n, wantVectors);
  // Rotations act on columns of Q; keeping Qᵀ makes each rotation touch two contiguous rows.
  const zt = wantVectors ? transposeSquare(t.q!, n) : undefined;
  tridiagonalQL(t.d, t.e, zt, n);
  return sortAscending(t.d, zt, n);
}

/**
 * Implicit QL on the symmetric tridiagonal (d, e) with e[i] = T[i+1][i]. On return d holds the
 * eigenvalues (unsorted); if `zt` is given, its rows are rotated along so row i becomes the
 * eigenvector of d[i] (zt must start as Qᵀ of the reduction, or the identity).
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, zt: Float64Array | undefined, n: number): void {
  for (let l = 0; l < n; l++) {
    let sweeps = 0;
    for (;;) {
      // Smallest m >= l with a negligible e[m]: the block l..m is unreduced.
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) + dd === dd) break;
      }
      if (m === l) break;
      if (++sweeps > MAX_SWEEPS) throw new Error('symmetricEigen: QL iteration did not converge');
      // Shift from the leading 2x2 block (the eigenvalue of it closer to d[l]).
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) { // deflate: restart the sweep on the split block
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (zt) {
          const ri = i * n, ri1 = ri + n;
          for (let k = 0; k < n; k++) {
            const zi = zt[ri + k], zi1 = zt[ri1 + k];
            zt[ri1 + k] = s * zi + c * zi1;
            zt[ri + k] = c * zi - s * zi1;
          }
        }
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

function transposeSquare(q: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = q[i * n + j];
  return t;
}

function sortAscending(d: Float64Array, zt: Float64Array | undefined, n: number): SymmetricEigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  const values = Float64Array.from(order, (i) => d[i]);
  if (!zt) return { values };
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => vectors.set(zt.subarray(src * n, src * n + n), dst * n));
  return { values, vectors };
}
