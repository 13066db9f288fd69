/**
 * The pca stage on a linear-Gaussian "VAE" with known covariance (test/analysis/helpers.ts):
 * eigenvalues descending and close to the planted variances, components orthonormal and along the
 * planted axes, explained ratios summing to <= 1, the fresh set's sd close to sqrt(eigenvalue),
 * the float64 files round-trip, samples.png and spectrum.svg written; input errors are UserErrors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcaStage } from '../../runner/stages/pca.js';
import { readPcaArtifact } from '../../runner/analysis/pca-artifact.js';
import { decodeRaw } from '../../runner/imaging/png.js';
import { UserError } from '../../runner/errors.js';
import { runStage } from '../helpers/run-stage.js';
import { linearVae, noiseData } from './helpers.js';

const sigmas = [0.5, 3, 1, 2, 0.25];
const model = await linearVae(sigmas);
const data = noiseData(3000);
const { ref } = await runStage(pcaStage, { samples: 2400, freshSamples: 600, components: 5, latents: 'sample', grid: 6, zoom: 1, batch: 256 }, { model, data });
const { file, pca } = readPcaArtifact(ref.dir, 'test');

test('spectrum: descending, close to the planted variances, ratios sum to <= 1', () => {
  assert.equal(file.n, 2400);
  assert.equal(file.k, 5);
  const planted = [...sigmas].map((s) => s * s).sort((a, b) => b - a);
  for (let i = 0; i < 5; i++) {
    if (i > 0) assert.ok(file.eigenvalues[i]! <= file.eigenvalues[i - 1]!);
    // sampling error of a variance from 2400 draws: sd ~ sqrt(2/2400) = 2.9 %
    assert.ok(Math.abs(file.eigenvalues[i]! / planted[i]! - 1) < 0.12, `eigenvalue ${i}: ${file.eigenvalues[i]} vs ${planted[i]}`);
  }
  const sum = file.explainedVarianceRatio.reduce((a, b) => a + b, 0);
  assert.ok(sum <= 1 + 1e-12 && sum > 0.999, `ratios sum ${sum}`);
});

test('components are orthonormal and lie along the planted axes', () => {
  const d = pca.dim;
  for (let i = 0; i < pca.k; i++) {
    for (let j = 0; j < pca.k; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += pca.components[i * d + c]! * pca.components[j * d + c]!;
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-9, `<v${i}, v${j}> = ${dot}`);
    }
  }
  // Largest planted sigma (3) is axis 1, then 2 (axis 3), 1 (axis 2), 0.5 (axis 0), 0.25 (axis 4).
  [1, 3, 2, 0, 4].forEach((axis, i) => assert.ok(pca.components[i * d + axis]! > 0.97, `component ${i} should be axis ${axis}`));
});

test('fresh samples projected have sd close to sqrt(eigenvalue)', () => {
  assert.equal(file.fresh.n, 600);
  for (let i = 0; i < 5; i++) {
    const ratio = file.fresh.sd[i]! / Math.sqrt(file.eigenvalues[i]!);
    assert.ok(Math.abs(ratio - 1) < 0.12, `component ${i}: fresh sd / sqrt(eigenvalue) = ${ratio}`);
  }
  assert.deepEqual((ref.summary.freshSdRatio as number[]).length, 5);
});

test('files: float64 binaries match pca.json dims; spectrum and samples written; no factors for plain data', async () => {
  assert.equal(readFileSync(join(ref.dir, 'components.f64')).length, 5 * 5 * 8);
  assert.equal(readFileSync(join(ref.dir, 'mean.f64')).length, 5 * 8);
  assert.deepEqual(file.files.components.shape, [5, 5]);
  assert.equal(file.model.hash, model.hash);
  assert.match(readFileSync(join(ref.dir, 'spectrum.svg'), 'utf8'), /^<svg/);
  const png = await decodeRaw(join(ref.dir, 'samples.png'));
  assert.equal(png.width, 3 * 8 + 4 * 2); // 6 images: 3 columns of 8 px, pad 2
  assert.equal(existsSync(join(ref.dir, 'factor-correlation.json')), false);
  assert.equal((ref.summary.factors as { available: boolean }).available, false);
});

test('same params give identical bytes (deterministic)', async () => {
  const again = await runStage(pcaStage, { samples: 2400, freshSamples: 600, components: 5, latents: 'sample', grid: 6, zoom: 1, batch: 100 }, { model, data });
  assert.equal(again.ref.hash, ref.hash);
});

test('a VAE without data, or with too few images, is a UserError', async () => {
  await assert.rejects(runStage(pcaStage, {}, { model }), (e: unknown) => e instanceof UserError && /input "data" is required/.test(e.message));
  await assert.rejects(runStage(pcaStage, { freshSamples: 3000 }, { model, data }), (e: unknown) => e instanceof UserError && /freshSamples/.test(e.message));
});
