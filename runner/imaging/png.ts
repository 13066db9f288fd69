/**
 * Lossless PNG encode/decode of raw interleaved 8-bit pixels through sharp. Encoding is
 * deterministic for a given sharp/libvips/zlib build (no timestamps or metadata are written), so
 * artifact hashes are stable on one install; they may differ across sharp versions, which is why
 * consumers should prefer the packed form (images.u8) for anything hashed across machines.
 */
import sharp from 'sharp';

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Encodes raw pixels (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA channels) as PNG. */
export async function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4, compressionLevel = 6): Promise<Buffer> {
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} bytes for ${width}x${height}x${channels}`);
  return sharp(pixels, { raw: { width, height, channels } })
    .png({ compressionLevel, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

/** Decodes a PNG (or any sharp-readable image) to raw 8-bit pixels, keeping its channel count. */
export async function decodeRaw(input: Buffer | string): Promise<RawImage> {
  const { data, info } = await sharp(input).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels };
}
