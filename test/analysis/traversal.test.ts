/**
 * Traversals: grid layout (rows = components, columns = steps, pages of rowsPerPage), the middle
 * column equals the mean latent's image, layer-range edits touch only their layers, and blending
 * takes coarse layers from the row source. Through the traverse stage on the linear VAE, and
 * directly on hand-written renderers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitPca } from '../../runner/analysis/pca.js';
import { blendTiles, stepValues, traverse, traversalLatents } from '../../runner/analysis/traversal.js';
import type { Renderer } from '../../runner/analysis/latents.js';
import { pcaStage } from '../../runner/stages/pca.js';
import { traverseStage } from '../../runner/stages/traverse.js';
import { UserError } from '../../runner/errors.js';
import { rngFor, Stream } from '../../runner/training/rng.js';
import { runStage } from '../helpers/run-stage.js';
import { gridTile, linearVae, noiseData, regionRenderer } from './helpers.js';

const model = await linearVae([0.5, 3, 1, 2, 0.25]);
const data = noiseData(400);
const pcaRef = (await runStage(pcaStage, { samples: 300, freshSamples: 100, components: 5, latents: 'sample', grid: 0 }, { model, data })).ref;

test('stepValues: symmetric, odd counts have 0 in the middle', () => {
  assert.deepEqual(stepValues(3, 7), [-3, -2, -1, 0, 1, 2, 3]);
  assert.deepEqual(stepValues(2, 1), [0]);
});

test('stage: pages of rowsPerPage rows x steps columns; middle column = the mean reconstruction', async () => {
  const { ref } = await runStage(traverseStage, { components: 5, steps: 5, rowsPerPage: 3, zoom: 1, leakage: { masks: 'none' } }, { pca: pcaRef, model });
  const layout = JSON.parse(readFileSync(join(ref.dir, 'traversal.json'), 'utf8'));
  assert.deepEqual(layout.pages.map((p: { file: string }) => p.file), ['traversal-000-002.png', 'traversal-003-004.png']);
  assert.deepEqual(layout.t, [-3, -1.5, 0, 1.5, 3]);
  const R = 8, pad = 2;
  const first = await gridTile(join(ref.dir, 'traversal-000-002.png'), 0, 2, R);
  assert.equal(first.width, 5 * R + 6 * pad);
  assert.equal(first.height, 3 * R + 4 * pad);
  const second = await gridTile(join(ref.dir, 'traversal-003-004.png'), 1, 2, R);
  assert.equal(second.height, 2 * R + 3 * pad);
  // The mean through the decoder, rendered the stage's way (a 1-row traversal of t = 0).
  const { readPcaArtifact } = await import('../../runner/analysis/pca-artifact.js');
  const { openLatentModel } = await import('../../runner/analysis/latents.js');
  const { pca } = readPcaArtifact(pcaRef.dir, 'test');
  const m = await openLatentModel(model, 'test', { noise: 'none', seed: 0 });
  const meanImg = m.render([Float32Array.from(pca.mean)], 1);
  m.dispose();
  for (let row = 0; row < 3; row++) assert.deepEqual((await gridTile(join(ref.dir, 'traversal-000-002.png'), row, 2, R)).tile, meanImg, `row ${row}`);
  assert.deepEqual(second.tile, meanImg);
  // The ends differ from the mean (the decoder is not constant).
  assert.notDeepEqual((await gridTile(join(ref.dir, 'traversal-000-002.png'), 0, 0, R)).tile, meanImg);
  const csv = readFileSync(join(ref.dir, 'leakage.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 6);
  assert.match(ref.summary.markdown as string, /\| PC \| eigenvalue/);
});

test('stage: a pca fitted on another model is refused', async () => {
  const other = await linearVae([1, 1, 1, 1, 1], 8, 2);
  await assert.rejects(runStage(traverseStage, { leakage: { masks: 'none' } }, { pca: pcaRef, model: other }), (e: unknown) => e instanceof UserError && /fitted on model/.test(e.message));
});

function toyPca(dim: number) {
  const rows = 200, x = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) { const g = rngFor(1, Stream.user, r); for (let c = 0; c < dim; c++) x[r * dim + c] = g.normal() * (c + 1); }
  return fitPca(x, rows, dim, { k: dim });
}

test('traverse(): K rows of `steps` images; row i = mean + t sd_i v_i', () => {
  const pca = toyPca(3);
  const r = regionRenderer(3, 16, 'inside');
  const tr = traverse(r, pca, { components: 2, range: 2, steps: 3, batch: 2 });
  assert.equal(tr.rows.length, 2);
  for (const row of tr.rows) assert.equal(row.length, 3 * 16 * 16 * 3);
  assert.deepEqual(tr.rows[1]!.subarray(16 * 16 * 3, 2 * 16 * 16 * 3), tr.mean);
  const lat = traversalLatents(pca, 0, [2]);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(lat[c]! - (pca.mean[c]! + 2 * Math.sqrt(pca.eigenvalues[0]!) * pca.components[c]!)) < 1e-12);
});

/** A renderer that records which latent each layer received (image pixel l = layer l's first coordinate). */
function probe(layers: number): Renderer {
  return {
    dim: 1, layers, resolution: 4,
    render(ws, n) {
      const out = new Uint8Array(n * 48);
      for (let i = 0; i < n; i++) for (let l = 0; l < layers; l++) out[i * 48 + l * 3] = Math.round(100 + 10 * ws[l]![i]!);
      return out;
    },
  };
}

test('layer-range traversal edits only layers [from, to); blending takes layers < crossover from A', () => {
  const pca = { dim: 1, k: 1, n: 10, mean: Float64Array.of(0), components: Float64Array.of(1), eigenvalues: Float64Array.of(1), explainedVarianceRatio: Float64Array.of(1), totalVariance: 1 };
  const tr = traverse(probe(6), pca, { components: 1, range: 3, steps: 3, batch: 2, layers: [2, 4] });
  const img = tr.rows[0]!;
  // step 0 (t = -3): layers 2, 3 at -3, the others at the mean 0.
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((l) => img[l * 3]), [100, 100, 70, 70, 100, 100]);
  const tiles = blendTiles(probe(6), Float64Array.of(1, 2), 2, Float64Array.of(-1, -2), 2, 4, 1);
  assert.equal(tiles.length, 9); // (2 + 1) x (2 + 1) with headers
  const cell = tiles[3 + 2]!; // row A[0], column B[1]
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((l) => cell[l * 3]), [110, 110, 110, 110, 80, 80]);
});
