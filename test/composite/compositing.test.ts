/**
 * Compositing maths on hand-built images: the Gaussian blur equals scipy's
 * gaussian_filter(mode='reflect', truncate=4) (reference values computed once with scipy 1.x and
 * pasted below), a constant stays constant, grey compositing is exact (hard and soft masks), and the
 * normalised masked blur keeps face colour out of the background while a plain blur does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianBlurPlanes, gaussianKernel, gaussianRadius, reflectIndex } from '../../runner/imaging/blur.js';
import { blurRgb, compositeBlur, compositeGrey, maskedBlurBackground } from '../../runner/imaging/composite.js';

/** Deterministic pseudo-random bytes (LCG), so tests need no PRNG module. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; out[i] = s >>> 24; }
  return out;
}

// x[i][j] = ((7i + 13j) mod 17) * 15, 5 rows x 6 columns.
const X = Array.from({ length: 5 }, (_, i) => Array.from({ length: 6 }, (_, j) => ((i * 7 + j * 13) % 17) * 15)).flat();
// scipy.ndimage.gaussian_filter(x, 1.3, mode='reflect', truncate=4.0)
const SCIPY_13 = [97.915655, 114.208687, 123.886397, 119.159836, 116.455885, 121.813153, 108.272957, 117.999192, 125.202866, 123.371575, 120.301855, 120.954394, 114.922675, 117.886816, 123.244909, 125.650109, 122.715016, 118.354425, 113.653019, 113.926476, 121.13015, 128.751637, 125.681917, 116.881678, 112.886953, 112.310425, 121.988135, 134.131134, 131.427184, 119.914891];
// sigma 3: the kernel (radius 12) is wider than the image, so the reflection folds repeatedly.
const SCIPY_3 = [116.894294, 117.500053, 118.482626, 119.510416, 120.309363, 120.732146, 117.127142, 117.731714, 118.712487, 119.738393, 120.535676, 120.957406, 117.498425, 118.102145, 119.081804, 120.106656, 120.902899, 121.323851, 117.861539, 118.465727, 119.4465, 120.472789, 121.270072, 121.691418, 118.080531, 118.68567, 119.668243, 120.696652, 121.4956, 121.917763];

test('kernel: scipy radius rule, symmetric, sums to 1', () => {
  assert.equal(gaussianRadius(1.3), 5);
  assert.equal(gaussianRadius(3), 12);
  assert.equal(gaussianRadius(0.1), 0);
  const w = gaussianKernel(2.2);
  assert.equal(w.length, 2 * 9 + 1);
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  for (let k = 0; k < w.length; k++) assert.equal(w[k], w[w.length - 1 - k]);
  assert.throws(() => gaussianKernel(0));
});

test('reflect border is half-sample symmetric and folds', () => {
  const n = 4;
  assert.deepEqual([-5, -4, -3, -2, -1, 0, 3, 4, 5, 7, 8, 12].map((i) => reflectIndex(i, n)), [3, 3, 2, 1, 0, 0, 3, 3, 2, 0, 0, 3]);
});

test('blur equals scipy gaussian_filter(mode=reflect, truncate=4)', () => {
  for (const [sigma, want] of [[1.3, SCIPY_13], [3, SCIPY_3]] as const) {
    const a = Float32Array.from(X);
    gaussianBlurPlanes(a, 6, 5, 1, sigma);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - want[i]!) < 2e-4, `sigma ${sigma} [${i}]: ${a[i]} vs ${want[i]}`);
  }
});

test('blur of a constant stays constant; planes are independent', () => {
  const w = 9, h = 7;
  const a = new Float32Array(w * h * 2);
  a.fill(37.25, 0, w * h);
  a.set(Float32Array.from(X.concat(X, X).slice(0, w * h)), w * h);
  const second = a.slice(w * h);
  gaussianBlurPlanes(second, w, h, 1, 2.5);
  gaussianBlurPlanes(a, w, h, 2, 2.5);
  for (let i = 0; i < w * h; i++) assert.ok(Math.abs(a[i]! - 37.25) < 1e-4, `${a[i]}`);
  assert.deepEqual(a.slice(w * h), second);
});

test('grey, hard mask: exact grey outside, exact original inside', () => {
  const n = 8 * 8;
  const rgb = bytes(n * 3, 1);
  const mask = new Uint8Array(n);
  for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) mask[y * 8 + x] = 255;
  for (const g of [0, 128, 255]) {
    const out = compositeGrey(rgb, mask, g);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) assert.equal(out[i * 3 + c], mask[i] ? rgb[i * 3 + c] : g);
  }
});

test('grey, soft mask: exact linear mix round((m*fg + (255-m)*g)/255)', () => {
  const n = 16 * 16;
  const rgb = bytes(n * 3, 2);
  const mask = Uint8Array.from({ length: n }, (_, i) => i % 256);
  const out = compositeGrey(rgb, mask, 100);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const num = mask[i]! * rgb[i * 3 + c]! + (255 - mask[i]!) * 100; // integer; round half up via integers
      assert.equal(out[i * 3 + c], Math.floor((2 * num + 255) / 510));
    }
  }
  // A known pixel: m = 51 (alpha 0.2), fg 200, grey 100 -> 0.2*200 + 0.8*100 = 120.
  assert.deepEqual([...compositeGrey(Uint8Array.of(200, 0, 255), Uint8Array.of(51), 100)], [120, 80, 131]);
});

/** 12x12: red face square in the middle (hard mask), flat blue background. */
function redOnBlue(): { rgb: Uint8Array; mask: Uint8Array; size: number } {
  const size = 12;
  const rgb = new Uint8Array(size * size * 3);
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const i = y * size + x;
    const face = x >= 4 && x < 8 && y >= 4 && y < 8;
    mask[i] = face ? 255 : 0;
    rgb.set(face ? [255, 0, 0] : [0, 0, 255], i * 3);
  }
  return { rgb, mask, size };
}

test('masked blur: constant background stays exactly constant, face unchanged', () => {
  const { rgb, mask, size } = redOnBlue();
  const out = compositeBlur(rgb, mask, size, size, 3);
  assert.deepEqual(out, rgb);
});

test('masked blur keeps face colour out of the background; a plain blur leaks it', () => {
  const { rgb, mask, size } = redOnBlue();
  const bg = maskedBlurBackground(rgb, mask, size, size, 3);
  const plain = blurRgb(rgb, size, size, 3);
  let maxLeak = 0, maxPlain = 0;
  for (let i = 0; i < size * size; i++) {
    if (mask[i]) continue;
    maxLeak = Math.max(maxLeak, bg[i * 3]!, 255 - bg[i * 3 + 2]!);
    maxPlain = Math.max(maxPlain, plain[i * 3]!);
  }
  assert.ok(maxLeak < 1e-3, `masked blur leaked ${maxLeak} of red into the background`);
  assert.ok(maxPlain > 40, `the plain blur should leak (got ${maxPlain}); otherwise this test proves nothing`);
});

test('masked blur: background is a weighted mean of background pixels only', () => {
  // Random background, random face, hard mask: every background value lies within the range of
  // background colours, whatever the face holds.
  const size = 10, n = size * size;
  const rgb = bytes(n * 3, 5);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if ((i * 7) % 10 < 4) mask[i] = 255;
  for (let i = 0; i < n; i++) if (mask[i]) rgb.set([255, 255, 255], i * 3);
  const bg = maskedBlurBackground(rgb, mask, size, size, 2);
  const max = [0, 1, 2].map((c) => Math.max(...[...mask.keys()].filter((i) => !mask[i]).map((i) => rgb[i * 3 + c]!)));
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) assert.ok(bg[i * 3 + c]! <= max[c]! + 1e-3);
});

test('masked blur with a soft mask matches a direct float64 reference within rounding', () => {
  const size = 8, n = size * size, sigma = 1.7;
  const rgb = bytes(n * 3, 9);
  const mask = bytes(n, 10);
  // Reference: direct 2-D convolution (not separable) of the definition, in float64.
  const w = gaussianKernel(sigma);
  const r = (w.length - 1) / 2;
  const want = new Uint8Array(n * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const acc = [0, 0, 0];
    let den = 0;
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) {
      const j = reflectIndex(y + dy, size) * size + reflectIndex(x + dx, size);
      const k = w[dy + r]! * w[dx + r]! * (1 - mask[j]! / 255);
      den += k;
      for (let c = 0; c < 3; c++) acc[c]! += k * rgb[j * 3 + c]!;
    }
    const i = y * size + x;
    const a = mask[i]! / 255;
    for (let c = 0; c < 3; c++) want[i * 3 + c] = Math.round(a * rgb[i * 3 + c]! + (1 - a) * (acc[c]! / den));
  }
  const got = compositeBlur(rgb, mask, size, size, sigma);
  let maxDiff = 0;
  for (let i = 0; i < n * 3; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
  assert.ok(maxDiff <= 1, `max difference ${maxDiff}`);
});

test('masked blur: no background at all leaves the image unchanged; no face gives a plain blur', () => {
  const size = 6, n = size * size;
  const rgb = bytes(n * 3, 11);
  assert.deepEqual(compositeBlur(rgb, new Uint8Array(n).fill(255), size, size, 2), rgb);
  const plain = blurRgb(rgb, size, size, 2);
  const got = compositeBlur(rgb, new Uint8Array(n), size, size, 2);
  for (let i = 0; i < n * 3; i++) assert.ok(Math.abs(got[i]! - plain[i]!) <= 0.5 + 1e-3);
});
