/** Streaming mean/covariance against a direct two-pass computation, and the on-disk form. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../runner/errors.js';
import { Rng } from '../../runner/linalg/random.js';
import { featureStats, loadStats, saveStats, StatsAccumulator } from '../../runner/metrics/stats.js';

/** Float32 features with a large common offset (|mu| >> sigma), where one-pass formulas cancel. */
function features(seed: number, n: number, d: number, offset: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = offset + (1 + j) * 0.01 * rng.normal() + 0.5 * Math.sin(i);
  return x;
}

/** Textbook two-pass mean and (N-1)-normalised covariance in float64. */
function direct(x: Float32Array, n: number, d: number): { mu: Float64Array; sigma: Float64Array } {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mu[j] /= n;
  const sigma = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const xa = x[i * d + a] - mu[a];
      for (let b = 0; b < d; b++) sigma[a * d + b] += xa * (x[i * d + b] - mu[b]);
    }
  }
  for (let k = 0; k < d * d; k++) sigma[k] /= n - 1;
  return { mu, sigma };
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i] - b[i])); den = Math.max(den, Math.abs(b[i])); }
  return num / den;
}

test('matches the direct two-pass computation (large offset, several chunks)', () => {
  const n = 700, d = 12;
  const x = features(1, n, d, 1000);
  const ref = direct(x, n, d);
  for (const chunkRows of [1, 5, 64, 1024]) {
    const acc = new StatsAccumulator(d, { chunkRows });
    acc.add(x, n);
    const s = acc.finalize();
    assert.equal(s.n, n);
    assert.ok(maxRel(s.mu, ref.mu) < 1e-14, `chunk ${chunkRows}: mu`);
    assert.ok(maxRel(s.sigma, ref.sigma) < 1e-10, `chunk ${chunkRows}: sigma rel ${maxRel(s.sigma, ref.sigma)}`);
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) assert.equal(s.sigma[a * d + b], s.sigma[b * d + a]);
  }
});

test('result is bit-identical for any batching of the same rows', () => {
  const n = 300, d = 9;
  const x = features(2, n, d, 3);
  const whole = featureStats(x, n, d);
  for (const batch of [1, 7, 64, 299]) {
    const acc = new StatsAccumulator(d, { chunkRows: 50 });
    for (let r = 0; r < n; r += batch) {
      const rows = Math.min(batch, n - r);
      acc.add(x.subarray(r * d, (r + rows) * d), rows);
    }
    const s = acc.finalize();
    const ref = new StatsAccumulator(d, { chunkRows: 50 });
    ref.add(x, n);
    assert.deepEqual(s, ref.finalize(), `batch ${batch}`);
  }
  assert.ok(maxRel(whole.sigma, direct(x, n, d).sigma) < 1e-12);
});

test('saveStats/loadStats round-trip exactly, as little-endian float64 with dims in JSON', async () => {
  const d = 6;
  const s = featureStats(features(3, 40, d, 0), 40, d);
  const dir = mkdtempSync(join(tmpdir(), 'btf-stats-'));
  await saveStats(dir, s);
  const back = await loadStats(dir);
  assert.deepEqual(back, s);
  const index = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8'));
  assert.equal(index.dim, d);
  assert.equal(index.n, 40);
  const raw = readFileSync(join(dir, 'sigma.f64'));
  assert.equal(raw.length, d * d * 8);
  assert.equal(raw.readDoubleLE(8 * (d + 1)), s.sigma[d + 1]);
  // Corruption is a UserError naming the file, never silently wrong statistics.
  raw[3] ^= 1;
  writeFileSync(join(dir, 'sigma.f64'), raw);
  await assert.rejects(loadStats(dir), (e: unknown) => e instanceof UserError && /sigma\.f64.*sha256/.test((e as Error).message));
  writeFileSync(join(dir, 'mu.f64'), Buffer.alloc(8));
  await assert.rejects(loadStats(dir), (e: unknown) => e instanceof UserError && /mu\.f64.*bytes/.test((e as Error).message));
  await assert.rejects(loadStats(join(dir, 'missing')), (e: unknown) => e instanceof UserError && /stats\.json/.test((e as Error).message));
});

test('input checks: too few rows, non-finite values, wrong widths', () => {
  const acc = new StatsAccumulator(3);
  acc.add(new Float32Array([1, 2, 3]), 1);
  assert.throws(() => acc.finalize(), UserError);
  assert.throws(() => acc.add(new Float32Array([1, NaN, 3]), 1), /non-finite/);
  assert.throws(() => acc.add(new Float32Array(4), 1, 4), /expected 3/);
  assert.throws(() => acc.add(new Float32Array(5), 2), /need 6/);
});
