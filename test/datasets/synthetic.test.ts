/**
 * Synthetic faces: deterministic from the seed (bytes), independent of count, masks in [0, 255]
 * with a plausible foreground fraction, a factor table with one numeric row per image, and the
 * artifact layout (packed images + masks, PNGs, grids, factors.csv).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStage } from '../../runner/stages/dataset.js';
import { PackedReader } from '../../runner/datasets/packed.js';
import { renderSample, FACE_FACTORS, BACKGROUND_FACTORS } from '../../runner/datasets/synthetic/index.js';
import { Rng } from '../../runner/datasets/prng.js';
import { runStage } from '../helpers/run-stage.js';

test('sfc32 stream is fixed: pinned first values', () => {
  const r = new Rng(42, 7);
  const first = [r.u32(), r.u32(), r.u32()];
  const again = new Rng(42, 7);
  assert.deepEqual([again.u32(), again.u32(), again.u32()], first);
  assert.notDeepEqual(new Rng(42, 8).u32(), first[0]);
  for (let i = 0; i < 1000; i++) { const x = r.next(); assert.ok(x >= 0 && x < 1); }
});

test('same seed gives identical bytes, another seed different images', () => {
  for (const size of [32, 64, 96, 128]) {
    const a = renderSample(5, 3, size);
    const b = renderSample(5, 3, size);
    assert.deepEqual(a.rgb, b.rgb);
    assert.deepEqual(a.mask, b.mask);
    assert.deepEqual(a.face, b.face);
    const c = renderSample(6, 3, size);
    assert.notDeepEqual(c.rgb, a.rgb);
    assert.equal(a.rgb.length, size * size * 3);
    assert.equal(a.mask.length, size * size);
  }
  assert.notDeepEqual(renderSample(5, 4, 64).rgb, renderSample(5, 3, 64).rgb);
});

test('masks: soft, in [0, 255], foreground a plausible fraction, background present at the top corners', () => {
  let total = 0;
  const n = 40;
  for (let i = 0; i < n; i++) {
    const s = renderSample(11, i, 64);
    let sum = 0;
    let soft = 0;
    for (const m of s.mask) { sum += m; if (m > 0 && m < 255) soft++; }
    const frac = sum / (255 * s.mask.length);
    assert.ok(frac > 0.12 && frac < 0.8, `image ${i}: foreground fraction ${frac}`);
    assert.ok(soft > 20, `image ${i}: mask edge is not anti-aliased (${soft} partial pixels)`);
    assert.equal(s.mask[0], 0, `image ${i}: top-left corner should be background`);
    assert.equal(s.mask[63], 0, `image ${i}: top-right corner should be background`);
    // The face centre is foreground.
    assert.equal(s.mask[32 * 64 + 32], 255, `image ${i}: centre should be foreground`);
    total += frac;
  }
  const mean = total / n;
  assert.ok(mean > 0.25 && mean < 0.6, `mean foreground fraction ${mean}`);
});

test('stage: artifact layout, factor table shape, count-independence', async () => {
  const { ref } = await runStage(datasetStage, { source: 'synthetic', count: 12, seed: 9, resolution: 32 });
  const images = new PackedReader(ref.dir);
  const masks = new PackedReader(ref.dir, 'masks.json');
  assert.equal(images.count, 12);
  assert.equal(masks.meta.channels, 1);
  assert.equal(masks.count, 12);
  assert.deepEqual(images.readRange(5, 1), renderSample(9, 5, 32).rgb);
  assert.deepEqual(masks.readRange(5, 1), renderSample(9, 5, 32).mask);
  images.close();
  masks.close();
  const t = JSON.parse(readFileSync(join(ref.dir, 'factors.json'), 'utf8'));
  assert.deepEqual(t.faceFactors, [...FACE_FACTORS]);
  assert.deepEqual(t.backgroundFactors, [...BACKGROUND_FACTORS]);
  assert.equal(t.rows.length, 12);
  for (const row of t.rows) {
    assert.equal(row.length, FACE_FACTORS.length + BACKGROUND_FACTORS.length);
    for (const v of row) assert.ok(typeof v === 'number' && Number.isFinite(v));
  }
  // Factors vary across images (each column is not constant over 12 images, except rare binary ones).
  const varying = t.rows[0].filter((_: number, j: number) => new Set(t.rows.map((r: number[]) => r[j])).size > 1).length;
  assert.ok(varying >= t.rows[0].length - 6, `only ${varying} varying factor columns`);
  const csv = readFileSync(join(ref.dir, 'factors.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 13);
  assert.equal(csv[0]!.split(',').length, 1 + t.rows[0].length);
  for (const f of ['sample-grid.png', 'mask-grid.png', 'bad.json', 'png/000000.png', 'png/000011.png']) assert.ok(existsSync(join(ref.dir, f)), f);
  assert.equal(ref.summary['count'], 12);
  assert.equal(ref.summary['bad'], 0);
  // A larger count extends a smaller one: image i never depends on count.
  const { ref: small } = await runStage(datasetStage, { source: 'synthetic', count: 5, seed: 9, resolution: 32 });
  assert.deepEqual(readFileSync(join(small.dir, 'images.u8')), readFileSync(join(ref.dir, 'images.u8')).subarray(0, 5 * 32 * 32 * 3));
});

test('schema: synthetic resolution outside 32-128 and path are rejected; images needs path', async () => {
  await assert.rejects(runStage(datasetStage, { source: 'synthetic', resolution: 16, count: 1 }), /params invalid/);
  await assert.rejects(runStage(datasetStage, { source: 'synthetic', path: 'x', count: 1 }), /params invalid/);
  await assert.rejects(runStage(datasetStage, { source: 'images' }), /path/);
});

test('an aborted signal stops the synthetic source with Interrupted', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runStage(datasetStage, { source: 'synthetic', count: 50, resolution: 32 }, {}, { signal: ac.signal }), { name: 'Interrupted' });
});
