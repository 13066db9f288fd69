/**
 * Test helper: builds image files with sharp in a temp folder: plain patterns, and the bad-image
 * corpus (truncated PNG, text named .jpg, CMYK JPEG, 16-bit PNG, grayscale, RGBA, huge header).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `btf-${prefix}-`));
}

/** A deterministic colourful w x h RGB pattern (index k varies it). */
export function pattern(w: number, h: number, k = 0): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      b[i] = (x * 5 + k * 40) & 255;
      b[i + 1] = (y * 3 + k * 17) & 255;
      b[i + 2] = ((x + y) * 2 + k * 91) & 255;
    }
  }
  return b;
}

export async function png(w: number, h: number, k = 0): Promise<Buffer> {
  return sharp(pattern(w, h, k), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

export function put(dir: string, name: string, data: Buffer | string): void {
  const p = join(dir, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
}

/** A valid PNG whose IHDR claims w x h (CRC fixed up), with only a tiny IDAT. */
export async function hugeHeaderPng(w: number, h: number): Promise<Buffer> {
  const b = Buffer.from(await png(8, 8));
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  b.writeUInt32BE(crc32(b.subarray(12, 29)) >>> 0, 29);
  return b;
}

/** Expected outcome per file name of the bad corpus (reason codes of runner/imaging/decode.ts). */
export const BAD_CORPUS_EXPECTED = {
  bad: { 'b-truncated.png': 'truncated', 'c-text.jpg': 'not-an-image', 'h-huge.png': 'too-large', 'i-truncated.jpg': 'truncated', 'j-gif.png': 'unsupported-format' },
  converted: { 'd-cmyk.jpg': ['cmyk'], 'e-16bit.png': ['16-bit'], 'f-grey.png': ['grayscale'], 'g-rgba.png': ['alpha'], 'k-small.png': ['upscaled'] },
  good: ['a-good.png', 'l-good.webp'],
} as const;

/** Writes the bad-image corpus into `dir` (files sorted a..l). */
export async function writeBadCorpus(dir: string): Promise<void> {
  const raw = pattern(48, 40, 3);
  const rawOpts = { raw: { width: 48, height: 40, channels: 3 as const } };
  put(dir, 'a-good.png', await png(48, 40, 1));
  const full = await png(48, 40, 2);
  put(dir, 'b-truncated.png', full.subarray(0, Math.floor(full.length * 0.6)));
  put(dir, 'c-text.jpg', 'this is a text file, not a JPEG\n');
  put(dir, 'd-cmyk.jpg', await sharp(raw, rawOpts).toColourspace('cmyk').jpeg().toBuffer());
  put(dir, 'e-16bit.png', await sharp(raw, rawOpts).toColourspace('rgb16').png().toBuffer());
  put(dir, 'f-grey.png', await sharp(raw, rawOpts).toColourspace('b-w').png().toBuffer());
  const rgba = Buffer.alloc(48 * 40 * 4);
  for (let i = 0; i < 48 * 40; i++) { rgba[i * 4] = 200; rgba[i * 4 + 1] = 10; rgba[i * 4 + 2] = 10; rgba[i * 4 + 3] = i % 48 < 24 ? 0 : 255; }
  put(dir, 'g-rgba.png', await sharp(rgba, { raw: { width: 48, height: 40, channels: 4 } }).png().toBuffer());
  put(dir, 'h-huge.png', await hugeHeaderPng(100000, 100000));
  const jpg = await sharp(raw, rawOpts).jpeg().toBuffer();
  put(dir, 'i-truncated.jpg', jpg.subarray(0, Math.floor(jpg.length / 2)));
  put(dir, 'j-gif.png', await sharp(raw, rawOpts).gif().toBuffer());
  put(dir, 'k-small.png', await png(12, 10, 4));
  put(dir, 'l-good.webp', await sharp(raw, rawOpts).webp({ lossless: true }).toBuffer());
  put(dir, 'notes.txt', 'not a candidate: ignored and listed\n');
}
