/**
 * Image -> model input tensor, the way rembg prepares it (see ./models.ts for the per-family numbers):
 * convert to RGB, Pillow-exact Lanczos resize to the model size, divide by the resized image's maximum
 * value, subtract the mean and divide by the std per channel, write NCHW float32.
 * Arithmetic is in float64 and rounded to float32 once at the end, as numpy does before `astype`.
 */
import { resizeLanczos } from './lanczos.js';
import type { FamilySpec } from './models.js';

/** Interleaved image with 1 (grey), 3 (RGB) or 4 (RGBA) channels -> interleaved RGB. */
export function toRgb(pixels: Uint8Array, count: number, channels: number): Uint8Array {
  if (channels === 3) return pixels;
  if (channels !== 1 && channels !== 4) throw new Error(`toRgb: unsupported channel count ${channels}`);
  const out = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    if (channels === 1) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = pixels[i]!;
    else { out[i * 3] = pixels[i * 4]!; out[i * 3 + 1] = pixels[i * 4 + 1]!; out[i * 3 + 2] = pixels[i * 4 + 2]!; }
  }
  return out;
}

/**
 * Writes one image's normalised tensor into `out` at element offset `offset` (3 * size * size values).
 * `pixels` is interleaved height x width x channels uint8.
 */
export function writeModelInput(
  pixels: Uint8Array, width: number, height: number, channels: number,
  spec: Pick<FamilySpec, 'mean' | 'std'>, size: number, out: Float32Array, offset = 0,
): void {
  const rgb = toRgb(pixels, width * height, channels);
  const resized = width === size && height === size ? rgb : resizeLanczos(rgb, width, height, 3, size, size);
  let max = 0;
  for (let i = 0; i < resized.length; i++) if (resized[i]! > max) max = resized[i]!;
  if (max === 0) max = 1; // an all-black image: rembg would divide by zero; keep zeros instead of NaN
  const plane = size * size;
  for (let c = 0; c < 3; c++) {
    const mean = spec.mean[c]!, std = spec.std[c]!;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = (resized[i * 3 + c]! / max - mean) / std;
  }
}
