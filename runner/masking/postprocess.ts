/**
 * Model output -> 8-bit mask at the image's resolution, following rembg: optional sigmoid (BiRefNet),
 * min-max stretch of the prediction, x255 truncated to uint8, Pillow-exact Lanczos resize back.
 * Then the optional clean-ups the mask stage offers:
 *   - `cleanupMask`: rembg's post_process_mask, reimplemented: morphological opening with a 3x3
 *     cross (OpenCV's 3x3 ellipse), 5x5 Gaussian blur with sigma 2 (reflect-101 border), then
 *     binarise at 127. (Float Gaussian, so values can differ by one level from OpenCV's fixed-point
 *     blur before the threshold; the threshold hides that except exactly at 127.)
 *   - `binarize`: threshold a soft mask at a level in [0, 1].
 * Float32 rounding is emulated with Math.fround where numpy computes in float32.
 */
import { resizeLanczos } from './lanczos.js';

/** Prediction plane (float32, size*size) -> uint8 mask of the same size. */
export function predictionToU8(pred: Float32Array, opts: { sigmoid?: boolean; stretch?: boolean } = {}): Uint8Array {
  const n = pred.length;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = opts.sigmoid ? Math.fround(1 / (1 + Math.exp(-pred[i]!))) : pred[i]!;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { if (v[i]! < lo) lo = v[i]!; if (v[i]! > hi) hi = v[i]!; }
  const stretch = opts.stretch !== false;
  const range = Math.fround(hi - lo);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let x = v[i]!;
    // A constant prediction has no range: rembg would produce NaN (-> 0); keep it as all-background.
    if (stretch) x = range > 0 ? Math.fround(Math.fround(x - lo) / range) : 0;
    x = Math.fround(Math.min(1, Math.max(0, x)) * 255);
    out[i] = Math.trunc(x);
  }
  return out;
}

/** Full rembg post-model path for one square prediction plane, ending at outW x outH. */
export function predictionToMask(pred: Float32Array, size: number, outW: number, outH: number, opts: { sigmoid?: boolean; stretch?: boolean } = {}): Uint8Array {
  if (pred.length !== size * size) throw new Error(`predictionToMask: ${pred.length} values is not ${size}x${size}`);
  const u8 = predictionToU8(pred, opts);
  return size === outW && size === outH ? u8 : resizeLanczos(u8, size, size, 1, outW, outH);
}

/** Grey-level erosion (min) or dilation (max) with a 3x3 cross; pixels outside the image are ignored. */
function crossFilter(src: Uint8Array, w: number, h: number, op: 'min' | 'max'): Uint8Array {
  const out = new Uint8Array(src.length);
  const pick = op === 'min' ? Math.min : Math.max;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let v = src[i]!;
      if (x > 0) v = pick(v, src[i - 1]!);
      if (x < w - 1) v = pick(v, src[i + 1]!);
      if (y > 0) v = pick(v, src[i - w]!);
      if (y < h - 1) v = pick(v, src[i + w]!);
      out[i] = v;
    }
  }
  return out;
}

/** Morphological opening (erode then dilate) with a 3x3 cross. */
export function open3x3(src: Uint8Array, w: number, h: number): Uint8Array {
  return crossFilter(crossFilter(src, w, h, 'min'), w, h, 'max');
}

/** Reflect-101 index (OpenCV BORDER_DEFAULT): -1 -> 1, n -> n - 2. */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/** Separable 5x5 Gaussian blur, sigma 2, reflect-101 border, rounded to uint8. */
export function gaussian5(src: Uint8Array, w: number, h: number, sigma = 2): Uint8Array {
  const k = [-2, -1, 0, 1, 2].map((d) => Math.exp(-(d * d) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  for (let i = 0; i < 5; i++) k[i] = k[i]! / sum;
  const tmp = new Float64Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let d = -2; d <= 2; d++) s += k[d + 2]! * src[y * w + reflect101(x + d, w)]!;
      tmp[y * w + x] = s;
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let d = -2; d <= 2; d++) s += k[d + 2]! * tmp[reflect101(y + d, h) * w + x]!;
      out[y * w + x] = Math.min(255, Math.max(0, Math.round(s)));
    }
  }
  return out;
}

/** rembg's post_process_mask: opening, blur, then 0 below 127 and 255 from 127 up. */
export function cleanupMask(mask: Uint8Array, w: number, h: number): Uint8Array {
  const blurred = gaussian5(open3x3(mask, w, h), w, h);
  for (let i = 0; i < blurred.length; i++) blurred[i] = blurred[i]! < 127 ? 0 : 255;
  return blurred;
}

/** Binary mask: 255 where mask >= level * 255, else 0 (in place). */
export function binarize(mask: Uint8Array, level: number): Uint8Array {
  const cut = level * 255;
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i]! >= cut ? 255 : 0;
  return mask;
}
