/**
 * pca + traverse on real (tiny) trained models: a VAE trained one epoch on 32 px synthetic faces
 * (factor correlations from the dataset's factors.json reach the leakage table) and a two-level
 * StyleGAN (4 -> 8 px: w-space PCA, layer-range grids, style blending, mask-model leakage through
 * ISNet at a reduced input size).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStage } from '../../runner/stages/dataset.js';
import { trainVaeKind } from '../../runner/stages/train-vae.js';
import { trainStyleGanKind } from '../../runner/stages/train-stylegan.js';
import { pcaStage } from '../../runner/stages/pca.js';
import { traverseStage } from '../../runner/stages/traverse.js';
import { runStage } from '../helpers/run-stage.js';

const faces = (await runStage(datasetStage, { source: 'synthetic', count: 96, seed: 4, resolution: 32 })).ref;

test('VAE: pca on encoded faces with factor correlations; traverse joins them into leakage.json', async () => {
  const vae = (await runStage(trainVaeKind, { epochs: 1, batchSize: 16, model: { channels: 8, maxChannels: 16, latentDim: 12 }, schedule: { type: 'constant' } }, { data: faces })).ref;
  const pca = (await runStage(pcaStage, { samples: 64, freshSamples: 32, components: 6, grid: 4 }, { model: vae, data: faces })).ref;
  const fc = JSON.parse(readFileSync(join(pca.dir, 'factor-correlation.json'), 'utf8'));
  assert.equal(fc.n, 64);
  assert.equal(fc.components.length, 6);
  for (const c of fc.components) {
    for (const g of [c.face, c.background]) assert.ok(g.maxAbsR >= 0 && g.maxAbsR <= 1 && g.r2 >= 0 && g.r2 <= 1, JSON.stringify(g));
  }
  assert.ok(existsSync(join(pca.dir, 'samples.png')));
  const tr = (await runStage(traverseStage, { components: 4, steps: 3, leakage: { masks: 'none', truthImages: 4 } }, { pca, model: vae, data: faces })).ref;
  const leak = JSON.parse(readFileSync(join(tr.dir, 'leakage.json'), 'utf8'));
  assert.equal(leak.rows.length, 4);
  assert.equal(leak.rows[0].faceR2, fc.components[0].face.r2);
  assert.equal(leak.rows[0].leakage, null);
  for (const r of leak.rows) assert.ok(r.leakageTrueMask > 0 && r.leakageTrueMask < 1, JSON.stringify(r));
  assert.ok(existsSync(join(tr.dir, 'traversal-000-003.png')));
  assert.equal(tr.summary.layerGrids, 0);
});

test('StyleGAN: w-space pca, layer ranges, blending, ISNet leakage in [0, 1]', async () => {
  const model = { maxResolution: 16, zDim: 16, wDim: 16, mappingLayers: 2, mappingWidth: 16, fmapBase: 32, fmapMax: 16 };
  const base = { epochs: 1, batchSize: 4, logEvery: 4, samples: 0, model, schedule: { type: 'constant' }, limitImages: 16 };
  const l4 = (await runStage(trainStyleGanKind, { ...base, level: 4, fadeInEpochs: 0 }, { data: faces })).ref;
  const l8 = (await runStage(trainStyleGanKind, { ...base, level: 8, fadeInEpochs: 0 }, { data: faces, previous: l4 })).ref;
  const pca = (await runStage(pcaStage, { samples: 200, freshSamples: 100, components: 6, grid: 4 }, { model: l8 })).ref;
  // seed 0 (the default) must render the same samples twice: tfjs reads a seed of 0 as "unseeded".
  const again = (await runStage(pcaStage, { samples: 200, freshSamples: 100, components: 6, grid: 4 }, { model: l8 })).ref;
  assert.equal(again.hash, pca.hash, 'pca of a StyleGAN is reproducible with seed 0');
  const pj = JSON.parse(readFileSync(join(pca.dir, 'pca.json'), 'utf8'));
  assert.equal(pj.model.space, 'w');
  assert.equal(pj.model.layers, 4);
  assert.equal(pj.latents, 'mapped');
  assert.equal(pca.summary.factors && (pca.summary.factors as { available: boolean }).available, false);
  const { ref, logs } = await runStage(traverseStage, {
    components: 2, steps: 3, layerComponents: 2,
    layerRanges: [{ name: 'coarse', from: 0, to: 2 }, { name: 'fine', from: 2 }, { name: 'beyond', from: 8 }],
    blend: { sources: 2, crossovers: [2, 6] },
    leakage: { masks: 'model', model: { inputSize: 64 } },
  }, { pca, model: l8 });
  for (const f of ['layers-coarse.png', 'layers-fine.png', 'blend-c2.png']) assert.ok(existsSync(join(ref.dir, f)), f);
  assert.ok(!existsSync(join(ref.dir, 'layers-beyond.png')) && !existsSync(join(ref.dir, 'blend-c6.png')));
  assert.ok(logs.some((l) => /layer range beyond .* skipped/.test(l)));
  const leak = JSON.parse(readFileSync(join(ref.dir, 'leakage.json'), 'utf8'));
  for (const r of leak.rows) assert.ok(r.leakage === null || (r.leakage >= 0 && r.leakage <= 1), JSON.stringify(r));
  assert.equal(leak.rows[0].faceR2, null);
  assert.ok(leak.notes.some((n: string) => /no ground-truth factors/.test(n)));
  assert.equal(leak.masks.inputSize, 64);
  await assert.rejects(runStage(traverseStage, { components: 1, steps: 3, leakage: { masks: 'none' } }, { pca, model: l8, data: faces }), /applies to a VAE only/);
  assert.ok(existsSync(join(ref.dir, 'leakage-masks.png')));
});
