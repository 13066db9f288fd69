/** Level blending of reals: x(l, a) = a * x_l + (1 - a) * up(x_{l-1}) on known pixels, and level checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../runner/compute/backend.js';
import * as tf from '@tensorflow/tfjs-core';
import { blendReals, checkLevel, greyComposite } from '../../runner/evaluation/reals.js';
import { UserError } from '../../runner/errors.js';

await tf.setBackend('cpu');

/** A 4x4 RGB image whose R channel is `r`, G = 255 - r, B = 10. */
function image4(r: number[]): Uint8Array {
  const px = new Uint8Array(16 * 3);
  for (let i = 0; i < 16; i++) { px[i * 3] = r[i]!; px[i * 3 + 1] = 255 - r[i]!; px[i * 3 + 2] = 10; }
  return px;
}

const R = [
  0, 40, 100, 100,
  80, 120, 100, 100,
  255, 255, 0, 0,
  255, 251, 0, 8,
];

test('alpha 1 at the dataset resolution is the image itself', () => {
  const x = image4(R);
  assert.deepEqual(blendReals(x, 1, 4, 4, 1), x);
});

test('fade at the dataset resolution matches a * x + (1 - a) * nearest-up(box-down(x)) per pixel', () => {
  const x = image4(R);
  for (const a of [0, 0.25, 0.5, 0.9]) {
    const got = blendReals(x, 1, 4, 4, a);
    for (let yy = 0; yy < 4; yy++) {
      for (let xx = 0; xx < 4; xx++) {
        // 2x2 box mean of the block containing (yy, xx), in [-1, 1] units as the trainer computes it.
        const by = yy & ~1, bx = xx & ~1;
        for (let c = 0; c < 3; c++) {
          const v = (y: number, x_: number): number => x[(y * 4 + x_) * 3 + c]! / 127.5 - 1;
          const mean = (v(by, bx) + v(by, bx + 1) + v(by + 1, bx) + v(by + 1, bx + 1)) / 4;
          const want = Math.round((a * v(yy, xx) + (1 - a) * mean + 1) * 127.5);
          assert.ok(Math.abs(got[(yy * 4 + xx) * 3 + c]! - want) <= 0, `a=${a} (${yy},${xx},${c}): ${got[(yy * 4 + xx) * 3 + c]} vs ${want}`);
        }
      }
    }
  }
  // Concretely: top-left block R = [0, 40, 80, 120] has mean 60; at a = 0.5 pixel (0,0) is 30.
  assert.equal(blendReals(x, 1, 4, 4, 0.5)[0], 30);
});

test('a lower level is the box-downsampled image, faded with its own half', () => {
  const x = image4(R);
  const l2 = blendReals(x, 1, 4, 2, 1);
  assert.deepEqual([l2[0], l2[3], l2[6], l2[9]], [60, 100, 254, 2]); // R means of the four blocks (253.5 -> 254, 2)
  const faded = blendReals(x, 1, 4, 2, 0);
  // alpha 0 at level 2: every pixel is the mean of the whole 4x4 image (a 1x1 level up-scaled).
  const all = R.reduce((s, v) => s + v, 0) / 16;
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(faded[i * 3]! - all) <= 0.5 + 1e-9, `${faded[i * 3]} vs ${all}`);
});

test('batches blend image by image', () => {
  const a = image4(R), b = image4(R.map((v) => 255 - v));
  const both = new Uint8Array([...a, ...b]);
  const got = blendReals(both, 2, 4, 4, 0.3);
  assert.deepEqual(got.subarray(0, 48), blendReals(a, 1, 4, 4, 0.3));
  assert.deepEqual(got.subarray(48), blendReals(b, 1, 4, 4, 0.3));
});

test('level and alpha checks are UserErrors naming the param', () => {
  assert.throws(() => checkLevel(24, 32, 1, 'stage s: params'), (e: unknown) => e instanceof UserError && /params\.level: 24/.test(e.message));
  assert.throws(() => checkLevel(64, 32, 1, 'stage s: params'), UserError);
  assert.throws(() => checkLevel(25, 100, 0.5, 'stage s: params'), (e: unknown) => e instanceof UserError && /params\.alpha/.test(e.message));
  checkLevel(8, 32, 0.5, 'x');
  checkLevel(100, 100, 1, 'x');
});

test('grey compositing of reals uses the soft mask', () => {
  const x = image4(R);
  const m = new Uint8Array(16).fill(0);
  m[0] = 255; m[1] = 128;
  const g = greyComposite(x, m, 1, 4, 128);
  assert.deepEqual([g[0], g[1], g[2]], [0, 255, 10]);
  assert.equal(g[3], Math.round((128 * 40 + 127 * 128) / 255));
  assert.deepEqual([g[6], g[7], g[8]], [128, 128, 128]);
});
