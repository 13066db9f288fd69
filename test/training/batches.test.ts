/** Streamed seeded batches: coverage, determinism by (seed, epoch), mirror, resume mid-epoch, bounded reads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedReader } from '../../runner/datasets/packed.js';
import { batchesPerEpoch, epochBatches, mirrorImage } from '../../runner/training/batches.js';
import { makeBlobDataset } from './helpers.js';

const dir = makeBlobDataset(53, 32, 3);
const collect = (o: Parameters<typeof epochBatches>[1]) => {
  const r = new PackedReader(dir);
  const out = [...epochBatches(r, o)].map((b) => ({ index: b.index, indices: Array.from(b.indices), pixels: Buffer.from(b.pixels) }));
  r.close();
  return out;
};
const base = { seed: 5, epoch: 0, batchSize: 8, count: 50, mirror: false };

test('an epoch visits distinct images from [0, count) in whole batches', () => {
  const bs = collect(base);
  assert.equal(bs.length, batchesPerEpoch(50, 8));
  const all = bs.flatMap((b) => b.indices);
  assert.equal(new Set(all).size, 48);
  assert.ok(all.every((i) => i < 50), 'held-out images (>= count) never appear');
  assert.notDeepEqual(all, [...all].sort((a, b) => a - b), 'shuffled');
});

test('order is a function of (seed, epoch)', () => {
  assert.deepEqual(collect(base).map((b) => b.indices), collect(base).map((b) => b.indices));
  assert.notDeepEqual(collect(base).map((b) => b.indices), collect({ ...base, epoch: 1 }).map((b) => b.indices));
  assert.notDeepEqual(collect(base).map((b) => b.indices), collect({ ...base, seed: 6 }).map((b) => b.indices));
});

test('starting at a batch index reproduces the tail of the epoch (resume)', () => {
  const full = collect({ ...base, mirror: true });
  const tail = collect({ ...base, mirror: true, fromBatch: 3 });
  assert.deepEqual(tail.map((b) => b.index), [3, 4, 5]);
  tail.forEach((b, k) => assert.ok(b.pixels.equals(full[k + 3]!.pixels)));
  assert.equal(collect({ ...base, limit: 2 }).length, 2);
});

test('mirror flips about half the images left-right, deterministically', () => {
  const plain = collect(base), mir = collect({ ...base, mirror: true });
  const img = 32 * 32 * 3;
  let flipped = 0, total = 0;
  plain.forEach((b, k) => {
    for (let j = 0; j < 8; j++) {
      const a = b.pixels.subarray(j * img, (j + 1) * img), m = mir[k]!.pixels.subarray(j * img, (j + 1) * img);
      total++;
      if (a.equals(m)) continue;
      const copy = new Uint8Array(a);
      mirrorImage(copy, 0, 32, 3);
      assert.ok(Buffer.from(copy).equals(m), 'a changed image is exactly the mirror');
      flipped++;
    }
  });
  assert.ok(flipped > total * 0.25 && flipped < total * 0.75, `${flipped}/${total} flipped`);
  assert.deepEqual(mir.map((b) => b.pixels), collect({ ...base, mirror: true }).map((b) => b.pixels));
});

test('mirrorImage: pixel (x, y) moves to (R-1-x, y), twice is identity', () => {
  const R = 4, C = 3, p = new Uint8Array(2 * R * R * C).map((_, i) => i % 251);
  const q = new Uint8Array(p);
  mirrorImage(q, 1, R, C);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) for (let c = 0; c < C; c++) {
    assert.equal(q[R * R * C + (y * R + x) * C + c], p[R * R * C + (y * R + (R - 1 - x)) * C + c]);
  }
  assert.ok(Buffer.from(q.subarray(0, R * R * C)).equals(Buffer.from(p.subarray(0, R * R * C))), 'other images untouched');
  mirrorImage(q, 1, R, C);
  assert.deepEqual(q, p);
});

test('reads never exceed one batch of images', () => {
  const r = new PackedReader(dir);
  let most = 0;
  const orig = r.readRange.bind(r);
  r.readRange = (s, n, into) => { most = Math.max(most, n); return orig(s, n, into); };
  let maxBuf = 0;
  for (const b of epochBatches(r, base)) maxBuf = Math.max(maxBuf, b.pixels.length);
  r.close();
  assert.ok(most <= 8);
  assert.equal(maxBuf, 8 * 32 * 32 * 3);
});
