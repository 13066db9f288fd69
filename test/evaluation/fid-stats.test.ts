/**
 * fid-stats with the cheap extractor: deterministic bytes (same inputs -> same output hash, any
 * featureBatch), FID of a dataset against its own statistics ~ 0, noise vs faces far above faces
 * vs faces, KID near 0 for one distribution, and the summary/file layout the fid stage relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadFeatures } from '../../runner/evaluation/features.js';
import { frechetDistance } from '../../runner/metrics/frechet.js';
import { kernelInceptionDistance } from '../../runner/metrics/kid.js';
import { loadStats } from '../../runner/metrics/stats.js';
import { fidStatsStage } from '../../runner/stages/fid-stats.js';
import { Interrupted, UserError } from '../../runner/errors.js';
import { runStage } from '../helpers/run-stage.js';
import { CHEAP, faces, noise, realStats } from './helpers.js';

const A = await faces(32, 1);
const B = await faces(32, 2);
const N = noise(32, 5);

const sA = await realStats(A);
const sA2 = await realStats(A, { featureBatch: 5 });
const sB = await realStats(B);
const sN = await realStats(N);

async function fidOf(x: typeof sA, y: typeof sA): Promise<number> {
  const [a, b] = await Promise.all([loadStats(x.dir), loadStats(y.dir)]);
  return frechetDistance(a.mu, a.sigma, b.mu, b.sigma).fid;
}

test('same inputs and params give the same artifact hash, whatever the feature batch', () => {
  assert.equal(sA.hash, sA2.hash);
  assert.notEqual(sA.hash, sB.hash);
  for (const f of ['stats.json', 'mu.f64', 'sigma.f64', 'features.json', 'features.f32', 'reals-grid.png']) assert.ok(existsSync(join(sA.dir, f)), f);
  const s = sA.summary as Record<string, unknown>;
  assert.deepEqual({ n: s.n, dim: s.dim, comparable: s.comparable, level: s.level, alpha: s.alpha }, { n: 32, dim: 2048, comparable: false, level: 32, alpha: 1 });
  assert.deepEqual(s.extractor, { network: 'inception-random', inputSize: 75, dim: 2048, seed: 3 });
  assert.equal(loadFeatures(sA.dir).rows, 32);
});

test('FID of a dataset against its own statistics is ~0; noise vs faces is far above faces vs faces', async () => {
  const self = await fidOf(sA, sA2);
  const facesFaces = await fidOf(sA, sB);
  const noiseFaces = await fidOf(sN, sB);
  assert.ok(Math.abs(self) < 1e-6 * facesFaces, `self ${self} vs faces-faces ${facesFaces}`);
  assert.ok(facesFaces > 0);
  assert.ok(noiseFaces > 3 * facesFaces, `noise-faces ${noiseFaces} vs faces-faces ${facesFaces}`);
});

test('KID is near 0 for the same distribution and clearly positive for noise vs faces', () => {
  const a = loadFeatures(sA.dir), b = loadFeatures(sB.dir), n = loadFeatures(sN.dir);
  const same = kernelInceptionDistance(a, b, { numSubsets: 50, subsetSize: 24, seed: 1 });
  const diff = kernelInceptionDistance(n, b, { numSubsets: 50, subsetSize: 24, seed: 1 });
  // Unbiased: the same-distribution estimate scatters around 0 (within its subset spread), while
  // noise vs faces stands well clear of it.
  assert.ok(Math.abs(same.kid) < 2 * same.std, `same ${same.kid} ± ${same.std}`);
  assert.ok(Math.abs(same.kid) < 0.5 * diff.kid, `same ${same.kid}, noise ${diff.kid}`);
  assert.ok(diff.kid > 2 * diff.std, `noise KID ${diff.kid} ± ${diff.std}`);
});

test('a lower level with fade gives different statistics and records level/alpha', async () => {
  const low = await realStats(A, { level: 16, alpha: 0.5 });
  assert.deepEqual([low.summary.level, low.summary.alpha], [16, 0.5]);
  assert.notEqual(low.hash, sA.hash);
});

test('param errors are UserErrors naming the param', async () => {
  await assert.rejects(runStage(fidStatsStage, { ...CHEAP, level: 24 }, { images: A }), (e: unknown) => e instanceof UserError && /params\.level/.test(e.message));
  await assert.rejects(runStage(fidStatsStage, { features: 'inception', inputSize: 75 }, { images: A }), (e: unknown) => e instanceof UserError && /params\.inputSize: 75 is only allowed with features: inception-random/.test(e.message));
  await assert.rejects(runStage(fidStatsStage, { features: 'inception', weights: '/nonexistent/pt_inception.pth' }, { images: A }),
    (e: unknown) => e instanceof UserError && /stage fid-stats: params\.features: weights file \/nonexistent\/pt_inception\.pth does not exist/.test(e.message));
  await assert.rejects(runStage(fidStatsStage, { ...CHEAP }, {}), (e: unknown) => e instanceof UserError && /input "images"/.test(e.message));
});

test('an aborted run stops with Interrupted', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runStage(fidStatsStage, { ...CHEAP }, { images: A }, { signal: ac.signal }), Interrupted);
});
