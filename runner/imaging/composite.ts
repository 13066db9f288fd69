/**
 * Background replacement maths for the `composite` stage: a foreground image over a new background
 * with a soft mask (alpha = mask / 255, so anti-aliased edges are blended, not haloed):
 *
 *   out = alpha * fg + (1 - alpha) * bg,   rounded to the nearest integer, in sRGB values
 *
 *   grey   bg = a constant level. Computed in integers, (m*fg + (255-m)*g) / 255 rounded, which is
 *          exact (n/255 never ends in .5), so m = 255 gives fg and m = 0 gives g bit for bit.
 *   blur   bg = normalised masked blur:  G*(img * (1-alpha)) / G*(1-alpha), per channel, G the
 *          Gaussian of blur.ts. A plain G*img would mix face colours into the background near the
 *          face (a halo); the normalised form averages only background pixels, so every background
 *          value is a weighted mean of background colours. Where G*(1-alpha) is 0 (no background
 *          within the kernel) alpha is 1 there and the background does not matter; the image's
 *          mean background colour is used so the value stays defined.
 * Compositing is done on gamma-encoded sRGB values, as rembg / PIL do. Also: `figure1Png`, the
 * paper's Figure 1 strip (original | mask | blurred | grey per row). No I/O here.
 */
import { gaussianBlurPlanes } from './blur.js';
import { gridPng } from './grid.js';

/** Grey-background composite of `rgb` (n pixels, interleaved RGB) with `mask` (n bytes). */
export function compositeGrey(rgb: Uint8Array, mask: Uint8Array, grey: number, out: Uint8Array = new Uint8Array(rgb.length)): Uint8Array {
  const n = mask.length;
  if (rgb.length !== n * 3 || out.length !== n * 3) throw new Error(`compositeGrey: ${rgb.length} RGB bytes for a ${n}-pixel mask`);
  for (let i = 0; i < n; i++) {
    const m = mask[i]!;
    const g = (255 - m) * grey;
    const o = i * 3;
    out[o] = Math.round((m * rgb[o]! + g) / 255);
    out[o + 1] = Math.round((m * rgb[o + 1]! + g) / 255);
    out[o + 2] = Math.round((m * rgb[o + 2]! + g) / 255);
  }
  return out;
}

/** Plain Gaussian blur of an RGB image, interleaved float32 (the haloing background, for comparison). */
export function blurRgb(rgb: Uint8Array, width: number, height: number, sigma: number): Float32Array {
  const n = width * height;
  const planes = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planes[c * n + i] = rgb[i * 3 + c]!;
  gaussianBlurPlanes(planes, width, height, 3, sigma);
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = planes[c * n + i]!;
  return out;
}

/**
 * The normalised masked blur background, interleaved float32 RGB in [0, 255]. `planes` is optional
 * scratch space of 4 * width * height floats (reused across images by the stage).
 */
export function maskedBlurBackground(
  rgb: Uint8Array, mask: Uint8Array, width: number, height: number, sigma: number,
  planes: Float32Array = new Float32Array(width * height * 4), out: Float32Array = new Float32Array(width * height * 3),
): Float32Array {
  const n = width * height;
  if (mask.length !== n || rgb.length !== n * 3) throw new Error(`maskedBlurBackground: ${rgb.length} RGB / ${mask.length} mask bytes for ${width}x${height}`);
  // Planes 0-2: colour weighted by background-ness; plane 3: background-ness (1 - alpha).
  let sw = 0, sr = 0, sg = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    const b = (255 - mask[i]!) / 255;
    const o = i * 3;
    planes[i] = b * rgb[o]!;
    planes[n + i] = b * rgb[o + 1]!;
    planes[2 * n + i] = b * rgb[o + 2]!;
    planes[3 * n + i] = b;
    sw += b; sr += b * rgb[o]!; sg += b * rgb[o + 1]!; sb += b * rgb[o + 2]!;
  }
  const fallback = sw > 0 ? [sr / sw, sg / sw, sb / sw] : [0, 0, 0];
  gaussianBlurPlanes(planes, width, height, 4, sigma);
  for (let i = 0; i < n; i++) {
    const d = planes[3 * n + i]!;
    const o = i * 3;
    if (d > 1e-12) {
      // Ratios of positive sums: a convex combination of background colours; clamp only float dust.
      out[o] = Math.min(255, Math.max(0, planes[i]! / d));
      out[o + 1] = Math.min(255, Math.max(0, planes[n + i]! / d));
      out[o + 2] = Math.min(255, Math.max(0, planes[2 * n + i]! / d));
    } else {
      out[o] = fallback[0]!; out[o + 1] = fallback[1]!; out[o + 2] = fallback[2]!;
    }
  }
  return out;
}

/** Composites `rgb` over a float background `bg` (interleaved RGB) with the soft mask. */
export function compositeOver(rgb: Uint8Array, mask: Uint8Array, bg: Float32Array, out: Uint8Array = new Uint8Array(rgb.length)): Uint8Array {
  const n = mask.length;
  for (let i = 0; i < n; i++) {
    const m = mask[i]!;
    const o = i * 3;
    for (let c = 0; c < 3; c++) {
      const v = Math.round((m * rgb[o + c]! + (255 - m) * bg[o + c]!) / 255);
      out[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/** Blurred-background composite (normalised masked blur). */
export function compositeBlur(rgb: Uint8Array, mask: Uint8Array, width: number, height: number, sigma: number, out: Uint8Array = new Uint8Array(rgb.length)): Uint8Array {
  return compositeOver(rgb, mask, maskedBlurBackground(rgb, mask, width, height, sigma), out);
}

/** Reusable per-resolution compositor (keeps scratch buffers between images). */
export class BlurCompositor {
  private readonly planes: Float32Array;
  private readonly bg: Float32Array;
  constructor(readonly size: number, readonly sigma: number) {
    this.planes = new Float32Array(size * size * 4);
    this.bg = new Float32Array(size * size * 3);
  }
  composite(rgb: Uint8Array, mask: Uint8Array, out: Uint8Array): Uint8Array {
    maskedBlurBackground(rgb, mask, this.size, this.size, this.sigma, this.planes, this.bg);
    return compositeOver(rgb, mask, this.bg, out);
  }
}

/** Sigma in pixels for a sigma given as a fraction of the image side. */
export function sigmaPixels(fraction: number, size: number): number {
  return fraction * size;
}

/**
 * The paper's Figure 1 as a PNG: one row per image, columns original | mask | blurred | grey.
 * Small images are upscaled (nearest neighbour) to at least 128 px per tile so the strip reads.
 */
export async function figure1Png(rows: Array<{ rgb: Uint8Array; mask: Uint8Array }>, size: number, grey: number, sigmaPx: number): Promise<Buffer> {
  const tiles: Uint8Array[] = [];
  for (const { rgb, mask } of rows) {
    const m3 = new Uint8Array(mask.length * 3);
    for (let i = 0; i < mask.length; i++) m3[i * 3] = m3[i * 3 + 1] = m3[i * 3 + 2] = mask[i]!;
    tiles.push(rgb, m3, compositeBlur(rgb, mask, size, size, sigmaPx), compositeGrey(rgb, mask, grey));
  }
  return gridPng(tiles, size, 3, { cols: 4, pad: 2, zoom: Math.max(1, Math.ceil(128 / size)) });
}
