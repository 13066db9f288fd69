/** The float64 kernels under the metrics: products, symmetric eigen-decomposition, pivoted Cholesky. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pivotedCholesky } from '../../runner/linalg/cholesky.js';
import { gemmABt, gram, matmul } from '../../runner/linalg/dense.js';
import { symmetricEigen } from '../../runner/linalg/eigen.js';
import { Rng } from '../../runner/linalg/random.js';

const randn = (rng: Rng, len: number): Float64Array => Float64Array.from({ length: len }, () => rng.normal());

test('gemmABt / matmul / gram agree with the naive triple loop (odd sizes, triangular starts)', () => {
  const rng = new Rng(1);
  for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [9, 6, 600], [130, 131, 17]]) {
    const a = randn(rng, m * k), b = randn(rng, n * k);
    const c = gemmABt(a, b, m, n, k);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[j * k + t];
      assert.ok(Math.abs(c[i * n + j] - s) < 1e-12 * k, `${m}x${n}x${k} (${i},${j})`);
    }
    const bt = randn(rng, k * n);
    const p = matmul(a, bt, m, k, n);
    let s = 0;
    for (let t = 0; t < k; t++) s += a[(m - 1) * k + t] * bt[t * n + (n - 1)];
    assert.ok(Math.abs(p[(m - 1) * n + n - 1] - s) < 1e-12 * k);
  }
  // Lower-only with an upper-triangular A: same numbers as the full product on that triangle.
  const n = 37, k = 37;
  const u = randn(rng, n * k);
  for (let i = 0; i < n; i++) for (let t = 0; t < i; t++) u[i * k + t] = 0;
  const w = randn(rng, n * k);
  const full = gemmABt(u, w, n, n, k);
  const tri = gemmABt(u, w, n, n, k, { lowerOnly: true, aFrom: (i) => i });
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    if (j <= i) assert.ok(Math.abs(tri[i * n + j] - full[i * n + j]) < 1e-12);
    else assert.equal(tri[i * n + j], 0);
  }
  const g = gram(u, n, k);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(g[i * n + j], g[j * n + i]);
});

function checkEigen(a: Float64Array, n: number, tol: number): void {
  const { values, vectors } = symmetricEigen(a, n, { vectors: true });
  const v = vectors!;
  let scale = 0;
  for (const x of a) scale = Math.max(scale, Math.abs(x));
  for (let k = 0; k < n; k++) {
    if (k > 0) assert.ok(values[k] >= values[k - 1], 'ascending');
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * v[k * n + j];
      assert.ok(Math.abs(s - values[k] * v[k * n + i]) < tol * (1 + scale), `residual ${k},${i}`);
    }
    for (let l = 0; l <= k; l++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[k * n + i] * v[l * n + i];
      assert.ok(Math.abs(s - (k === l ? 1 : 0)) < tol, `orthonormality ${k},${l}`);
    }
  }
  const only = symmetricEigen(a, n).values;
  for (let k = 0; k < n; k++) assert.ok(Math.abs(only[k] - values[k]) < tol * (1 + scale));
}

test('symmetric eigen: random, repeated, diagonal, tridiagonal, zero and tiny cases', () => {
  const rng = new Rng(2);
  for (const n of [1, 2, 3, 10, 65]) {
    const x = randn(rng, n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = x[i * n + j] + x[j * n + i];
    checkEigen(a, n, 1e-12 * n);
  }
  const n = 12;
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  checkEigen(eye, n, 1e-14);
  checkEigen(new Float64Array(n * n), n, 1e-14);
  const diag = new Float64Array(n * n);
  for (let i = 0; i < n; i++) diag[i * n + i] = [3, -1, 3, 0, 7, 3][i % 6];
  checkEigen(diag, n, 1e-13);
  assert.deepEqual(Array.from(symmetricEigen(diag, n).values), [-1, -1, 0, 0, 3, 3, 3, 3, 3, 3, 7, 7]);
  const tri = new Float64Array(n * n); // the 1-D Laplacian: eigenvalues 2 - 2cos(kπ/(n+1))
  for (let i = 0; i < n; i++) { tri[i * n + i] = 2; if (i > 0) { tri[i * n + i - 1] = -1; tri[(i - 1) * n + i] = -1; } }
  const lam = symmetricEigen(tri, n).values;
  for (let k = 1; k <= n; k++) assert.ok(Math.abs(lam[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1)))) < 1e-14);
  // Widely different scales (graded matrix) still give small residuals.
  const graded = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) graded[i * n + j] = Math.pow(10, -(i + j) / 2) * (i === j ? 2 : 0.3);
  checkEigen(graded, n, 1e-13);
});

test('pivoted Cholesky: exact rank of a rank-deficient PSD matrix and a reconstructing factor', () => {
  const rng = new Rng(3);
  const n = 40, r = 13;
  const f = randn(rng, n * r);
  const a = gram(f, n, r);
  const ch = pivotedCholesky(a, n);
  assert.equal(ch.rank, r);
  assert.ok(ch.residual < 1e-12);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < ch.rank; k++) s += ch.lt[k * n + i] * ch.lt[k * n + j];
    assert.ok(Math.abs(s - a[ch.perm[i] * n + ch.perm[j]]) < 1e-12 * n);
  }
  // An indefinite matrix is reported through a large discarded residual.
  const ind = new Float64Array([0, 1, 1, 0]);
  assert.ok(pivotedCholesky(ind, 2).residual >= 1);
});
