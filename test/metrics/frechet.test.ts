/**
 * Fréchet distance against pytorch-fid's formula evaluated by numpy + scipy (fixtures from
 * test/fixtures/metrics/make_frechet_fixtures.py), plus properties and closed forms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frechetDistance, traceSqrtProduct } from '../../runner/metrics/frechet.js';
import { featureStats } from '../../runner/metrics/stats.js';
import { loadFixture, relErr, seededFeatures } from './fixtures.js';

interface Case {
  name: string; dim: number; n1: number; n2: number; features1: number[]; features2: number[];
  trace_sigma1: number; trace_sigma2: number; fro_sigma1: number; fro_sigma2: number;
  fid_scipy: number; fid_symmetric_numpy: number; fid_gram_svd: number; fid_exact: number | null;
}
interface Seeded {
  n: number; dim: number; seeds: [number, number]; shifts: [number, number]; fid_scipy: number; fid_gram_svd: number;
}
const fx = loadFixture<{ cases: Case[]; seeded: Seeded[] }>('metrics/frechet.json');

/**
 * Round-off bound for comparing two evaluations of the same FID: each of the d eigenvalues of the
 * symmetrised product carries an absolute error ~ε‖S1‖‖S2‖, and sqrt amplifies an error δ near 0 to
 * sqrt(δ); for well-separated eigenvalues the error is far smaller (docs/metrics.md).
 */
function roundoffBound(d: number, fro1: number, fro2: number): number {
  return d * Math.sqrt(Number.EPSILON * fro1 * fro2);
}

function fro(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

for (const c of fx.cases) {
  test(`FID matches scipy within 1e-6 relative: ${c.name}`, (t) => {
    const a = featureStats(Float64Array.from(c.features1), c.n1, c.dim);
    const b = featureStats(Float64Array.from(c.features2), c.n2, c.dim);
    // Statistics agree with np.cov (N-1) first, so a FID mismatch cannot hide in them.
    assert.ok(relErr(fro(a.sigma), c.fro_sigma1) < 1e-12);
    assert.ok(relErr(fro(b.sigma), c.fro_sigma2) < 1e-12);
    const r = frechetDistance(a.mu, a.sigma, b.mu, b.sigma);
    const e = relErr(r.fid, c.fid_scipy);
    t.diagnostic(`ours ${r.fid} scipy ${c.fid_scipy} rel ${e.toExponential(2)} rank ${r.rank} ` +
      `numpy-eigh rel ${relErr(c.fid_symmetric_numpy, c.fid_scipy).toExponential(2)}`);
    assert.ok(e < 1e-6, `relative error ${e}`);
    // Against the 30-digit value the symmetrised route is far closer than scipy (docs/metrics.md).
    if (c.fid_exact !== null) {
      t.diagnostic(`exact ${c.fid_exact}: ours rel ${relErr(r.fid, c.fid_exact).toExponential(2)}, ` +
        `scipy rel ${relErr(c.fid_scipy, c.fid_exact).toExponential(2)}`);
      assert.ok(relErr(r.fid, c.fid_exact) < 1e-10, `vs exact: ${r.fid} vs ${c.fid_exact}`);
    }
    // The eigen route (factor of sigma1 from its eigendecomposition) agrees with the Cholesky route.
    const re = frechetDistance(a.mu, a.sigma, b.mu, b.sigma, { route: 'eigen' });
    const bound = roundoffBound(c.dim, c.fro_sigma1, c.fro_sigma2);
    t.diagnostic(`eigen route ${re.fid} (|diff| ${Math.abs(re.fid - r.fid).toExponential(2)}, bound ${bound.toExponential(2)})`);
    assert.ok(Math.abs(re.fid - r.fid) < bound, `routes differ: ${re.fid} vs ${r.fid}`);
  });
}

test('FID(a, a) = 0 and FID(a, b) = FID(b, a)', () => {
  for (const c of fx.cases) {
    const a = featureStats(Float64Array.from(c.features1), c.n1, c.dim);
    const b = featureStats(Float64Array.from(c.features2), c.n2, c.dim);
    const self = frechetDistance(a.mu, a.sigma, a.mu, a.sigma).fid;
    assert.ok(Math.abs(self) < roundoffBound(c.dim, c.fro_sigma1, c.fro_sigma1), `${c.name}: FID(a,a) = ${self}`);
    const ab = frechetDistance(a.mu, a.sigma, b.mu, b.sigma).fid;
    const ba = frechetDistance(b.mu, b.sigma, a.mu, a.sigma).fid;
    assert.ok(Math.abs(ab - ba) < roundoffBound(c.dim, c.fro_sigma1, c.fro_sigma2), `${c.name}: ${ab} vs ${ba}`);
  }
});

test('closed form for commuting (diagonal) covariances, including zero variances', () => {
  const va = [4, 1, 0, 0.25, 9, 0], vb = [1, 1, 2, 0, 16, 0];
  const d = va.length;
  const s1 = new Float64Array(d * d), s2 = new Float64Array(d * d);
  va.forEach((v, i) => { s1[i * d + i] = v; });
  vb.forEach((v, i) => { s2[i * d + i] = v; });
  const mu1 = Float64Array.from([0, 1, 2, 3, 4, 5]), mu2 = Float64Array.from([1, 1, 2, 3, 4, 3]);
  let expected = 1 + 4;
  for (let i = 0; i < d; i++) expected += (Math.sqrt(va[i]) - Math.sqrt(vb[i])) ** 2;
  const r = frechetDistance(mu1, s1, mu2, s2);
  assert.ok(Math.abs(r.fid - expected) < 1e-12, `${r.fid} vs ${expected}`);
  assert.equal(r.rank, 4); // both have rank 4: zero variances are detected exactly
  // A degenerate set (all features equal: zero covariance) against s2: FID = |Δmu|² + tr(s2).
  const zero = new Float64Array(d * d);
  assert.equal(frechetDistance(mu1, zero, mu2, s2).fid, 5 + vb.reduce((x, y) => x + y, 0));
  assert.equal(frechetDistance(mu1, zero, mu2, zero).fid, 5);
});

test('pytorch-fid guards: clearly non-PSD input raises, non-finite input raises', () => {
  const d = 3;
  const s = new Float64Array([2, 0, 0, 0, 1, 0, 0, 0, 1]);
  const bad = new Float64Array([1, 0, 0, 0, -1, 0, 0, 0, 1]); // eigenvalue -1: a complex square root
  const mu = new Float64Array(d);
  assert.throws(() => frechetDistance(mu, bad, mu, s), /positive semi-definite|imaginary/);
  assert.throws(() => frechetDistance(mu, s, mu, bad, { route: 'eigen' }), /positive semi-definite|imaginary/);
  const nan = Float64Array.from(s); nan[4] = NaN;
  assert.throws(() => frechetDistance(mu, nan, mu, s), /not finite/);
  // The explicit offset reproduces pytorch-fid's retried value: eps added to both diagonals.
  const eps = 1e-6;
  const off = frechetDistance(mu, s, mu, s, { offset: eps });
  assert.equal(off.offsetApplied, eps);
  assert.ok(Math.abs(off.traceSqrt - (2 + eps + 1 + eps + 1 + eps)) < 1e-12);
});

test('tr sqrtm(S1 S2) is symmetric in its arguments and exact for S2 = S1', () => {
  const c = fx.cases.find((x) => x.name === 'full-rank-d24')!;
  const a = featureStats(Float64Array.from(c.features1), c.n1, c.dim);
  const b = featureStats(Float64Array.from(c.features2), c.n2, c.dim);
  const ab = traceSqrtProduct(a.sigma, b.sigma, c.dim).trace;
  const ba = traceSqrtProduct(b.sigma, a.sigma, c.dim).trace;
  assert.ok(relErr(ab, ba) < 1e-13);
  const aa = traceSqrtProduct(a.sigma, a.sigma, c.dim).trace; // sqrtm(S²) = S
  assert.ok(relErr(aa, c.trace_sigma1) < 1e-12);
});

for (const s of fx.seeded) {
  const long = s.n > 1000;
  test(`2048-d seeded features (n=${s.n}) match scipy within 1e-6 relative`, { skip: long && !process.env.BTF_LONG }, (t) => {
    const a = featureStats(seededFeatures(s.seeds[0], s.n, s.dim, s.shifts[0]), s.n, s.dim);
    const b = featureStats(seededFeatures(s.seeds[1], s.n, s.dim, s.shifts[1]), s.n, s.dim);
    const r = frechetDistance(a.mu, a.sigma, b.mu, b.sigma);
    const e = relErr(r.fid, s.fid_scipy);
    t.diagnostic(`ours ${r.fid} scipy ${s.fid_scipy} rel ${e.toExponential(2)} rank ${r.rank}`);
    assert.ok(e < 1e-6, `relative error ${e}`);
    // The Gram/SVD reference has no square roots of round-off: a much tighter agreement.
    t.diagnostic(`gram-svd ${s.fid_gram_svd}: ours rel ${relErr(r.fid, s.fid_gram_svd).toExponential(2)}`);
    assert.ok(relErr(r.fid, s.fid_gram_svd) < 1e-10);
    if (long) { // full rank: the two factorisations (of sigma1, of sigma2) agree
      const swapped = frechetDistance(b.mu, b.sigma, a.mu, a.sigma);
      assert.ok(relErr(swapped.fid, r.fid) < 1e-10);
    }
  });
}

test('FID scales as c² when the features are scaled by c (no absolute thresholds bite at large scale)', () => {
  const c = fx.cases.find((x) => x.name === 'rank-deficient-d64')!;
  const base = frechetDistance(...pair(c, 1)).fid;
  for (const scale of [1e-3, 1e4]) {
    const f = frechetDistance(...pair(c, scale)).fid;
    assert.ok(relErr(f, base * scale * scale) < 1e-10, `scale ${scale}: ${f} vs ${base * scale * scale}`);
  }
});

function pair(c: Case, scale: number): [Float64Array, Float64Array, Float64Array, Float64Array] {
  const a = featureStats(Float64Array.from(c.features1, (v) => v * scale), c.n1, c.dim);
  const b = featureStats(Float64Array.from(c.features2, (v) => v * scale), c.n2, c.dim);
  return [a.mu, a.sigma, b.mu, b.sigma];
}
