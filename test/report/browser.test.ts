/**
 * Real browser check: headless Chromium loads report.html and compare.html built from small
 * artifacts, with no script, resource or console error, every <img> decoded (naturalWidth > 0) and
 * every <svg> drawn (non-empty bounding box). A negative control (a broken image and a throwing
 * script in the same page shell) proves the check sees failures. Without Chromium this FAILS with
 * the install command (CI installs it; see docs/report.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportStage } from '../../runner/stages/report.js';
import { compareStage } from '../../runner/stages/compare.js';
import { page } from '../../runner/report/html.js';
import { runStage } from '../helpers/run-stage.js';
import { findChromium, INSTALL_HINT, loadInChromium } from './chromium.js';
import { everything, fidArtifact } from './fixtures.js';

const bin = findChromium();

function count(html: string, tag: string): number {
  return (html.match(new RegExp(`<${tag}\\b`, 'g')) ?? []).length;
}

function assertClean(file: string): void {
  assert.ok(bin, INSTALL_HINT);
  const html = readFileSync(file, 'utf8');
  const { checks, console } = loadInChromium(bin, file);
  assert.ok(checks, `${file}: the page's self-check did not run (no #checks content in the dumped DOM)`);
  assert.deepEqual(checks.errors, [], 'no script/resource/CSP errors');
  assert.deepEqual(console, [], 'nothing logged to the console');
  assert.equal(checks.images, count(html, 'img'));
  assert.equal(checks.imagesLoaded, checks.images, 'every image decodes');
  assert.equal(checks.svgs, count(html, 'svg'));
  assert.equal(checks.svgsDrawn, checks.svgs, 'every plot draws');
  assert.ok(checks.images > 0 && checks.svgs > 0);
}

test('report.html loads in headless Chromium: no errors, all images and plots present', async () => {
  assert.ok(bin, INSTALL_HINT);
  const { inputs } = await everything();
  const { ref } = await runStage(reportStage, {}, inputs);
  assertClean(join(ref.dir, 'report.html'));
});

test('compare.html loads in headless Chromium: no errors, all images and plots present', async () => {
  assert.ok(bin, INSTALL_HINT);
  const { inputs, store } = await everything();
  const raw = [await fidArtifact(store, 'r1', 50, { adjusted: 0.2 }), await fidArtifact(store, 'r2', 55, { adjusted: 0.2 })];
  const grey = [await fidArtifact(store, 'g1', 40), await fidArtifact(store, 'g2', 42)];
  const { ref } = await runStage(compareStage, {}, { raw, grey, rawPca: inputs['pcas']!, rawTraverse: inputs['traversals']!, greyTraverse: inputs['traversals']! });
  assertClean(join(ref.dir, 'compare.html'));
});

test('negative control: a broken image and a throwing script are reported', () => {
  assert.ok(bin, INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'btf-browser-'));
  const file = join(dir, 'bad.html');
  writeFileSync(file, page('bad', '<img alt="x" src="data:image/png;base64,AAAA"><svg width="10" height="10"></svg><script>notDefined();</script>'));
  const { checks, console } = loadInChromium(bin, file);
  assert.ok(checks);
  assert.equal(checks.images, 1);
  assert.equal(checks.imagesLoaded, 0);
  assert.equal(checks.svgsDrawn, 0);
  assert.ok(checks.errors.some((e) => /notDefined/.test(e)), JSON.stringify(checks.errors));
  assert.ok(checks.errors.some((e) => /resource img failed/.test(e)));
  assert.ok(console.some((l) => /notDefined/.test(l)));
});
