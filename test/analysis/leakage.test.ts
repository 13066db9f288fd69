/**
 * Leakage maths: exact values on tiny arrays (soft masks, the union rule), and ~0 / ~1 for
 * renderers whose every latent direction changes only foreground / only background pixels, with
 * the known disc as the mask.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPca } from '../../runner/analysis/pca.js';
import { traverse } from '../../runner/analysis/traversal.js';
import { rowLeakage, traversalLeakage, type MaskFn } from '../../runner/analysis/leakage.js';
import { rngFor, Stream } from '../../runner/training/rng.js';
import { discMask, regionRenderer } from './helpers.js';

test('rowLeakage: exact on a 2x2 image with soft masks', () => {
  // R = 2: four pixels.
  const mean = new Uint8Array(12).fill(100);
  const img = new Uint8Array(12).fill(100);
  img[0] = 110;            // pixel 0 (R channel) +10: background in both (mask 0)
  img[3 * 1 + 1] = 70;     // pixel 1 (G) -30: mean mask 0, image mask 255 -> counted as face (union)
  img[3 * 2 + 2] = 120;    // pixel 2 (B) +20: soft mask 51 (0.2) -> 0.8 background
  const masks = Uint8Array.of(0, 255, 51, 0);
  const meanMask = Uint8Array.of(0, 0, 0, 255);
  const r = rowLeakage(img, masks, mean, meanMask, 2);
  assert.ok(Math.abs(r.leakage! - (10 + 0.8 * 20) / 60) < 1e-12, String(r.leakage));
  assert.ok(Math.abs(r.meanAbsChange - 60 / 12) < 1e-12);
  assert.ok(Math.abs(r.maskForeground - (0 + 1 + 0.2 + 1) / 4) < 1e-12);
  assert.equal(rowLeakage(mean, masks, mean, meanMask, 2).leakage, null);
});

const R = 24, dim = 4;
const rows = 300, x = new Float64Array(rows * dim);
for (let r = 0; r < rows; r++) { const g = rngFor(2, Stream.user, r); for (let c = 0; c < dim; c++) x[r * dim + c] = g.normal() * 0.1 * (c + 1); }
const pca = fitPca(x, rows, dim, { k: dim });
const disc = discMask(R);
const maskFn: MaskFn = async (_p, n) => { const m = new Uint8Array(n * R * R); for (let i = 0; i < n; i++) m.set(disc, i * R * R); return m; };

test('a model whose components change only the face leaks ~0; only the background ~1', async () => {
  for (const [region, want] of [['inside', 0], ['outside', 1]] as const) {
    const tr = traverse(regionRenderer(dim, R, region), pca, { components: dim, range: 3, steps: 5, batch: 3 });
    const leak = await traversalLeakage(tr.rows, tr.mean, R, maskFn);
    assert.equal(leak.length, dim);
    for (const l of leak) {
      assert.ok(l.meanAbsChange > 0.5, `${region}: component ${l.component} changes nothing`);
      assert.ok(Math.abs(l.leakage! - want) < 1e-12, `${region}: component ${l.component} leakage ${l.leakage}`);
    }
  }
});

test('a model changing both face and background lands in between', async () => {
  const inside = regionRenderer(dim, R, 'inside'), outside = regionRenderer(dim, R, 'outside');
  const both = { dim, layers: 1, resolution: R, render(ws: Float32Array[], n: number) {
    const a = inside.render(ws, n), b = outside.render(ws, n);
    // face pixels from `inside`, background from `outside`: every direction changes both
    const out = new Uint8Array(a.length);
    for (let i = 0; i < n; i++) for (let p = 0; p < R * R; p++) out.set((disc[p] ? a : b).subarray((i * R * R + p) * 3, (i * R * R + p) * 3 + 3), (i * R * R + p) * 3);
    return out;
  } };
  const tr = traverse(both, pca, { components: 2, range: 3, steps: 5, batch: 5 });
  for (const l of await traversalLeakage(tr.rows, tr.mean, R, maskFn)) assert.ok(l.leakage! > 0.3 && l.leakage! < 0.97, String(l.leakage));
});

test('true-mask leakage (VAE edits around encoded reals): ~0 for face-only, ~1 for background-only components', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { PackedReader, PackedWriter } = await import('../../runner/datasets/packed.js');
  const { truthLeakage } = await import('../../runner/analysis/truth-leakage.js');
  const dir = mkdtempSync(join(tmpdir(), 'btf-truth-'));
  const iw = new PackedWriter(dir, { resolution: R, channels: 3, file: 'images.u8' });
  const mw = new PackedWriter(dir, { resolution: R, channels: 1, file: 'masks.u8' }, 'masks.json');
  for (let i = 0; i < 5; i++) { iw.append(new Uint8Array(R * R * 3).fill(i)); mw.append(disc); }
  iw.finish({}); mw.finish({});
  for (const [region, want] of [['inside', 0], ['outside', 1]] as const) {
    const r = regionRenderer(dim, R, region);
    // "Encoder": image i -> latent with every coordinate 0.05 * i (its pixel value).
    const model = { ...r, kind: 'vae' as const, space: 'z' as const, info: {}, dispose() {},
      encode: (px: Uint8Array, n: number) => ({ mu: Float32Array.from({ length: n * dim }, (_, j) => 0.05 * px[Math.floor(j / dim) * R * R * 3]!), logvar: new Float32Array(n * dim) }) };
    const images = new PackedReader(dir), masks = new PackedReader(dir, 'masks.json');
    const rows = truthLeakage(model, pca, images, masks, { images: 4, range: 3, components: 3, batch: 3, signal: new AbortController().signal });
    images.close(); masks.close();
    assert.equal(rows.length, 3);
    for (const l of rows) assert.ok(l.meanAbsChange > 0.5 && Math.abs(l.leakage! - want) < 1e-12, `${region}: ${JSON.stringify(l)}`);
  }
});
