/**
 * The report and compare pages on real `pca` and `traverse` outputs (a linear-Gaussian VAE from
 * test/analysis/helpers.ts, so the run takes about a second), not hand-written files: the spectrum
 * plots the pca.json eigenvalues, the traversal pages and the pca samples are embedded, and the
 * leakage table has one row per component with the pca's eigenvalues.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcaStage } from '../../runner/stages/pca.js';
import { traverseStage } from '../../runner/stages/traverse.js';
import { reportStage } from '../../runner/stages/report.js';
import { compareStage } from '../../runner/stages/compare.js';
import { externalReference } from '../../runner/report/html.js';
import { runStage } from '../helpers/run-stage.js';
import { linearVae, noiseData } from '../analysis/helpers.js';
import { FakeStore, fidArtifact } from './fixtures.js';

const model = await linearVae([0.5, 3, 1, 2, 0.25]);
const data = noiseData(300);
const pca = (await runStage(pcaStage, { samples: 256, freshSamples: 64, components: 5, latents: 'sample', grid: 4, zoom: 1, batch: 128 }, { model, data })).ref;
const trav = (await runStage(traverseStage, { components: 5, steps: 3, leakage: { masks: 'none' } }, { model, pca })).ref;
const eig = (JSON.parse(readFileSync(join(pca.dir, 'pca.json'), 'utf8')) as { eigenvalues: number[] }).eigenvalues;

test('report: spectrum, traversal pages, pca samples and the leakage table from real stage outputs', async () => {
  const { ref } = await runStage(reportStage, { timings: false }, { pcas: [pca], traversals: [trav] });
  const html = readFileSync(join(ref.dir, 'report.html'), 'utf8');
  assert.equal(externalReference(html), null);
  assert.deepEqual([...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]), ['run', 'pca', 'traversals', 'leakage']);
  assert.match(html, /eigenvalues<\/text>/);
  assert.match(html, /fresh variance<\/text>/);
  assert.match(html, /alt="pca [^"]*: samples\.png"/);
  assert.match(html, /alt="traverse [^"]*: traversal-000-004\.png"/);
  const leak = html.slice(html.indexOf('<section id="leakage"'));
  assert.equal((leak.match(/<tr>/g) ?? []).length, 1 + 5, 'header + one row per component');
  assert.ok(leak.includes(`<td class="num">${Number(eig[0]!.toPrecision(4))}</td>`), 'first eigenvalue in the table');
  assert.match(leak, /leakage not measured/);
});

test('compare: per-component leakage raw vs grey and overlaid spectra', async () => {
  const store = new FakeStore();
  const { ref } = await runStage(compareStage, {}, {
    raw: [await fidArtifact(store, 'r', 30)], grey: [await fidArtifact(store, 'g', 25)],
    rawPca: [pca], greyPca: [pca], rawTraverse: [trav], greyTraverse: [trav],
  });
  const html = readFileSync(join(ref.dir, 'compare.html'), 'utf8');
  assert.match(html, /<th>PC<\/th><th>eigenvalue raw<\/th><th>eigenvalue grey<\/th>/);
  assert.match(html, />raw eigenvalues<\/text>/);
  assert.match(html, />grey eigenvalues<\/text>/);
  assert.equal((html.match(/<img\b/g) ?? []).length, 2, 'one traversal page per side');
});
