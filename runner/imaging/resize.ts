/**
 * Square crops and resizes through sharp/libvips. `centreCrop` is the exact box used everywhere
 * (floor of the centred offset), so tests and other stages can reproduce it; `squareRgb` decodes a
 * file's bytes to `resolution` x `resolution` 8-bit sRGB with the policy of decode.ts; `resizeRaw`
 * resizes raw pixels already in memory (e.g. 128 px images down to a training level).
 */
import sharp from 'sharp';
import { conversionsFor, decodeProblem, inspectImage, parseHexColour, type Conversion } from './decode.js';

export type Kernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';

/** Largest centred square of a w x h image: left/top offsets round down. */
export function centreCrop(width: number, height: number): { left: number; top: number; side: number } {
  const side = Math.min(width, height);
  return { left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), side };
}

export interface SquareOptions {
  resolution: number;
  /** Largest accepted width * height (sharp's limitInputPixels). */
  maxPixels: number;
  /** '#rrggbb' the alpha channel is flattened on. */
  alphaBackground: string;
  kernel?: Kernel;
}

export interface SquareResult {
  /** resolution * resolution * 3 bytes, interleaved RGB. */
  rgb: Uint8Array;
  /** Upright source size. */
  width: number;
  height: number;
  format: string;
  conversions: Conversion[];
}

/**
 * Decodes image bytes, applies EXIF orientation, flattens alpha, converts to 8-bit sRGB, takes the
 * centred square and resizes it with `kernel` (default lanczos3). Throws ImageProblem for bad files.
 */
export async function squareRgb(bytes: Buffer, o: SquareOptions): Promise<SquareResult> {
  const header = await inspectImage(bytes, o.maxPixels);
  const conversions = conversionsFor(header, o.alphaBackground);
  const crop = centreCrop(header.uprightWidth, header.uprightHeight);
  if (crop.side < o.resolution) conversions.push({ code: 'upscaled', detail: `centre square ${crop.side}px enlarged to ${o.resolution}px` });
  let img = sharp(bytes, { limitInputPixels: o.maxPixels, failOn: 'warning' });
  if (header.orientation > 1) img = img.rotate();
  if (header.hasAlpha) img = img.flatten({ background: parseHexColour(o.alphaBackground) });
  if (crop.side !== header.uprightWidth || crop.side !== header.uprightHeight) img = img.extract({ left: crop.left, top: crop.top, width: crop.side, height: crop.side });
  if (crop.side !== o.resolution) {
    // fastShrinkOnLoad off: the JPEG DCT pre-shrink would replace part of the Lanczos filter.
    img = img.resize(o.resolution, o.resolution, { kernel: o.kernel ?? 'lanczos3', fit: 'fill', fastShrinkOnLoad: false });
  }
  let data: Buffer;
  try {
    data = await img.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer();
  } catch (e) {
    throw decodeProblem(bytes, header.format, e);
  }
  if (data.length !== o.resolution * o.resolution * 3) throw new Error(`squareRgb: got ${data.length} bytes, expected ${o.resolution * o.resolution * 3}`);
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), width: header.uprightWidth, height: header.uprightHeight, format: header.format, conversions };
}

/** Resizes raw interleaved pixels (any channel count 1-4) to `size` x `size`. */
export async function resizeRaw(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, size: number, kernel: Kernel = 'lanczos3'): Promise<Uint8Array> {
  const data = await sharp(pixels, { raw: { width, height, channels } })
    .resize(size, size, { kernel, fit: 'fill' })
    .raw()
    .toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
