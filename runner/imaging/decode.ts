/**
 * Decoding untrusted image files into clean 8-bit sRGB, with a stated policy for every oddity:
 *
 *   problem (the file is bad; the dataset stage skips or fails on it)
 *     not-an-image        sharp cannot identify the bytes (text, HTML, empty, random data)
 *     unsupported-format  identified but not PNG / JPEG / WebP (GIF, TIFF, SVG, HEIF, ...)
 *     too-large           width * height above the pixel limit (checked from the header, before decoding)
 *     truncated           the file ends early (PNG without IEND, JPEG without EOI, WebP shorter than its RIFF size)
 *     corrupt             any other decode error
 *   conversion (the file is used; the change is recorded)
 *     cmyk        CMYK converted to sRGB (libvips, through lcms when a profile is embedded)
 *     16-bit      16-bit samples reduced to 8 bits
 *     grayscale   one grey channel replicated to R = G = B
 *     alpha       alpha flattened on the stated background colour
 *     orientation EXIF orientation applied (rotated / flipped upright)
 *     colourspace any other colour space (Lab, scRGB, ...) converted to sRGB
 *     upscaled    the centre square is smaller than the target resolution (enlarged, not bad)
 * Palette PNGs are expanded losslessly and not recorded. Scope: bytes in, pixels out; no file I/O.
 */
import sharp, { type Metadata } from 'sharp';

export type ProblemCode = 'not-an-image' | 'unsupported-format' | 'too-large' | 'truncated' | 'corrupt';
export type ConversionCode = 'cmyk' | '16-bit' | 'grayscale' | 'alpha' | 'orientation' | 'colourspace' | 'upscaled';

/**
 * A file that cannot be used. `code` and `detail` are deterministic (they go into hashed artifacts);
 * `decoder` is the library's own message, which can vary between runs and versions (logs only).
 */
export class ImageProblem extends Error {
  constructor(readonly code: ProblemCode, readonly detail: string, readonly decoder = '') {
    super(`${code}: ${detail}${decoder ? ` (${decoder})` : ''}`);
    this.name = 'ImageProblem';
  }
}

export interface Conversion {
  code: ConversionCode;
  detail: string;
}

export interface ImageHeader {
  format: 'png' | 'jpeg' | 'webp';
  /** Stored size (before EXIF orientation). */
  width: number;
  height: number;
  /** Size after EXIF orientation (what the user sees). */
  uprightWidth: number;
  uprightHeight: number;
  channels: number;
  space: string;
  depth: string;
  hasAlpha: boolean;
  orientation: number;
}

const ACCEPTED = new Set(['png', 'jpeg', 'webp']);

/** Reads only the header: identifies the format and checks the pixel limit before any decode. */
export async function inspectImage(bytes: Buffer, maxPixels: number): Promise<ImageHeader> {
  if (bytes.length === 0) throw new ImageProblem('not-an-image', 'empty file');
  let m: Metadata;
  try {
    // No pixel limit here: we compare the header's size ourselves to report it precisely.
    m = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    // A recognisable signature with a broken header is truncated or corrupt, not "not an image".
    const sniffed = sniffFormat(bytes);
    if (!sniffed) throw new ImageProblem('not-an-image', 'not a readable image (unknown signature)', firstLine(e));
    throw decodeProblem(bytes, sniffed, e);
  }
  if (!m.format || !ACCEPTED.has(m.format)) throw new ImageProblem('unsupported-format', `format ${m.format ?? 'unknown'} (accepted: png, jpeg, webp)`);
  const width = m.width ?? 0;
  const height = m.height ?? 0;
  if (width <= 0 || height <= 0) throw new ImageProblem('corrupt', `header gives size ${width}x${height}`);
  if (width * height > maxPixels) throw new ImageProblem('too-large', `${width}x${height} = ${width * height} pixels exceeds maxPixels ${maxPixels}`);
  const orientation = m.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  return {
    format: m.format as ImageHeader['format'],
    width,
    height,
    uprightWidth: swap ? height : width,
    uprightHeight: swap ? width : height,
    channels: m.channels ?? 3,
    space: m.space ?? 'srgb',
    depth: m.depth ?? 'uchar',
    hasAlpha: m.hasAlpha ?? false,
    orientation,
  };
}

/** The conversions decoding this header to 8-bit sRGB implies (in a fixed order). */
export function conversionsFor(h: ImageHeader, alphaBackground: string): Conversion[] {
  const out: Conversion[] = [];
  if (h.space === 'cmyk') out.push({ code: 'cmyk', detail: 'CMYK converted to sRGB' });
  else if (h.space === 'b-w' || h.space === 'grey16') out.push({ code: 'grayscale', detail: 'grey channel replicated to RGB' });
  else if (!['srgb', 'rgb', 'rgb16'].includes(h.space)) out.push({ code: 'colourspace', detail: `${h.space} converted to sRGB` });
  if (h.depth !== 'uchar' && h.depth !== 'char') out.push({ code: '16-bit', detail: `${h.depth} samples reduced to 8 bits` });
  if (h.hasAlpha) out.push({ code: 'alpha', detail: `alpha flattened on ${alphaBackground}` });
  if (h.orientation > 1) out.push({ code: 'orientation', detail: `EXIF orientation ${h.orientation} applied` });
  return out;
}

/** Turns a decode error into a problem, telling truncation apart by the container's end marker. */
export function decodeProblem(bytes: Buffer, format: ImageHeader['format'], err: unknown): ImageProblem {
  const msg = firstLine(err);
  if (/exceeds pixel limit/i.test(msg)) return new ImageProblem('too-large', 'decoder pixel limit exceeded', msg);
  if (isTruncated(bytes, format)) return new ImageProblem('truncated', `${format} data ends early (${bytes.length} bytes)`, msg);
  return new ImageProblem('corrupt', `${format} data cannot be decoded`, msg);
}

/** Structural end-of-file check for the three accepted containers. */
export function isTruncated(bytes: Buffer, format: ImageHeader['format']): boolean {
  if (format === 'png') {
    // The last chunk must be IEND: length 0, type "IEND", CRC AE426082.
    const tail = bytes.subarray(Math.max(0, bytes.length - 12));
    return !(tail.length === 12 && tail.toString('latin1', 4, 8) === 'IEND');
  }
  if (format === 'jpeg') {
    // EOI (FFD9) must be present near the end (some writers append a few padding bytes).
    const tail = bytes.subarray(Math.max(0, bytes.length - 64));
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return false;
    return true;
  }
  // WebP: RIFF size field counts the bytes after the first 8.
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF') return true;
  return bytes.readUInt32LE(4) + 8 > bytes.length;
}

/** Recognises the accepted containers by their magic bytes. */
export function sniffFormat(b: Buffer): ImageHeader['format'] | null {
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

/** Parses '#rrggbb' into 0-255 components. */
export function parseHexColour(hex: string): { r: number; g: number; b: number } {
  const m = /^#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})$/.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return { r: parseInt(m[1]!, 16), g: parseInt(m[2]!, 16), b: parseInt(m[3]!, 16) };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!;
}
