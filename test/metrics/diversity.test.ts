import test from 'node:test';
import assert from 'node:assert/strict';
import { diversity, meanPairwiseDistance } from '../../runner/metrics/diversity.js';
import { Rng } from '../../runner/linalg/random.js';

function randomFeatures(rows: number, dim: number, seed: number, scale = 1): { data: Float32Array; rows: number; dim: number } {
  const r = new Rng(seed);
  return { data: Float32Array.from({ length: rows * dim }, () => r.normal() * scale), rows, dim };
}

function bruteForce(f: { data: Float32Array; rows: number; dim: number }): number {
  let s = 0, n = 0;
  for (let i = 0; i < f.rows; i++) {
    for (let j = i + 1; j < f.rows; j++) {
      let d = 0;
      for (let c = 0; c < f.dim; c++) d += (f.data[i * f.dim + c]! - f.data[j * f.dim + c]!) ** 2;
      s += Math.sqrt(d); n++;
    }
  }
  return s / n;
}

test('mean pairwise distance: the 3-4-5 triangle gives (3 + 4 + 5) / 3', () => {
  const f = { data: Float32Array.from([0, 0, 3, 4, 0, 4]), rows: 3, dim: 2 };
  assert.ok(Math.abs(meanPairwiseDistance(f).mean - 4) < 1e-12);
});

test('mean pairwise distance equals the brute-force double loop', () => {
  const f = randomFeatures(60, 9, 3);
  assert.ok(Math.abs(meanPairwiseDistance(f).mean - bruteForce(f)) < 1e-9);
});

test('a collapsed generator scores 0; samples equal to the reals score ratio 1; doubled spread scores 2', () => {
  const real = randomFeatures(40, 8, 1);
  const row = real.data.slice(0, 8);
  const collapsed = { data: Float32Array.from({ length: 40 * 8 }, (_, i) => row[i % 8]!), rows: 40, dim: 8 };
  assert.equal(diversity(collapsed, real).ratio, 0);
  assert.ok(Math.abs(diversity(real, real).ratio - 1) < 1e-12);
  const doubled = { ...real, data: real.data.map((v) => v * 2) };
  assert.ok(Math.abs(diversity(doubled, real).ratio - 2) < 1e-9);
});

test('maxRows draws a seeded subset: deterministic, near the full mean, and different seeds differ', () => {
  const f = randomFeatures(400, 6, 5);
  const a = meanPairwiseDistance(f, { maxRows: 100, seed: 1 });
  const b = meanPairwiseDistance(f, { maxRows: 100, seed: 1 });
  const c = meanPairwiseDistance(f, { maxRows: 100, seed: 2 });
  assert.equal(a.rows, 100);
  assert.equal(a.mean, b.mean);
  assert.notEqual(a.mean, c.mean);
  const full = meanPairwiseDistance(f, { maxRows: 400 }).mean;
  assert.ok(Math.abs(a.mean - full) / full < 0.05, `${a.mean} vs ${full}`);
});

test('bad inputs are errors', () => {
  assert.throws(() => meanPairwiseDistance({ data: new Float32Array(4), rows: 1, dim: 4 }), /at least 2 rows/);
  assert.throws(() => diversity(randomFeatures(4, 3, 1), randomFeatures(4, 2, 1)), /dims differ/);
});
