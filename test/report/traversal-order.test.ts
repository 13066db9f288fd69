// Traversal figures put the traversal pages first, so a page limited to one image shows the
// traversal, not the mask diagnostics the traverse stage also writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { traversalFigures } from '../../runner/report/sections-eval.js';

test('traversal pages come before leakage masks and other images', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-trav-order-'));
  for (const f of ['leakage-masks.png', 'traversal-000-009.png', 'blend-c2.png', 'layers-coarse.png']) {
    await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toFile(join(dir, f));
  }
  const ref = { key: 'k', hash: 'h', dir, summary: {}, kind: 'traverse' };
  const one = traversalFigures(ref, 1).join('');
  assert.match(one, /traversal-000-009\.png/);
  assert.doesNotMatch(one, /leakage-masks/);
  const all = traversalFigures(ref, 10).join('');
  const order = ['traversal-000-009', 'layers-coarse', 'blend-c2', 'leakage-masks'].map((n) => all.indexOf(n));
  assert.deepEqual([...order].sort((a, b) => a - b), order);
  assert.ok(order.every((i) => i >= 0));
});
