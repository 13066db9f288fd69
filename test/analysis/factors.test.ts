/**
 * Factor correlations: a planted face factor and a planted background factor are recovered (max
 * |r| names them, R^2 high in the right group and low in the other); hue and categorical columns
 * are expanded; R^2 equals r^2 for one regressor and is invariant to collinear duplicates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandColumns, factorCorrelations, orthonormalBasis, pearson, rSquared, type FactorTable } from '../../runner/analysis/factors.js';
import { rngFor, Stream } from '../../runner/training/rng.js';

const n = 400;
const g = rngFor(9, Stream.user, 1);
const table: FactorTable = {
  faceFactors: ['yaw', 'smile', 'skinTone', 'hairStyle'],
  backgroundFactors: ['bgType', 'bgHue', 'bgLightness'],
  rows: Array.from({ length: n }, () => [g.normal(), g.normal(), g.normal(), g.int(3), g.int(4), g.next(), g.normal()]),
  codes: { hairStyle: ['short', 'long', 'bun'], bgType: ['flat', 'stripes', 'bokeh', 'city'] },
};

test('expandColumns: one-hot categorical (first level dropped for regression), cos/sin hues', () => {
  assert.deepEqual(expandColumns(table, table.backgroundFactors, 4, n, false).map((c) => c.name), ['bgType=flat', 'bgType=stripes', 'bgType=bokeh', 'bgType=city', 'bgHue:cos', 'bgHue:sin', 'bgLightness']);
  assert.deepEqual(expandColumns(table, table.faceFactors, 0, n, true).map((c) => c.name), ['yaw', 'smile', 'skinTone', 'hairStyle=long', 'hairStyle=bun']);
});

test('planted factors are recovered', () => {
  const k = 3, coords = new Float64Array(n * k);
  const noise = rngFor(9, Stream.user, 2);
  for (let r = 0; r < n; r++) {
    coords[r * k] = 2 * table.rows[r]![1]! + 0.2 * noise.normal();            // smile
    coords[r * k + 1] = -table.rows[r]![6]! + 0.2 * noise.normal();           // bgLightness
    coords[r * k + 2] = noise.normal();                                        // nothing
  }
  const [c0, c1, c2] = factorCorrelations(coords, n, k, table);
  assert.equal(c0!.face.factor, 'smile');
  assert.ok(c0!.face.maxAbsR > 0.98 && c0!.face.r2 > 0.97, JSON.stringify(c0));
  assert.ok(c0!.background.r2 < 0.05 && c0!.background.maxAbsR < 0.2, JSON.stringify(c0!.background));
  assert.equal(c1!.background.factor, 'bgLightness');
  assert.ok(c1!.background.maxAbsR > 0.95 && c1!.background.r2 > 0.95 && c1!.face.r2 < 0.05);
  assert.ok(c2!.face.r2 < 0.05 && c2!.background.r2 < 0.05);
  assert.ok(c2!.face.adjR2 < c2!.face.r2);
});

test('R^2 = r^2 for a single regressor; collinear duplicates are dropped', () => {
  const a = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i));
  const y = Float64Array.from({ length: 50 }, (_, i) => Math.sin(i) * 2 + Math.cos(3 * i));
  const r = pearson(a, y);
  assert.ok(Math.abs(rSquared(y, orthonormalBasis([a])) - r * r) < 1e-12);
  const dup = orthonormalBasis([a, Float64Array.from(a, (v) => 3 * v + 1)]);
  assert.equal(dup.length, 1);
});
