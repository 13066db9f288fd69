/**
 * runner/report/stats.ts against scipy: regularised incomplete beta (scipy.special.betainc), the t
 * CDF and two-sided tail, the t quantile, Welch's t / df / p (scipy.stats.ttest_ind equal_var=False)
 * and the 95% t-interval (scipy.stats.t.interval). Values come from
 * test/report/fixtures/make_stats_fixture.py, run once and committed as stats-scipy.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, incompleteBeta, studentTCdf, studentTQuantile, twoSidedP, welchTTest } from '../../runner/report/stats.js';

interface Fixture {
  betainc: Array<{ x: number; a: number; b: number; value: number }>;
  tcdf: Array<{ t: number; df: number; cdf: number; sf2: number }>;
  tppf: Array<{ p: number; df: number; q: number }>;
  welch: Array<{ x: number[]; y: number[]; t: number; p: number; df: number; meanX: number; sdX: number; ciX: [number, number] }>;
}
const fx = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/report/fixtures/stats-scipy.json', import.meta.url)), 'utf8')) as Fixture;

function close(actual: number, expected: number, rel: number, what: string): void {
  const tol = rel * Math.max(Math.abs(expected), 1e-300);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs scipy ${expected} (rel tol ${rel})`);
}

test('incomplete beta matches scipy.special.betainc, including tiny tails', () => {
  for (const c of fx.betainc) close(incompleteBeta(c.x, c.a, c.b), c.value, 1e-12, `I_${c.x}(${c.a}, ${c.b})`);
  assert.equal(incompleteBeta(0, 2, 3), 0);
  assert.equal(incompleteBeta(1, 2, 3), 1);
  assert.throws(() => incompleteBeta(1.5, 1, 1));
});

test('t CDF and two-sided tail match scipy.stats.t (integer and fractional df)', () => {
  for (const c of fx.tcdf) {
    close(studentTCdf(c.t, c.df), c.cdf, 1e-11, `cdf(${c.t}, ${c.df})`);
    close(twoSidedP(c.t, c.df), c.sf2, 1e-11, `2*sf(${c.t}, ${c.df})`);
  }
  // df = 1 is the Cauchy distribution: closed form.
  close(studentTCdf(2, 1), 0.5 + Math.atan(2) / Math.PI, 1e-14, 'cauchy');
});

test('t quantile matches scipy.stats.t.ppf', () => {
  for (const c of fx.tppf) close(studentTQuantile(c.p, c.df), c.q, 1e-10, `ppf(${c.p}, ${c.df})`);
  assert.equal(studentTQuantile(0.5, 3), 0);
});

test('Welch t, df, p and the 95% CI match scipy', () => {
  for (const c of fx.welch) {
    const r = welchTTest(c.x, c.y);
    assert.ok(r.possible);
    if (!r.possible) continue;
    close(r.t, c.t, 1e-10, 'welch t');
    close(r.df, c.df, 1e-10, 'welch df');
    close(r.p, c.p, 1e-9, 'welch p');
    const d = describe(c.x);
    close(d.mean, c.meanX, 1e-12, 'mean');
    close(d.sd!, c.sdX, 1e-10, 'sd');
    close(d.ci95![0], c.ciX[0], 1e-10, 'ci lo');
    close(d.ci95![1], c.ciX[1], 1e-10, 'ci hi');
  }
});

test('one seed: no CI and no test, with the reason', () => {
  const d = describe([12.5]);
  assert.equal(d.sd, null);
  assert.equal(d.ci95, null);
  const r = welchTTest([12.5], [10, 11]);
  assert.equal(r.possible, false);
  if (!r.possible) assert.match(r.reason, /at least 2 seeds/);
  const z = welchTTest([3, 3], [3, 3]);
  assert.equal(z.possible, false);
});
