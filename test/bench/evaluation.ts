/**
 * Benchmark: the evaluation stages' costs.
 *   fid_stats_random75_img_s / _cpu_ms_img     fid-stats (inception-random, inputSize 75, wasm) on 32 px synthetic faces
 *   fid_stats_random299_img_s / _cpu_ms_img    the same at inputSize 299 (the standard size; the real network costs the same)
 *   score_2048_gen256_real1024_s               FID + KID (100 subsets of 256) from 2048-d features: 256 generated vs 1024 reals
 *   fid_2048_gen256_real1024_s / kid_..._s     the two parts of that
 * Wall clock (img/s) and process CPU time per image (robust to a loaded machine: wall = CPU / share
 * of a core). Run: `node -e "import('./dist/test/bench/evaluation.js').then(m => m.bench()).then(console.log)"`.
 */
import { Rng } from '../../runner/linalg/random.js';
import { frechetDistance } from '../../runner/metrics/frechet.js';
import { kernelInceptionDistance } from '../../runner/metrics/kid.js';
import { featureStats } from '../../runner/metrics/stats.js';
import { datasetStage } from '../../runner/stages/dataset.js';
import { fidStatsStage } from '../../runner/stages/fid-stats.js';
import { runStage } from '../helpers/run-stage.js';

type Out = Record<string, number | string>;
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function statsRate(inputSize: number, count: number, out: Out, key: string): Promise<void> {
  const images = (await runStage(datasetStage, { source: 'synthetic', count, seed: 1, resolution: 32 })).ref;
  await runStage(fidStatsStage, { features: 'inception-random', inputSize, maxImages: 2 }, { images }); // warm-up: wasm init, kernels
  const c0 = process.cpuUsage(), t0 = performance.now();
  await runStage(fidStatsStage, { features: 'inception-random', inputSize, featureBatch: 16 }, { images });
  const s = (performance.now() - t0) / 1000, cpu = process.cpuUsage(c0);
  out[`${key}_img_s`] = r2(count / s);
  out[`${key}_cpu_ms_img`] = r2(((cpu.user + cpu.system) / 1000) / count);
}

function feats(rng: Rng, rows: number, dim: number, shift: number): Float32Array {
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < x.length; i++) x[i] = Math.max(0, rng.normal() + shift) * 0.3; // ReLU-like, as pool3 features
  return x;
}

export async function bench(): Promise<Out> {
  const out: Out = {};
  await statsRate(75, 64, out, 'fid_stats_random75');
  await statsRate(299, 8, out, 'fid_stats_random299');
  const rng = new Rng(7), d = 2048;
  const gen = feats(rng, 256, d, 0.1), real = feats(rng, 1024, d, 0);
  const gs = featureStats(gen, 256, d), rs = featureStats(real, 1024, d);
  let t = performance.now();
  const fid = frechetDistance(gs.mu, gs.sigma, rs.mu, rs.sigma).fid;
  const fidS = (performance.now() - t) / 1000;
  t = performance.now();
  const kid = kernelInceptionDistance({ data: gen, rows: 256, dim: d }, { data: real, rows: 1024, dim: d }, { numSubsets: 100, subsetSize: 1000 });
  const kidS = (performance.now() - t) / 1000;
  out.fid_2048_gen256_real1024_s = r2(fidS);
  out.kid_2048_gen256_real1024_s = r2(kidS);
  out.score_2048_gen256_real1024_s = r2(fidS + kidS);
  out.check_fid = r2(fid);
  out.check_kid = Number(kid.kid.toPrecision(4));
  return out;
}
