/**
 * Householder reduction of a real symmetric matrix to tridiagonal form, T = Qᵀ A Q, in float64.
 *
 * Scope: the reduction and (optionally) the accumulation of Q; the eigenvalues of T are found by
 * `symmetricEigen` (eigen.ts). Only the lower triangle of A is read and updated. Each step's
 * rank-2 update of the trailing block is fused with the next step's symmetric matrix-vector product,
 * so the trailing block is streamed from memory once per step, row by contiguous row (the step
 * costs ~(n-k)² loads instead of ~2(n-k)², which dominates at n = 2048).
 */

export interface Tridiagonal {
  /** Diagonal of T (length n). */
  d: Float64Array;
  /** Sub-diagonal: e[i] = T[i+1][i] for i < n-1; e[n-1] = 0. */
  e: Float64Array;
  /** Q (row-major n x n) with A = Q T Qᵀ, only when requested. */
  q?: Float64Array;
}

/**
 * Reduces the symmetric n x n row-major matrix `a` (destroyed: its strict lower triangle ends up
 * holding the Householder vectors) to tridiagonal form.
 */
export function tridiagonalize(a: Float64Array, n: number, wantQ = false): Tridiagonal {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = new Float64Array(n);
  let v = new Float64Array(n);
  let p = new Float64Array(n);
  let vNext = new Float64Array(n);
  let pNext = new Float64Array(n);
  const w = new Float64Array(n);
  let beta = -1; // < 0: the reflector for column k has not been computed by the previous fused pass

  for (let k = 0; k < n - 2; k++) {
    d[k] = a[k * n + k];
    if (beta < 0) {
      const h = house(a, n, k, v);
      e[k] = h.alpha;
      beta = h.beta;
      if (beta !== 0) symv(a, n, k + 1, v, p, beta);
    } else {
      e[k] = a[(k + 1) * n + k]; // set below when the previous step computed this reflector
    }
    if (beta === 0) { betas[k] = 0; beta = -1; continue; }
    // w = p - (β/2)(p·v) v
    let pv = 0;
    for (let j = k + 1; j < n; j++) pv += p[j] * v[j];
    const kk = 0.5 * beta * pv;
    for (let j = k + 1; j < n; j++) w[j] = p[j] - kk * v[j];
    // Column k+1 of the trailing block first, so the next reflector can be formed before the fused pass.
    const c1 = k + 1;
    for (let j = c1; j < n; j++) a[j * n + c1] -= v[j] * w[c1] + w[j] * v[c1];
    let betaNext = 0;
    if (k + 1 < n - 2) {
      const h = house(a, n, k + 1, vNext);
      betaNext = h.beta;
      a[(k + 2) * n + (k + 1)] = h.alpha; // read back as e[k+1] next iteration (column k+1 is then free)
      pNext.fill(0, k + 2);
    }
    // Fused pass: rank-2 update of rows k+2.. (columns k+2..j) and the next symmetric mat-vec.
    for (let j = k + 2; j < n; j++) {
      const rj = j * n;
      const vj = v[j], wj = w[j];
      if (betaNext !== 0) {
        const vn = vNext[j];
        let acc = 0;
        for (let c = k + 2; c < j; c++) {
          const x = a[rj + c] - (vj * w[c] + wj * v[c]);
          a[rj + c] = x;
          acc += x * vNext[c];
          pNext[c] += x * vn;
        }
        const dj = a[rj + j] - 2 * vj * wj;
        a[rj + j] = dj;
        pNext[j] += acc + dj * vn;
      } else {
        for (let c = k + 2; c <= j; c++) a[rj + c] -= vj * w[c] + wj * v[c];
      }
    }
    // Keep this step's reflector in column k (no longer read) for Q.
    for (let j = k + 1; j < n; j++) a[j * n + k] = v[j];
    betas[k] = beta;
    if (k + 1 < n - 2) {
      if (betaNext !== 0) for (let j = k + 2; j < n; j++) pNext[j] *= betaNext;
      [v, vNext] = [vNext, v];
      [p, pNext] = [pNext, p];
      beta = betaNext; // 0 means "column k+1 needs no reflection", handled at the top of the loop
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + (n - 2)];
    e[n - 2] = a[(n - 1) * n + (n - 2)];
  }
  if (n >= 1) d[n - 1] = a[(n - 1) * n + (n - 1)];
  const out: Tridiagonal = { d, e };
  if (wantQ) out.q = accumulateQ(a, n, betas);
  return out;
}

/**
 * Reflector H = I - β v vᵀ mapping column k's sub-diagonal part x = A[k+1.., k] to α e₁.
 * α = -sign(x₀)‖x‖ so that v₀ = x₀ - α never cancels. β = 0 when x is already α e₁.
 */
function house(a: Float64Array, n: number, k: number, v: Float64Array): { alpha: number; beta: number } {
  const x0 = a[(k + 1) * n + k];
  // Scale to avoid overflow/underflow in the sum of squares.
  let scale = 0;
  for (let j = k + 1; j < n; j++) scale = Math.max(scale, Math.abs(a[j * n + k]));
  let tail = 0;
  if (scale > 0) for (let j = k + 2; j < n; j++) { const t = a[j * n + k] / scale; tail += t * t; }
  if (tail === 0) { v.fill(0); return { alpha: x0, beta: 0 }; }
  const xs = x0 / scale;
  const norm = scale * Math.sqrt(xs * xs + tail);
  const alpha = x0 >= 0 ? -norm : norm;
  v.fill(0, 0, k + 1);
  v[k + 1] = x0 - alpha;
  let vv = v[k + 1] * v[k + 1];
  for (let j = k + 2; j < n; j++) { v[j] = a[j * n + k]; vv += v[j] * v[j]; }
  return { alpha, beta: 2 / vv };
}

/** p = β A' v for the trailing block A' = A[from.., from..], reading only its lower triangle. */
function symv(a: Float64Array, n: number, from: number, v: Float64Array, p: Float64Array, beta: number): void {
  p.fill(0, from);
  for (let j = from; j < n; j++) {
    const rj = j * n, vj = v[j];
    let acc = 0;
    for (let c = from; c < j; c++) { acc += a[rj + c] * v[c]; p[c] += a[rj + c] * vj; }
    p[j] += acc + a[rj + j] * vj;
  }
  for (let j = from; j < n; j++) p[j] *= beta;
}

/** Q = H₀ H₁ … H_{n-3}, accumulated backwards so each reflector only touches its trailing block. */
function accumulateQ(a: Float64Array, n: number, betas: Float64Array): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const u = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k];
    if (beta === 0) continue;
    const c0 = k + 1;
    u.fill(0, c0);
    for (let j = c0; j < n; j++) {
      const vj = a[j * n + k];
      if (vj === 0) continue;
      const rj = j * n;
      for (let c = c0; c < n; c++) u[c] += vj * q[rj + c];
    }
    for (let j = c0; j < n; j++) {
      const s = beta * a[j * n + k];
      if (s === 0) continue;
      const rj = j * n;
      for (let c = c0; c < n; c++) q[rj + c] -= s * u[c];
    }
  }
  return q;
}
