/**
 * The `images` source of the dataset stage: reads PNG/JPEG/WebP files from a folder or a .zip,
 * centre-crops and Lanczos-resizes each to `resolution`, and writes the dataset artifact.
 *
 * Walk order: sorted relative paths, or with `subset` a seeded permutation of them. Images are
 * taken in walk order until `limit` (or `subset.count`) good ones are written, so a bad file is
 * replaced by the next one and the result does not depend on concurrency. Bad files follow
 * `onBadImage` (skip: listed in bad.json; fail: UserError naming the file); converted files are
 * used and listed with their reasons (policy: runner/imaging/decode.ts). Up to `window` files are
 * decoded at once in sharp's thread pool; results are consumed strictly in order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted, UserError } from '../errors.js';
import type { StageContext } from '../stages/types.js';
import { encodePng } from '../imaging/png.js';
import { ImageProblem, type Conversion } from '../imaging/decode.js';
import { squareRgb } from '../imaging/resize.js';
import { openSource, type SourceFile } from './files.js';
import { DatasetOutput } from './output.js';
import { Rng } from './prng.js';
import { ZipEntryError } from './zip.js';

export interface ImagesOptions {
  path: string;
  resolution: number;
  limit?: number;
  subset?: { count: number; seed: number };
  onBadImage: 'skip' | 'fail';
  maxPixels: number;
  alphaBackground: string;
}

export interface BadRecord { name: string; reason: string; detail: string }
export interface ConvertedRecord { name: string; index: number; reasons: string[]; details: string[] }

type Outcome = { ok: true; rgb: Uint8Array; png: Buffer; conversions: Conversion[] } | { ok: false; reason: string; detail: string; decoder?: string };

/** Walk order over `n` sorted files: identity, or a seeded permutation when subsetting. */
export function walkOrder(n: number, subset?: { seed: number }): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  return subset ? new Rng(subset.seed, 0x5b5e7).shuffle(order) : order;
}

async function processFile(read: () => Promise<Buffer>, o: ImagesOptions): Promise<Outcome> {
  let bytes: Buffer;
  try {
    bytes = await read();
  } catch (e) {
    if (e instanceof ZipEntryError) return { ok: false, reason: e.code, detail: e.message.replace(/^inflate failed: .*/, 'inflate failed'), decoder: e.message };
    // The OS message holds the absolute path: logged only, never in the (hashed) bad.json.
    return { ok: false, reason: 'unreadable', detail: `read failed (${(e as NodeJS.ErrnoException).code ?? 'error'})`, decoder: (e as Error).message };
  }
  try {
    const r = await squareRgb(bytes, o);
    const png = await encodePng(r.rgb, o.resolution, o.resolution, 3);
    return { ok: true, rgb: r.rgb, png, conversions: r.conversions };
  } catch (e) {
    if (e instanceof ImageProblem) return { ok: false, reason: e.code, detail: e.detail, decoder: e.decoder };
    throw e;
  }
}

export async function ingestImages(ctx: StageContext<unknown>, o: ImagesOptions): Promise<Record<string, unknown>> {
  const src = openSource(o.path);
  const where = (name: string): string => (src.kind === 'zip' ? `${src.root}!${name}` : join(src.root, name));
  try {
    if (src.files.length === 0) throw new UserError(`dataset: no .png/.jpg/.jpeg/.webp files in ${src.root}${src.ignored.length ? ` (${src.ignored.length} other files ignored)` : ''}`);
    const order = walkOrder(src.files.length, o.subset);
    const target = Math.min(o.limit ?? Infinity, o.subset?.count ?? Infinity, src.files.length);
    const window = Math.max(2, Math.min(16, ctx.compute.workers * 2));
    const out = new DatasetOutput(ctx.outDir, o.resolution, { expected: target, window: 4 });
    const bad: BadRecord[] = [];
    const converted: ConvertedRecord[] = [];
    const inflight: Promise<Outcome>[] = [];
    let next = 0;
    let examined = 0;
    const t0 = Date.now();
    const launch = (): void => {
      const f: SourceFile = src.files[order[next++]!]!;
      const p = processFile(() => src.read(f), o);
      p.catch(() => {}); // rejections (bugs only) surface when awaited in order, not as unhandled
      inflight.push(p);
    };
    try {
      while (out.count < target && examined < order.length) {
        throwIfAborted(ctx.signal);
        // Keep the window full; look-ahead past the target is wasted work at most `window` files.
        while (inflight.length < window && next < order.length) launch();
        const r = await inflight.shift()!;
        const file = src.files[order[examined++]!]!;
        if (r.ok) {
          if (r.conversions.length > 0) converted.push({ name: file.name, index: out.count, reasons: r.conversions.map((c) => c.code), details: r.conversions.map((c) => c.detail) });
          await out.add(file.name, r.rgb, { png: r.png });
        } else {
          const decoder = r.decoder ? ` [decoder: ${r.decoder}]` : '';
          if (o.onBadImage === 'fail') throw new UserError(`dataset: ${where(file.name)}: ${r.reason}: ${r.detail}${decoder} (onBadImage: fail; use onBadImage: skip to leave such files out)`);
          // The decoder's own words vary between runs and versions: logged, never in bad.json.
          if (bad.length < 20) ctx.log(`bad: ${file.name}: ${r.reason}: ${r.detail}${decoder}`);
          bad.push({ name: file.name, reason: r.reason, detail: r.detail });
        }
        if (examined % 25 === 0 || out.count === target) {
          const secs = Math.max(1e-3, (Date.now() - t0) / 1000);
          ctx.progress({ done: out.count, total: target, message: `${out.count}/${target} images, ${bad.length} bad, ${(out.count / secs).toFixed(1)} img/s` });
        }
      }
    } catch (e) {
      await Promise.allSettled(inflight);
      await out.abort();
      throw e;
    }
    await Promise.allSettled(inflight); // look-ahead beyond the target: results unused
    if (out.count === 0) throw new UserError(`dataset: none of the ${examined} files examined in ${src.root} is a usable image (see reasons: ${[...new Set(bad.map((b) => b.reason))].join(', ')})`);
    const byReason = (list: { reason?: string; reasons?: string[] }[]): Record<string, number> => {
      const m: Record<string, number> = {};
      for (const r of list) for (const k of r.reasons ?? [r.reason!]) m[k] = (m[k] ?? 0) + 1;
      return m;
    };
    const summary = {
      source: 'images', sourceKind: src.kind, count: out.count, resolution: o.resolution, requested: Number.isFinite(target) ? target : src.files.length,
      candidates: src.files.length, examined, bad: bad.length, converted: converted.length, ignored: src.ignored.length,
      badReasons: byReason(bad), convertedReasons: byReason(converted), onBadImage: o.onBadImage,
    };
    writeFileSync(join(ctx.outDir, 'bad.json'), JSON.stringify({ policy: { onBadImage: o.onBadImage, maxPixels: o.maxPixels, alphaBackground: o.alphaBackground }, examined, bad, converted, ignored: src.ignored }, null, 1) + '\n');
    await out.finish({ source: 'images', sourceKind: src.kind });
    if (bad.length > 0) ctx.log(`${bad.length} bad file(s) skipped (bad.json): ${Object.entries(summary.badReasons).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (converted.length > 0) ctx.log(`${converted.length} file(s) converted: ${Object.entries(summary.convertedReasons).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return summary;
  } finally {
    src.close();
  }
}
