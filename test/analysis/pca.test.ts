/** PCA maths against numpy's SVD (test/fixtures/pca/make_pca_fixtures.py) and its own invariants. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitPca, project, unproject } from '../../runner/analysis/pca.js';
import { UserError } from '../../runner/errors.js';
import { loadFixture, relErr } from '../metrics/fixtures.js';

interface Case {
  name: string; n: number; dim: number; k: number; x: number[]; mean: number[]; components: number[];
  eigenvalues: number[]; explained_variance_ratio: number[]; total_variance: number; projections_first3: number[];
}
const fx = loadFixture<{ cases: Case[] }>('pca/pca.json');

for (const c of fx.cases) {
  test(`matches numpy SVD: ${c.name}`, () => {
    const m = fitPca(Float64Array.from(c.x), c.n, c.dim, { k: c.k });
    const d = c.dim;
    assert.equal(m.k, c.k);
    c.mean.forEach((v, j) => assert.ok(Math.abs(m.mean[j] - v) < 1e-12 * (1 + Math.abs(v))));
    assert.ok(relErr(m.totalVariance, c.total_variance) < 1e-12);
    const signs: number[] = [];
    for (let i = 0; i < c.k; i++) {
      assert.ok(relErr(m.eigenvalues[i], c.eigenvalues[i]) < 1e-8, `eigenvalue ${i}: ${m.eigenvalues[i]} vs ${c.eigenvalues[i]}`);
      assert.ok(relErr(m.explainedVarianceRatio[i], c.explained_variance_ratio[i]) < 1e-8);
      // Components agree up to sign.
      let dot = 0;
      for (let j = 0; j < d; j++) dot += m.components[i * d + j] * c.components[i * d + j];
      const s = Math.sign(dot);
      signs.push(s);
      for (let j = 0; j < d; j++) {
        assert.ok(Math.abs(m.components[i * d + j] - s * c.components[i * d + j]) < 1e-8, `component ${i}[${j}]`);
      }
      // Our sign rule: the entry of largest magnitude is positive.
      let best = 0;
      for (let j = 1; j < d; j++) if (Math.abs(m.components[i * d + j]) > Math.abs(m.components[i * d + best])) best = j;
      assert.ok(m.components[i * d + best] > 0);
    }
    const z = project(m, Float64Array.from(c.x.slice(0, 3 * d)), 3);
    for (let r = 0; r < 3; r++) for (let i = 0; i < c.k; i++) {
      const want = signs[i] * c.projections_first3[r * c.k + i];
      assert.ok(Math.abs(z[r * c.k + i] - want) < 1e-8 * (1 + Math.abs(want)), `projection ${r},${i}`);
    }
  });
}

test('components are orthonormal and eigenvalues descend', () => {
  for (const c of fx.cases) {
    const m = fitPca(Float64Array.from(c.x), c.n, c.dim, { k: c.k });
    const d = c.dim;
    for (let a = 0; a < c.k; a++) {
      if (a > 0) assert.ok(m.eigenvalues[a] <= m.eigenvalues[a - 1]);
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += m.components[a * d + j] * m.components[b * d + j];
        assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-12, `<${a},${b}> = ${s}`);
      }
    }
  }
});

test('project/unproject: exact round trip with all components, orthogonal residual with fewer', () => {
  const c = fx.cases[0];
  const x = Float64Array.from(c.x);
  const d = c.dim, rows = 10;
  const full = fitPca(x, c.n, d);
  const back = unproject(full, project(full, x, rows), rows);
  for (let i = 0; i < rows * d; i++) assert.ok(Math.abs(back[i] - x[i]) < 1e-10);
  const part = fitPca(x, c.n, d, { k: 3 });
  const rec = unproject(part, project(part, x, rows), rows);
  for (let r = 0; r < rows; r++) for (let i = 0; i < 3; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (x[r * d + j] - rec[r * d + j]) * part.components[i * d + j];
    assert.ok(Math.abs(s) < 1e-10);
  }
  assert.ok(Math.abs(full.explainedVarianceRatio.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('k outside [1, dim] is a UserError', () => {
  const c = fx.cases[0];
  assert.throws(() => fitPca(Float64Array.from(c.x), c.n, c.dim, { k: 0 }), UserError);
  assert.throws(() => fitPca(Float64Array.from(c.x), c.n, c.dim, { k: c.dim + 1 }), UserError);
});
