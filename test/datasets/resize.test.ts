/**
 * Centre crop + Lanczos resize on synthetic patterns: the crop box is the centred square (wide and
 * tall sources, odd margins), nothing outside it leaks in, quadrants land where they should, and
 * the filter is Lanczos (differs from nearest, preserves a flat colour exactly).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { centreCrop, squareRgb } from '../../runner/imaging/resize.js';

const opts = { maxPixels: 1e8, alphaBackground: '#ffffff' };

/** w x h image: the centred square has four coloured quadrants; the margins are pure green. */
async function quadrants(w: number, h: number): Promise<Buffer> {
  const { left, top, side } = centreCrop(w, h);
  const b = Buffer.alloc(w * h * 3);
  const colours = [[255, 0, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255]];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= left && x < left + side && y >= top && y < top + side;
      const q = (y - top < side / 2 ? 0 : 2) + (x - left < side / 2 ? 0 : 1);
      const c = inside ? colours[q]! : [0, 255, 0];
      b.set(c, (y * w + x) * 3);
    }
  }
  return sharp(b, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

test('centreCrop picks the centred square, rounding the offset down', () => {
  assert.deepEqual(centreCrop(300, 200), { left: 50, top: 0, side: 200 });
  assert.deepEqual(centreCrop(200, 301), { left: 0, top: 50, side: 200 });
  assert.deepEqual(centreCrop(64, 64), { left: 0, top: 0, side: 64 });
});

for (const [w, h] of [[300, 200], [200, 301], [97, 160]] as const) {
  test(`${w}x${h}: margins are cropped away and quadrants keep their place`, async () => {
    const r = await squareRgb(await quadrants(w, h), { resolution: 32, ...opts });
    assert.equal(r.rgb.length, 32 * 32 * 3);
    assert.deepEqual(r.conversions, []);
    for (let i = 0; i < 32 * 32; i++) {
      const [R, G, B] = [r.rgb[i * 3]!, r.rgb[i * 3 + 1]!, r.rgb[i * 3 + 2]!];
      // Green only appears mixed with red (the yellow quadrant), never on its own.
      assert.ok(!(G > 60 && R < 128), `pixel ${i} shows the green margin: ${R},${G},${B}`);
    }
    const at = (x: number, y: number): number[] => Array.from(r.rgb.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
    assert.deepEqual(at(4, 4), [255, 0, 0]);
    assert.deepEqual(at(27, 4), [0, 0, 255]);
    assert.deepEqual(at(4, 27), [255, 255, 0]);
    assert.deepEqual(at(27, 27), [255, 0, 255]);
  });
}

test('the resize kernel is Lanczos-3: ringing near edges, unlike nearest; flat colour is exact', async () => {
  const src = await quadrants(256, 256);
  const lanczos = await squareRgb(src, { resolution: 20, ...opts });
  const nearest = await squareRgb(src, { resolution: 20, ...opts, kernel: 'nearest' });
  assert.notDeepEqual(lanczos.rgb, nearest.rgb);
  // Lanczos blends the boundary between red (x<10) and blue (x>=10) on row 2: intermediate values.
  const row = Array.from({ length: 20 }, (_, x) => lanczos.rgb[(2 * 20 + x) * 3]!);
  assert.ok(row.some((v) => v > 0 && v < 255), `no blended pixel on the edge: ${row}`);
  const flat = await sharp({ create: { width: 90, height: 70, channels: 3, background: { r: 12, g: 200, b: 77 } } }).png().toBuffer();
  const f = await squareRgb(flat, { resolution: 16, ...opts });
  for (let i = 0; i < f.rgb.length; i += 3) assert.deepEqual([f.rgb[i], f.rgb[i + 1], f.rgb[i + 2]], [12, 200, 77]);
});

test('EXIF orientation is applied before cropping and recorded', async () => {
  // 60x30 stored with orientation 6 (rotate 90 cw): upright it is 30x60.
  const stored = await sharp(await quadrants(60, 30)).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
  const r = await squareRgb(stored, { resolution: 16, ...opts });
  assert.equal(r.width, 30);
  assert.equal(r.height, 60);
  assert.deepEqual(r.conversions.map((c) => c.code), ['orientation']);
});
