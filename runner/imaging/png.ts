/**
 * Lossless PNG encode/decode of raw interleaved 8-bit pixels. Encoding is a small writer over
 * node:zlib (Paeth filter on every row, deflate with the RLE strategy, which on Paeth residuals of
 * photos is both ~5x faster and smaller than the default strategy; no metadata chunks): for dataset-sized
 * images it is several times faster than a sharp pipeline per image, and its bytes depend only on
 * Node's bundled zlib, so artifact hashes are stable on one Node version. Decoding uses sharp.
 */
import { promisify } from 'node:util';
import { constants, crc32, deflate } from 'node:zlib';
import sharp from 'sharp';

const deflateAsync = promisify(deflate);

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

const COLOUR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** Paeth-filtered scanlines (filter byte 4 before each row). */
export function paethFilter(pixels: Uint8Array, width: number, height: number, channels: number): Buffer {
  const stride = width * channels;
  const out = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const o = y * (stride + 1);
    out[o] = 4;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels]! : 0;
      const b = y > 0 ? pixels[row - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      out[o + 1 + x] = (pixels[row + x]! - pred) & 255;
    }
  }
  return out;
}

/** Encodes raw pixels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA channels, 8 bits) as PNG. */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, level = 6): Promise<Buffer> {
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} bytes for ${width}x${height}x${channels}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = COLOUR_TYPE[channels]!;
  const idat = await deflateAsync(paethFilter(pixels, width, height, channels), { level, strategy: constants.Z_RLE });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** Decodes a PNG (or any sharp-readable image) to raw 8-bit pixels, keeping its channel count. */
export async function decodeRaw(input: Buffer | string): Promise<RawImage> {
  const meta = await sharp(input).metadata();
  const { data, info } = await sharp(input).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const px = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const grey = meta.channels === 1 || meta.channels === 2;
  if (!grey || info.channels < 3) return { data: px, width: info.width, height: info.height, channels: info.channels };
  // sharp outputs grey sources as sRGB (R = G = B); take R (and alpha) back.
  const ch = meta.channels!;
  const n = info.width * info.height;
  const out = new Uint8Array(n * ch);
  for (let i = 0; i < n; i++) {
    out[i * ch] = px[i * info.channels]!;
    if (ch === 2) out[i * 2 + 1] = info.channels === 4 ? px[i * 4 + 3]! : 255;
  }
  return { data: out, width: info.width, height: info.height, channels: ch };
}
