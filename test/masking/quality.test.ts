/** IoU (binarised at 0.5) and MAE on masks with known answers, and the summary statistics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskIoU, maskMAE, summarize } from '../../runner/masking/quality.js';

test('IoU of overlapping rectangles', () => {
  // 4x4 masks: A = left 2 columns, B = left 3 columns -> |A and B| = 8, |A or B| = 12.
  const a = new Uint8Array(16), b = new Uint8Array(16);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) { if (x < 2) a[y * 4 + x] = 255; if (x < 3) b[y * 4 + x] = 200; }
  assert.equal(maskIoU(a, b), 8 / 12);
  assert.equal(maskIoU(a, a), 1);
});

test('IoU binarises at 0.5: 127 is background, 128 is foreground', () => {
  assert.equal(maskIoU(Uint8Array.from([127, 128]), Uint8Array.from([0, 255])), 1);
  assert.equal(maskIoU(Uint8Array.from([128, 0]), Uint8Array.from([0, 255])), 0);
  assert.equal(maskIoU(new Uint8Array(4), new Uint8Array(4)), 1, 'two empty masks agree');
});

test('MAE is the mean absolute difference in 0..1', () => {
  assert.equal(maskMAE(Uint8Array.from([0, 255, 100, 50]), Uint8Array.from([255, 255, 0, 50])), (255 + 0 + 100 + 0) / 4 / 255);
  assert.equal(maskMAE(Uint8Array.from([9]), Uint8Array.from([9])), 0);
  assert.throws(() => maskMAE(new Uint8Array(2), new Uint8Array(3)), /sizes differ/);
});

test('summary: mean, median (odd and even), min, max', () => {
  const s = summarize([0.9, 0.5, 1]);
  assert.ok(Math.abs(s.mean - 0.8) < 1e-12);
  assert.deepEqual([s.median, s.min, s.max], [0.9, 0.5, 1]);
  assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
});
