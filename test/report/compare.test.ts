/**
 * The compare stage: with seed replicas, compare.json holds the final FIDs per side, their mean,
 * sd and 95% t-interval and Welch's test, equal to scipy's values for the same numbers
 * (test/report/fixtures/stats-scipy.json); adjusted raw is compared too; one seed per side says no
 * test is possible; the page is self-contained and shows each optional part only when wired.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { compareStage } from '../../runner/stages/compare.js';
import { externalReference } from '../../runner/report/html.js';
import type { CompareStats } from '../../runner/report/compare.js';
import { runStage } from '../helpers/run-stage.js';
import { FakeStore, fidArtifact, png } from './fixtures.js';

interface Case { x: number[]; y: number[]; t: number; p: number; df: number; meanX: number; sdX: number; ciX: [number, number] }
const welch = (JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/report/fixtures/stats-scipy.json', import.meta.url)), 'utf8')) as { welch: Case[] }).welch;

function close(a: number, b: number, rel: number, what: string): void {
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);
}

function sections(html: string): string[] {
  return [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]!);
}

test('seed replicas: statistics equal scipy; curves, finals, spectra, traversals, leakage', async () => {
  const c = welch[0]!;
  const store = new FakeStore();
  const raw = await Promise.all(c.x.map((v, i) => fidArtifact(store, `fid-raw@seed${i}`, v, { adjusted: 0.25 })));
  const grey = await Promise.all(c.y.map((v, i) => fidArtifact(store, `fid-grey@seed${i}`, v)));
  const pca = (id: string, ev: number[]) => store.make(id, 'pca', {}, (d) => writeFileSync(join(d, 'pca.json'), JSON.stringify({ eigenvalues: ev })));
  // traverse artifacts as the traverse stage writes them: grids + leakage.json {columns, rows, notes}.
  const trav = (id: string, seed: number, leak: number) => store.make(id, 'traverse', {}, async (d) => {
    writeFileSync(join(d, 'traversal-000-001.png'), await png(40, 8, seed));
    const rows = [0, 1].map((c) => ({ component: c, eigenvalue: 4 / (c + 1), explainedRatio: 0.5 / (c + 1), leakage: leak / (c + 1), meanAbsChange: 3, faceMaxAbsR: null, faceFactor: null, backgroundMaxAbsR: null, backgroundFactor: null, faceR2: null, backgroundR2: null }));
    writeFileSync(join(d, 'leakage.json'), JSON.stringify({ model: {}, masks: {}, notes: ['leakage = share of change on background'], columns: Object.keys(rows[0]!), rows }));
  });
  const { ref, result } = await runStage(compareStage, {}, {
    raw, grey, rawPca: [await pca('pca-raw', [4, 2, 1])], greyPca: [await pca('pca-grey', [3, 1, 0.5])],
    rawTraverse: [await trav('trav-raw', 1, 0.61)], greyTraverse: [await trav('trav-grey', 2, 0.12)],
  });
  const stats = JSON.parse(readFileSync(join(ref.dir, 'compare.json'), 'utf8')) as CompareStats;
  assert.deepEqual(stats.raw!.values, c.x);
  close(stats.raw!.mean, c.meanX, 1e-12, 'mean');
  close(stats.raw!.sd!, c.sdX, 1e-10, 'sd');
  close(stats.raw!.ci95![0], c.ciX[0], 1e-10, 'ci lo');
  close(stats.raw!.ci95![1], c.ciX[1], 1e-10, 'ci hi');
  assert.ok(stats.rawVsGrey.possible);
  if (stats.rawVsGrey.possible) {
    close(stats.rawVsGrey.t, c.t, 1e-10, 't');
    close(stats.rawVsGrey.df, c.df, 1e-10, 'df');
    close(stats.rawVsGrey.p, c.p, 1e-9, 'p');
  }
  // Adjusted raw = raw * (1 - 0.25) per seed.
  stats.adjustedRaw!.values.forEach((v, i) => close(v, c.x[i]! * 0.75, 1e-12, 'adjusted'));
  assert.ok(stats.adjustedRawVsGrey?.possible);
  const html = readFileSync(join(ref.dir, 'compare.html'), 'utf8');
  assert.equal(externalReference(html), null);
  assert.deepEqual(sections(html), ['curves', 'finals', 'pca', 'traversals', 'leakage']);
  assert.deepEqual((result as { summary: { sections: string[] } }).summary.sections, ['curves', 'finals', 'pca', 'traversals', 'leakage']);
  assert.match(html, /Welch&#39;s t-test|Welch's t-test/);
  assert.match(html, /raw mean of 5/);
  assert.match(html, /NOT comparable to published FIDs/);
  // Per-component leakage tables merge: PC | eigenvalue raw | eigenvalue grey | ... | leakage raw | leakage grey.
  assert.match(html, /<th>PC<\/th><th>eigenvalue raw<\/th><th>eigenvalue grey<\/th><th>explainedRatio raw<\/th><th>explainedRatio grey<\/th><th>leakage raw<\/th><th>leakage grey<\/th><\/tr>/);
  assert.match(html, /<tr><td class="num">1<\/td><td class="num">2<\/td><td class="num">2<\/td><td class="num">0\.25<\/td><td class="num">0\.25<\/td><td class="num">0\.305<\/td><td class="num">0\.06<\/td><\/tr>/);
  assert.equal((html.match(/<img\b/g) ?? []).length, 2);
  assert.equal((html.match(/<svg\b/g) ?? []).length, 3); // curves, finals, spectrum
});

test('one seed per side: no interval, no test, and the page says why', async () => {
  const store = new FakeStore();
  const { ref } = await runStage(compareStage, {}, { raw: [await fidArtifact(store, 'r', 40)], grey: [await fidArtifact(store, 'g', 35)] });
  const stats = JSON.parse(readFileSync(join(ref.dir, 'compare.json'), 'utf8')) as CompareStats;
  assert.equal(stats.raw!.ci95, null);
  assert.equal(stats.rawVsGrey.possible, false);
  assert.equal(stats.adjustedRaw, null);
  const html = readFileSync(join(ref.dir, 'compare.html'), 'utf8');
  assert.match(html, /no test possible — needs at least 2 seeds per side \(have 1 and 1\)/);
  assert.match(html, /one seed: no interval/);
  assert.deepEqual(sections(html), ['curves', 'finals']);
});

test('missing raw or grey is a user error naming the stage', async () => {
  const store = new FakeStore();
  await assert.rejects(runStage(compareStage, {}, { raw: [await fidArtifact(store, 'r', 40)] }), /stage compare: inputs "raw" and "grey"/);
});
