/**
 * Benchmark: the float64 evaluation maths.
 *   fid_2048_full_rank_s        frechetDistance on two full-rank 2048x2048 covariances (statistics given)
 *   fid_2048_n1000_s            frechetDistance on covariances of 1000 samples each (rank 999)
 *   stats_1000x2048_s           StatsAccumulator over 1000 rows of 2048 features
 *   kid_2x1000x2048_s           KID, 100 subsets of 1000 from 1000 x 2048 features per side
 *   pca_10000x512_s             fitPca on 10,000 samples of 512 dims (covariance + full eigen-decomposition)
 *   eigh_values_2048_s          symmetric eigenvalues only, n = 2048 (the tridiagonalisation dominates)
 * Wall-clock seconds, one run each; on a shared machine timings are noisy. Run directly with
 * `node -e "import('./dist/test/bench/metrics.js').then(m => m.bench()).then(console.log)"`.
 */
import { fitPca } from '../../runner/analysis/pca.js';
import { gram } from '../../runner/linalg/dense.js';
import { symmetricEigen } from '../../runner/linalg/eigen.js';
import { Rng } from '../../runner/linalg/random.js';
import { frechetDistance } from '../../runner/metrics/frechet.js';
import { kernelInceptionDistance } from '../../runner/metrics/kid.js';
import { featureStats } from '../../runner/metrics/stats.js';

type Out = Record<string, number | string>;
const round = (x: number): number => Math.round(x * 100) / 100;

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

/** Random symmetric PSD n x n with a decaying spectrum: G Gᵀ / n for a scaled Gaussian G. */
function covariance(rng: Rng, n: number): Float64Array {
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i * n + j] = rng.normal() / Math.sqrt(n * (1 + j / 64));
  return gram(g, n, n);
}

function features(rng: Rng, rows: number, dim: number, shift: number): Float32Array {
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < x.length; i++) x[i] = Math.abs(rng.normal() + shift) * 0.5;
  return x;
}

export async function bench(): Promise<Out> {
  const out: Out = {};
  const rng = new Rng(42);
  const d = 2048;
  const s1 = covariance(rng, d), s2 = covariance(rng, d);
  const mu1 = new Float64Array(d), mu2 = new Float64Array(d).fill(0.01);
  out['fid_2048_full_rank_s'] = round(time(() => frechetDistance(mu1, s1, mu2, s2))[1]);
  out['eigh_values_2048_s'] = round(time(() => symmetricEigen(s1, d))[1]);

  const xa = features(rng, 1000, d, 0), xb = features(rng, 1000, d, 0.2);
  const [a, tStats] = time(() => featureStats(xa, 1000, d));
  out['stats_1000x2048_s'] = round(tStats);
  const b = featureStats(xb, 1000, d);
  out['fid_2048_n1000_s'] = round(time(() => frechetDistance(a.mu, a.sigma, b.mu, b.sigma))[1]);

  out['kid_2x1000x2048_s'] = round(time(() => kernelInceptionDistance(
    { data: xa, rows: 1000, dim: d }, { data: xb, rows: 1000, dim: d }, { numSubsets: 100, subsetSize: 1000, seed: 0 }))[1]);

  const p = new Float32Array(10000 * 512);
  for (let i = 0; i < 10000; i++) for (let j = 0; j < 512; j++) p[i * 512 + j] = rng.normal() * (1 + 10 / (1 + j));
  out['pca_10000x512_s'] = round(time(() => fitPca(p, 10000, 512, { k: 512 }))[1]);
  out['note'] = 'wall-clock seconds, single thread, on a shared 2-core machine under load';
  return out;
}
