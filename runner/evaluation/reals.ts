/**
 * Real images as the evaluation sees them at a progressive level l with fade factor a (paper 3.2):
 *
 *   x(l, a) = a * x_l + (1 - a) * upscale(x_{l-1})
 *
 * x_l is the dataset image box-downsampled to l px and x_{l-1} its 2x2 box-downsampled half, brought
 * back to l px by nearest-neighbour upsampling. This is exactly the StyleGAN trainer's `realBatch`
 * (runner/models/stylegan/loop.ts), which is called here rather than re-implemented, so training and
 * evaluation blend identically. The result is rounded to uint8 like a generated sample (both sides
 * are quantised the same way before feature extraction, as when FID is computed from PNG files).
 *
 * Also: optional grey-background compositing of the full-resolution reals before blending (for the
 * masked FID), with runner/imaging/composite.ts's `compositeGrey`. No I/O here.
 */
import { UserError } from '../errors.js';
import { compositeGrey } from '../imaging/composite.js';
import { realBatch, toUint8 } from '../models/stylegan/loop.js';

/** Checks that `level` is reachable from the dataset resolution by halving and that a < 1 has a lower level. */
export function checkLevel(level: number, datasetRes: number, alpha: number, where: string): void {
  let r = datasetRes;
  while (r > level && r % 2 === 0) r /= 2;
  if (r !== level) throw new UserError(`${where}.level: ${level} px cannot be reached from the dataset's ${datasetRes} px by halving (use ${datasetRes}, ${datasetRes / 2}, ...)`);
  if (!(alpha >= 0 && alpha <= 1)) throw new UserError(`${where}.alpha: ${alpha} must be in [0, 1]`);
  if (alpha < 1 && level % 2 !== 0) throw new UserError(`${where}.alpha: ${alpha} < 1 blends with level ${level / 2} px, which does not exist; use alpha 1`);
}

/** `n` dataset images (uint8 NHWC RGB at datasetRes) -> uint8 NHWC at `level`, faded by `alpha`. */
export function blendReals(pixels: Uint8Array, n: number, datasetRes: number, level: number, alpha: number): Uint8Array {
  if (level === datasetRes && alpha >= 1) return pixels; // identity: skip the float round trip
  const t = realBatch(pixels, n, datasetRes, level, alpha);
  try {
    return toUint8(t);
  } finally {
    t.dispose();
  }
}

/** Composites `n` RGB images onto a grey background with their masks (1 byte per pixel), in place of a copy. */
export function greyComposite(pixels: Uint8Array, masks: Uint8Array, n: number, res: number, grey: number): Uint8Array {
  const px = res * res;
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < n; i++) {
    compositeGrey(pixels.subarray(i * px * 3, (i + 1) * px * 3), masks.subarray(i * px, (i + 1) * px), grey, out.subarray(i * px * 3, (i + 1) * px * 3));
  }
  return out;
}
