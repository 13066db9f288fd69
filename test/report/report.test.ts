/**
 * The report stage on small artifacts (test/report/fixtures.ts): every section appears when every
 * role is wired, and only the wired ones otherwise; the page references nothing outside itself;
 * run facts come from meta.json beside data/ (and only when its key matches); the inception-random
 * banner and the measured weight drop are shown; with timings off the output is byte-reproducible.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportStage } from '../../runner/stages/report.js';
import { externalReference } from '../../runner/report/html.js';
import { readMeta } from '../../runner/report/artifacts.js';
import { runStage } from '../helpers/run-stage.js';
import { everything, fidArtifact, FakeStore } from './fixtures.js';

const ALL = ['run', 'figure1', 'samples', 'masks', 'weights', 'training', 'fid', 'pca', 'traversals', 'leakage'];

function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]!);
}

test('full report: every section, self-contained, run facts, banner, weight drop', async () => {
  const { inputs } = await everything();
  const { ref, result } = await runStage(reportStage, { title: 'quick', timings: true }, inputs);
  const html = readFileSync(join(ref.dir, 'report.html'), 'utf8');
  assert.deepEqual(sectionIds(html), ALL);
  assert.deepEqual((result as { summary: { sections: string[] } }).summary.sections, ALL);
  assert.equal(externalReference(html), null);
  assert.doesNotMatch(html, /https?:\/\//);
  assert.match(html, /Content-Security-Policy/);
  // Images: dataset grid, composite figure1 + grid, mask grid, fid samples, 2 traversal PNGs = 7.
  const imgs = [...html.matchAll(/<img [^>]*src="data:image\/png;base64,/g)].length;
  assert.equal(imgs, 7);
  const summary = JSON.parse(readFileSync(join(ref.dir, 'report.json'), 'utf8')) as { images: number; svgs: number };
  assert.equal(summary.images, 7);
  // SVGs: loss + lr, FID + adjusted + KID, spectrum + cumulative = 7.
  assert.equal(summary.svgs, 7);
  assert.equal((html.match(/<svg\b/g) ?? []).length, 7);
  assert.match(html, /NOT comparable to published FIDs/);
  // Run facts from meta.json: stage ids, backend and why, seconds.
  assert.match(html, /<td>vae-raw<\/td><td>train-vae<\/td>/);
  assert.match(html, /requested wasm/);
  assert.match(html, /Sum of stage times: 15 s over 10 timed stage/);
  // Weight drop: d = 1 - grey/raw from the two weigh summaries.
  const [wr, wg] = [inputs['rawWeights']![0], inputs['greyWeights']![0]];
  const d = 1 - (wg!.summary['meanBytes'] as number) / (wr!.summary['meanBytes'] as number);
  assert.ok(d > 0.05, `grey composites should weigh less (d = ${d})`);
  assert.ok(html.includes(`<td class="num">${Number(d.toPrecision(4))}</td>`), 'measured d in the weights table');
  assert.match(html, /fid-raw d = 0\.2/);
  assert.match(html, /<td>weigh-grey<\/td><td>grey<\/td>.*<td>weigh-raw<\/td><\/tr>/);
  // Mask quality numbers and the worst image.
  assert.match(html, /IoU \(threshold 0\.5\)<\/td><td class="num">0\.93<\/td>/);
  assert.match(html, /Lowest IoU: a\.png 0\.81/);
  // Leakage tables: the traversals input's own and the leakage-only input's, with their notes.
  assert.match(html, /<h3>traverse-raw<\/h3><table><tr><th>component<\/th><th>leakage<\/th><\/tr><tr><td class="num">0<\/td><td class="num">0\.52<\/td>/);
  assert.match(html, /<h3>traverse-grey<\/h3><table>/);
  assert.match(html, /<p class="muted">mask-based leakage<\/p>/);
  // Spectrum: eigenvalues and the pca stage's fresh-sample variances (sd^2).
  assert.match(html, />pca-raw eigenvalues<\/text>/);
  assert.match(html, />pca-raw fresh variance<\/text>/);
});

test('sections appear only for the inputs that are present', async () => {
  const store = new FakeStore();
  const fid = await fidArtifact(store, 'fid-grey', 90);
  const { ref } = await runStage(reportStage, {}, { fids: [fid] });
  const html = readFileSync(join(ref.dir, 'report.html'), 'utf8');
  assert.deepEqual(sectionIds(html), ['run', 'samples', 'fid']);
  assert.doesNotMatch(html, /adjusted vs unadjusted/); // no adjustedFid rows -> no adjusted plot
  const empty = await runStage(reportStage, {}, {});
  const e = readFileSync(join(empty.ref.dir, 'report.html'), 'utf8');
  assert.deepEqual(sectionIds(e), []);
  assert.match(e, /No inputs were wired/);
});

test('timings: false gives identical bytes for identical inputs; true shows seconds', async () => {
  const store = new FakeStore();
  const fid = await fidArtifact(store, 'fid-a', 80, { adjusted: 0.1 });
  const a = await runStage(reportStage, { timings: false }, { fids: [fid] });
  const b = await runStage(reportStage, { timings: false }, { fids: [fid] });
  assert.equal(a.ref.hash, b.ref.hash);
  assert.doesNotMatch(readFileSync(join(a.ref.dir, 'report.html'), 'utf8'), /<th>seconds<\/th>/);
  const c = await runStage(reportStage, { timings: true }, { fids: [fid] });
  assert.match(readFileSync(join(c.ref.dir, 'report.html'), 'utf8'), /<th>seconds<\/th>/);
});

test('meta.json is trusted only when its key is the artifact key', async () => {
  const store = new FakeStore();
  const fid = await fidArtifact(store, 'fid-x', 70);
  assert.equal(readMeta(fid)?.producedBy, 'fid-x');
  const meta = JSON.parse(readFileSync(join(fid.dir, '..', 'meta.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(fid.dir, '..', 'meta.json'), JSON.stringify({ ...meta, key: 'other' }));
  assert.equal(readMeta(fid), null);
  const { ref } = await runStage(reportStage, {}, { fids: [fid] });
  assert.match(readFileSync(join(ref.dir, 'report.html'), 'utf8'), /have no meta\.json beside their data folder/);
});

test('externalReference catches what a browser would fetch and allows data: URIs', () => {
  for (const bad of ['<img src="http://x/a.png">', '<img src=//cdn/a.png>', '<a href="page.html">', '<div style="background:url(/a.png)">',
    '<style>@import "x.css"</style>', 'see https://example.com', '<img srcset="a.png 2x">', '<use xlink:href="f.svg#a">']) {
    assert.notEqual(externalReference(bad), null, bad);
  }
  for (const ok of ['<img src="data:image/png;base64,AAAA">', '<a href="#fid">', '<p>ratio 3:1</p>', '<div style="background:url(data:image/png;base64,AA)">']) {
    assert.equal(externalReference(ok), null, ok);
  }
});

test('weights: seed replicas pair raw[i] with grey[i]; one raw weigh serves every grey', async () => {
  const store = new FakeStore();
  const w = (id: string, meanBytes: number) => store.make(id, 'weigh', { meanBytes, n: 8, resolution: 32, encoding: { format: 'png' } }, () => {});
  const raw = [await w('weigh-raw@1', 1000), await w('weigh-raw@2', 2000)];
  const grey = [await w('weigh-grey@1', 800), await w('weigh-grey@2', 1000)];
  const { ref } = await runStage(reportStage, { timings: false }, { rawWeights: raw, greyWeights: grey });
  const html = readFileSync(join(ref.dir, 'report.html'), 'utf8');
  assert.match(html, /<td>weigh-grey@1<\/td><td>grey<\/td>(<td[^>]*>[^<]*<\/td>){6}<td class="num">0\.2<\/td><td>weigh-raw@1<\/td>/);
  assert.match(html, /<td>weigh-grey@2<\/td><td>grey<\/td>(<td[^>]*>[^<]*<\/td>){6}<td class="num">0\.5<\/td><td>weigh-raw@2<\/td>/);
  assert.match(html, /Mean d over 2 pairs: 0\.35/);
  const one = await runStage(reportStage, { timings: false }, { rawWeights: [raw[0]!], greyWeights: grey });
  const h1 = readFileSync(join(one.ref.dir, 'report.html'), 'utf8');
  assert.match(h1, /<td>weigh-grey@2<\/td><td>grey<\/td>(<td[^>]*>[^<]*<\/td>){6}<td class="num">0<\/td><td>weigh-raw@1<\/td>/);
});
