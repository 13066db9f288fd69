/**
 * Stage kind `weigh`: the mean encoded size ("weight") of a dataset's images under one fixed,
 * fully pinned encoding (sharp PNG by default, JPEG optional), plus pixel statistics. The adjusted
 * FID uses d = weightDrop(raw, grey) (runner/metrics/weight.ts) on two of these summaries.
 *
 * Input `images`: a dataset artifact. Output: weight.json (the summary plus per-image bytes).
 * Images: all, or `limit` evenly spaced ones (index floor(k * count / limit)), so a sorted folder
 * is sampled across its whole range. Encodes run in sharp's thread pool, a few in flight; sizes are
 * stored by index, so the result never depends on scheduling. Sizes depend on the codec library
 * versions, which are recorded (ctx.setEnv and summary.versions). Docs: docs/composite.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { throwIfAborted, UserError } from '../errors.js';
import { PackedReader } from '../datasets/packed.js';
import type { StageKind } from './types.js';

export interface WeighEncoding {
  format: 'png' | 'jpeg';
  compressionLevel: number;
  adaptiveFiltering: boolean;
  quality: number;
  chromaSubsampling: '4:2:0' | '4:4:4';
}

export interface WeighParams {
  encoding: WeighEncoding;
  limit: number | null;
}

/** The settings that actually apply to the chosen format (what the summary records). */
export function effectiveEncoding(e: WeighEncoding): Record<string, unknown> {
  return e.format === 'png'
    ? { format: 'png', compressionLevel: e.compressionLevel, adaptiveFiltering: e.adaptiveFiltering, palette: false, progressive: false }
    : { format: 'jpeg', quality: e.quality, chromaSubsampling: e.chromaSubsampling, progressive: false, optimiseCoding: true, mozjpeg: false, trellisQuantisation: false, overshootDeringing: false, optimiseScans: false, quantisationTable: 0 };
}

/** Encodes one raw image with every option pinned; returns the encoded byte count. */
export async function encodedSize(pixels: Uint8Array, size: number, channels: number, e: WeighEncoding): Promise<number> {
  const img = sharp(pixels, { raw: { width: size, height: size, channels: channels as 1 | 3 } });
  const buf = e.format === 'png'
    ? await img.png({ compressionLevel: e.compressionLevel, adaptiveFiltering: e.adaptiveFiltering, palette: false, progressive: false, force: true }).toBuffer()
    : await img.jpeg({ quality: e.quality, chromaSubsampling: e.chromaSubsampling, progressive: false, optimiseCoding: true, mozjpeg: false, trellisQuantisation: false, overshootDeringing: false, optimiseScans: false, quantisationTable: 0, force: true }).toBuffer();
  return buf.length;
}

/** Streaming pixel statistics: per-channel mean/std, luma (BT.601) mean/std, per-image luma entropy and gradient. */
export class PixelStats {
  private n = 0;
  private pixels = 0;
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private lumaSum = 0;
  private lumaSumSq = 0;
  private entropySum = 0;
  private gradSum = 0;
  private readonly hist = new Float64Array(256);

  constructor(private readonly channels: number) {
    this.sum = new Float64Array(channels);
    this.sumSq = new Float64Array(channels);
  }

  add(img: Uint8Array, size: number): void {
    const ch = this.channels;
    const px = size * size;
    const luma = new Float64Array(px);
    this.hist.fill(0);
    for (let i = 0; i < px; i++) {
      for (let c = 0; c < ch; c++) { const v = img[i * ch + c]!; this.sum[c]! += v; this.sumSq[c]! += v * v; }
      const y = ch === 3 ? 0.299 * img[i * 3]! + 0.587 * img[i * 3 + 1]! + 0.114 * img[i * 3 + 2]! : img[i]!;
      luma[i] = y;
      this.lumaSum += y; this.lumaSumSq += y * y;
      this.hist[Math.round(y)]! += 1;
    }
    let h = 0;
    for (let b = 0; b < 256; b++) { const p = this.hist[b]! / px; if (p > 0) h -= p * Math.log2(p); }
    this.entropySum += h;
    // Mean absolute difference to the right and lower neighbours: high-frequency content.
    let g = 0;
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      const i = y * size + x;
      if (x + 1 < size) g += Math.abs(luma[i + 1]! - luma[i]!);
      if (y + 1 < size) g += Math.abs(luma[i + size]! - luma[i]!);
    }
    this.gradSum += size > 1 ? g / (2 * size * (size - 1)) : 0;
    this.n++;
    this.pixels += px;
  }

  result(): Record<string, unknown> {
    const P = Math.max(1, this.pixels);
    const mean = [...this.sum].map((s) => s / P);
    const std = [...this.sumSq].map((s, c) => Math.sqrt(Math.max(0, s / P - mean[c]! ** 2)));
    const lm = this.lumaSum / P;
    return {
      mean, std, lumaMean: lm, lumaStd: Math.sqrt(Math.max(0, this.lumaSumSq / P - lm * lm)),
      lumaEntropyBits: this.entropySum / Math.max(1, this.n), lumaGradientMean: this.gradSum / Math.max(1, this.n),
    };
  }
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const WINDOW = 8;

export const weighStage: StageKind<WeighParams> = {
  kind: 'weigh',
  version: 1,
  description: 'Mean encoded size ("weight") of the images under a pinned PNG/JPEG encoding, plus pixel statistics',
  paramsSchema: 'weigh.schema.json',
  inputs: [{ name: 'images', kinds: ['dataset', 'composite'], description: 'packed images (dataset.json + images.u8)' }],
  async run(ctx) {
    const p = ctx.params;
    const input = ctx.inputs.images;
    if (!input) throw new UserError(`stage ${ctx.id}: input "images" is required`);
    const v = sharp.versions as Record<string, string | undefined>;
    const versions = { sharp: v.sharp ?? 'unknown', vips: v.vips ?? 'unknown', ...(p.encoding.format === 'png' ? { png: v.png ?? 'unknown', zlib: v['zlib-ng'] ?? v.zlib ?? 'unknown' } : { jpeg: v.mozjpeg ?? 'unknown' }) };
    for (const [k, val] of Object.entries(versions)) ctx.setEnv(`weigh.${k}`, val);
    const reader = new PackedReader(input.dir);
    try {
      const { resolution: res, channels, count } = reader.meta;
      if (channels !== 3 && channels !== 1) throw new UserError(`stage ${ctx.id}: input "images" has ${channels} channels; weigh reads 1 or 3`);
      const n = p.limit === null ? count : Math.min(p.limit, count);
      if (n === 0) throw new UserError(`stage ${ctx.id}: input "images" (${input.dir}) has no images to weigh`);
      const index = (k: number): number => (n === count ? k : Math.floor((k * count) / n));
      const bytes = new Array<number>(n).fill(0);
      const stats = new PixelStats(channels);
      const inflight: Promise<void>[] = [];
      const t0 = performance.now();
      try {
        for (let k = 0; k < n; k++) {
          if (k % 16 === 0) throwIfAborted(ctx.signal);
          const img = reader.readRange(index(k), 1);
          stats.add(img, res);
          inflight.push(encodedSize(img, res, channels, p.encoding).then((b) => { bytes[k] = b; }));
          if (inflight.length >= WINDOW) await inflight.shift();
          if ((k + 1) % 64 === 0 || k + 1 === n) ctx.progress({ done: k + 1, total: n, message: `${((k + 1) / ((performance.now() - t0) / 1000)).toFixed(1)} img/s` });
        }
        await Promise.all(inflight);
      } catch (e) {
        await Promise.allSettled(inflight); // no encode left running (or rejecting unobserved) after we return
        throw e;
      }
      const total = bytes.reduce((a, b) => a + b, 0);
      const meanBytes = total / n;
      const summary = {
        n, count, resolution: res, channels, sampling: n === count ? 'all' : 'evenly spaced',
        encoding: effectiveEncoding(p.encoding), versions,
        meanBytes, medianBytes: median(bytes),
        stdBytes: Math.sqrt(bytes.reduce((a, b) => a + (b - meanBytes) ** 2, 0) / n),
        minBytes: bytes.reduce((a, b) => Math.min(a, b), Infinity), maxBytes: bytes.reduce((a, b) => Math.max(a, b), 0), totalBytes: total,
        bytesPerPixel: meanBytes / (res * res), rawBytesPerImage: res * res * channels,
        pixels: stats.result(),
      };
      writeFileSync(join(ctx.outDir, 'weight.json'), JSON.stringify({ ...summary, bytes }, null, 1) + '\n');
      const s = (performance.now() - t0) / 1000;
      ctx.log(`${n} images weighed (${p.encoding.format}) in ${s.toFixed(1)} s (${(n / Math.max(s, 1e-9)).toFixed(1)} img/s): mean ${meanBytes.toFixed(1)} B, ${summary.bytesPerPixel.toFixed(3)} B/px`);
      return { summary };
    } finally {
      reader.close();
    }
  },
};

export default weighStage;
