/** Post-processing on known arrays: stretch/truncation, sigmoid, opening, blur, rembg clean-up, threshold. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binarize, cleanupMask, gaussian5, open3x3, predictionToMask, predictionToU8 } from '../../runner/masking/postprocess.js';

test('min-max stretch maps the prediction range to 0..255 and truncates like astype(uint8)', () => {
  const pred = Float32Array.from([0.2, 0.4, 0.6, 0.2 + 0.4 * (100.9 / 255)]);
  assert.deepEqual([...predictionToU8(pred)], [0, 127, 255, 100]);
  // Without stretch the raw value is scaled (0.6 * 255 = 153).
  assert.deepEqual([...predictionToU8(pred, { stretch: false })], [51, 102, 153, 91]);
});

test('a constant prediction becomes all background instead of NaN', () => {
  assert.deepEqual([...predictionToU8(Float32Array.from([3, 3, 3]))], [0, 0, 0]);
});

test('sigmoid is applied before the stretch (BiRefNet logits)', () => {
  // sigmoid(-inf-ish)=0, sigmoid(0)=0.5, sigmoid(big)=1 -> 0, 127, 255 after stretch.
  assert.deepEqual([...predictionToU8(Float32Array.from([-40, 0, 40]), { sigmoid: true })], [0, 127, 255]);
});

test('predictionToMask resizes the model-size mask to the image size', () => {
  const pred = new Float32Array(16 * 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) pred[y * 16 + x] = x >= 8 ? 1 : 0;
  const m = predictionToMask(pred, 16, 4, 4);
  assert.equal(m.length, 16);
  assert.deepEqual([m[0], m[3], m[12], m[15]], [0, 255, 0, 255]);
});

test('opening with a 3x3 cross removes an isolated pixel and keeps a solid block', () => {
  const w = 9, h = 9;
  const m = new Uint8Array(w * h);
  m[1 * w + 1] = 255; // speck
  for (let y = 3; y < 8; y++) for (let x = 3; x < 8; x++) m[y * w + x] = 255; // 5x5 block
  const o = open3x3(m, w, h);
  assert.equal(o[1 * w + 1], 0);
  assert.equal(o[5 * w + 5], 255);
  assert.equal(o[4 * w + 4], 255); // interior-adjacent pixels survive the opening
  // A cross opening rounds off the block's corners.
  assert.equal(o[3 * w + 3], 0);
});

test('Gaussian blur keeps a constant image and spreads an edge symmetrically', () => {
  assert.deepEqual([...gaussian5(new Uint8Array(25).fill(77), 5, 5)], new Array(25).fill(77));
  const step = new Uint8Array(10);
  for (let x = 5; x < 10; x++) step[x] = 200;
  const b = gaussian5(step, 10, 1);
  assert.ok(b[4]! > 0 && b[4]! < 100 && b[5]! > 100 && b[5]! < 200, `edge ${b[4]} ${b[5]}`);
  assert.equal(b[4]! + b[5]!, 200);
});

test('rembg clean-up yields a binary mask without specks', () => {
  const w = 12, h = 12;
  const m = new Uint8Array(w * h);
  m[0] = 255;
  for (let y = 3; y < 10; y++) for (let x = 3; x < 10; x++) m[y * w + x] = 240;
  const c = cleanupMask(m, w, h);
  assert.ok(c.every((v) => v === 0 || v === 255));
  assert.equal(c[0], 0);
  assert.equal(c[6 * w + 6], 255);
});

test('threshold binarises at a fraction of full scale', () => {
  assert.deepEqual([...binarize(Uint8Array.from([0, 127, 128, 255]), 0.5)], [0, 0, 255, 255]);
  assert.deepEqual([...binarize(Uint8Array.from([0, 25, 26, 255]), 0.1)], [0, 0, 255, 255]);
});
