/**
 * Imaging helpers: the PNG writer is lossless for 1-4 channels (decoded back by libpng through
 * sharp), and sample grids place tiles, padding and zoom where they should.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePng, decodeRaw } from '../../runner/imaging/png.js';
import { gridRgb, gridPng } from '../../runner/imaging/grid.js';
import { Rng } from '../../runner/datasets/prng.js';

test('encodePng round-trips exactly for 1, 2, 3 and 4 channels', async () => {
  const rng = new Rng(1);
  for (const ch of [1, 2, 3, 4] as const) {
    const w = 37, h = 23;
    const px = new Uint8Array(w * h * ch);
    for (let i = 0; i < px.length; i++) px[i] = i % 7 === 0 ? rng.int(256) : (i * 13) & 255;
    const png = await encodePng(px, w, h, ch);
    const back = await decodeRaw(png);
    assert.deepEqual([back.width, back.height, back.channels], [w, h, ch]);
    assert.deepEqual(back.data, px);
    assert.deepEqual(await encodePng(px, w, h, ch), png, 'encoding is deterministic');
  }
});

test('grid: layout, padding colour, zoom, grey masks', async () => {
  const a = new Uint8Array(2 * 2 * 3).fill(10);
  const b = new Uint8Array(2 * 2 * 3).fill(200);
  const g = gridRgb([a, b, a], 2, 3, { cols: 2, pad: 1, padColour: [1, 2, 3], zoom: 2 });
  assert.equal(g.width, 2 * 4 + 3);
  assert.equal(g.height, 2 * 4 + 3);
  const at = (x: number, y: number): number[] => Array.from(g.rgb.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3));
  assert.deepEqual(at(0, 0), [1, 2, 3]);
  assert.deepEqual(at(1, 1), [10, 10, 10]);
  assert.deepEqual(at(4, 4), [10, 10, 10]);
  assert.deepEqual(at(6, 1), [200, 200, 200]);
  assert.deepEqual(at(6, 6), [1, 2, 3], 'empty 4th cell stays padding');
  const mask = gridRgb(new Uint8Array([0, 255, 128, 7]), 2, 1, { pad: 0 });
  assert.deepEqual(Array.from(mask.rgb.subarray(0, 6)), [0, 0, 0, 255, 255, 255]);
  const png = await gridPng([a, b], 2, 3);
  assert.equal((await decodeRaw(png)).width, 2 * 2 + 3 * 2);
});
