/**
 * Stage kind `composite`: replaces the background of every image of a dataset artifact — grey
 * (constant level) or blur (normalised masked Gaussian blur) — or passes it through (raw), with the
 * soft mask of runner/imaging/composite.ts. Also draws the paper's Figure 1 strip.
 *
 * Inputs: `images` (a dataset artifact) and optional `mask` (a mask artifact: masks.json + masks.u8,
 * 1 channel, same resolution and order). Without `mask`, the dataset's own ground-truth masks
 * (synthetic source) are used; grey/blur with neither is a UserError. raw never needs a mask.
 * Output: a dataset artifact (DatasetOutput: images.u8 + dataset.json, png/, sample-grid.png),
 * figure1.png (when a mask is available and strip > 0), and the input's ground-truth files
 * (masks.u8/json, factors.json/csv) copied unchanged. Streams in batches. Docs: docs/composite.md.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted, UserError } from '../errors.js';
import { PackedReader } from '../datasets/packed.js';
import { DatasetOutput } from '../datasets/output.js';
import { BlurCompositor, compositeGrey, figure1Png, sigmaPixels } from '../imaging/composite.js';
import type { StageContext, StageKind } from './types.js';

export interface CompositeParams {
  mode: 'raw' | 'grey' | 'blur';
  grey: number;
  sigma: number;
  strip: number;
}

/** Ground-truth files of a dataset artifact that a composite carries over unchanged. */
export const CARRIED_FILES = ['masks.u8', 'masks.json', 'factors.json', 'factors.csv'];

const BATCH = 32;

type MaskSource = 'mask-input' | 'ground-truth';

/** Opens the mask to use (the `mask` input, else the dataset's ground truth), checked against the images. */
function openMasks(ctx: StageContext<CompositeParams>, imagesDir: string, res: number, count: number): { reader: PackedReader; source: MaskSource } | null {
  const input = ctx.inputs.mask;
  let dir: string;
  let source: MaskSource;
  if (input) { dir = input.dir; source = 'mask-input'; }
  else if (existsSync(join(imagesDir, 'masks.json'))) { dir = imagesDir; source = 'ground-truth'; }
  else return null;
  const reader = new PackedReader(dir, 'masks.json');
  const m = reader.meta;
  if (m.resolution !== res || m.channels !== 1 || m.count !== count) {
    reader.close();
    const what = source === 'mask-input' ? `input "mask" (${dir})` : `ground-truth masks in ${dir}`;
    throw new UserError(`stage ${ctx.id}: ${what} holds ${m.count} masks of ${m.resolution}px/${m.channels}ch, but input "images" has ${count} images of ${res}px; a mask must be 1 channel, same resolution and order`);
  }
  return { reader, source };
}

export const compositeStage: StageKind<CompositeParams> = {
  kind: 'composite',
  version: 1,
  description: 'Background replaced by grey or a masked Gaussian blur (or raw pass-through), soft-mask blended; Figure 1 strip',
  paramsSchema: 'composite.schema.json',
  inputs: [
    { name: 'images', kinds: ['dataset', 'composite'], description: 'packed RGB images (dataset.json + images.u8)' },
    { name: 'mask', optional: true, kinds: ['mask'], description: 'foreground masks (masks.json + masks.u8); default: the images\' own ground-truth masks' },
  ],
  async run(ctx) {
    const p = ctx.params;
    const input = ctx.inputs.images;
    if (!input) throw new UserError(`stage ${ctx.id}: input "images" is required`);
    const reader = new PackedReader(input.dir);
    const { resolution: res, channels, count } = reader.meta;
    let masks: ReturnType<typeof openMasks> = null;
    try {
      if (channels !== 3) throw new UserError(`stage ${ctx.id}: input "images" has ${channels} channels; composite needs RGB (3)`);
      masks = openMasks(ctx, input.dir, res, count);
      if (!masks && p.mode !== 'raw') {
        throw new UserError(`stage ${ctx.id}: mode ${p.mode} needs a mask: connect input "mask" to a mask stage, or use a dataset with ground-truth masks (masks.json + masks.u8, e.g. source: synthetic); ${input.dir} has none`);
      }
      ctx.log(masks ? `mask: ${masks.source === 'mask-input' ? 'input "mask"' : 'ground truth of the images'}` : 'mask: none (raw pass-through, no figure1)');
      const sigmaPx = sigmaPixels(p.sigma, res);
      const blur = p.mode === 'blur' ? new BlurCompositor(res, sigmaPx) : null;
      const out = new DatasetOutput(ctx.outDir, res, { expected: count, window: 4 });
      const px = res * res;
      const names = reader.meta.names;
      const strip: Array<{ rgb: Uint8Array; mask: Uint8Array }> = [];
      const t0 = performance.now();
      let alphaSum = 0;
      try {
        for (let start = 0; start < count; start += BATCH) {
          throwIfAborted(ctx.signal);
          const n = Math.min(BATCH, count - start);
          const rgb = reader.readRange(start, n);
          const mk = masks?.reader.readRange(start, n);
          for (let i = 0; i < n; i++) {
            const img = rgb.subarray(i * px * 3, (i + 1) * px * 3);
            const m = mk?.subarray(i * px, (i + 1) * px);
            if (m) for (let j = 0; j < px; j++) alphaSum += m[j]!;
            if (m && strip.length < p.strip) strip.push({ rgb: img.slice(), mask: m.slice() });
            const result = p.mode === 'raw' ? img : p.mode === 'grey' ? compositeGrey(img, m!, p.grey) : blur!.composite(img, m!, new Uint8Array(px * 3));
            await out.add(names?.[start + i] ?? String(start + i), result);
          }
          const done = start + n;
          ctx.progress({ done, total: count, message: `${p.mode} ${(done / ((performance.now() - t0) / 1000)).toFixed(1)} img/s` });
        }
      } catch (e) {
        await out.abort();
        throw e;
      }
      const meta: Record<string, unknown> = { source: 'composite', mode: p.mode, maskSource: masks?.source ?? null, of: reader.meta.source ?? null };
      if (p.mode === 'grey') meta.grey = p.grey;
      if (p.mode === 'blur') Object.assign(meta, { sigma: p.sigma, sigmaPx });
      await out.finish(meta);
      const carried = CARRIED_FILES.filter((f) => existsSync(join(input.dir, f)));
      for (const f of carried) copyFileSync(join(input.dir, f), join(ctx.outDir, f));
      if (strip.length > 0) writeFileSync(join(ctx.outDir, 'figure1.png'), await figure1Png(strip, res, p.grey, sigmaPx));
      const seconds = (performance.now() - t0) / 1000;
      ctx.log(`${count} images (${p.mode}) in ${seconds.toFixed(1)} s (${(count / Math.max(seconds, 1e-9)).toFixed(1)} img/s)`);
      return {
        summary: {
          count, resolution: res, mode: p.mode, grey: p.grey, sigma: p.sigma, sigmaPx,
          maskSource: masks?.source ?? null,
          foregroundFraction: masks && count > 0 ? alphaSum / (255 * px * count) : null,
          carried, figure1: strip.length > 0 ? 'figure1.png' : null,
        },
      };
    } finally {
      reader.close();
      masks?.reader.close();
    }
  },
};

export default compositeStage;
