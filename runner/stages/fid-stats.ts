/**
 * Stage kind `fid-stats`: Inception feature statistics of real images, as their own cached stage.
 *
 * Input `images` (a dataset or composite artifact) and optional `mask` (a mask artifact: the reals are
 * composited onto grey `maskGrey` with it first, for the masked FID). The images are brought to
 * `level` px and faded by `alpha` exactly as the StyleGAN trainer blends its reals
 * (runner/evaluation/reals.ts), quantised to uint8, resized to the extractor's `inputSize` and run
 * through the extractor (runner/evaluation/extractor.ts). Because the key holds the dataset hash and
 * these params, the statistics are computed once per dataset/level/alpha/extractor and shared by
 * every fid stage and snapshot that needs them.
 *
 * Outputs: stats.json + mu.f64 + sigma.f64 (metrics/stats.ts saveStats), features.json + features.f32
 * (the float32 rows, for KID), reals-grid.png (the first 16 images as the extractor receives them,
 * before its resize), summary {n, dim, comparable, extractor, level, alpha, datasetResolution, masked}.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { StageContext, StageKind } from './types.js';
import { useBackend } from './backend-env.js';
import type { ExtractorSpec } from '../evaluation/extractor.js';

export interface FidStatsParams extends ExtractorSpec {
  level: number | null;
  alpha: number;
  maxImages: number | null;
  featureBatch: number;
  maskGrey: number;
}

export const fidStatsStage: StageKind<FidStatsParams> = {
  kind: 'fid-stats',
  version: 1,
  description: 'Inception statistics (mu, sigma, feature rows) of real images at a level and fade alpha, shared by fid stages',
  paramsSchema: 'fid-stats.schema.json',
  // Keyed by the content of the weights file, not its path (docs/runner.md).
  paths: ['weights'],
  inputs: [
    { name: 'images', kinds: ['dataset', 'composite'], description: 'packed RGB images (dataset.json + images.u8)' },
    { name: 'mask', optional: true, kinds: ['mask'], description: 'masks of the same images: composite the reals onto grey (masked FID)' },
  ],
  accelerator: () => true, // the extractor runs on the tfjs backend (the GPU on a GPU host)
  async run(ctx) {
    const p = ctx.params;
    const where = `stage ${ctx.id}: params`;
    const input = ctx.inputs.images;
    if (!input) throw new UserError(`stage ${ctx.id}: input "images" is required`);
    const [{ PackedReader }, { openExtractor, describeExtractor }, { extractAll, saveFeatures }, { blendReals, checkLevel, greyComposite }, { saveStats }, { gridPng }] = await Promise.all([
      import('../datasets/packed.js'), import('../evaluation/extractor.js'), import('../evaluation/features.js'),
      import('../evaluation/reals.js'), import('../metrics/stats.js'), import('../imaging/grid.js'),
    ]);
    const reader = new PackedReader(input.dir);
    const maskReader = ctx.inputs.mask ? new PackedReader(ctx.inputs.mask.dir, 'masks.json') : undefined;
    try {
      const { resolution: res, channels, count } = reader.meta;
      if (channels !== 3) throw new UserError(`stage ${ctx.id}: input "images" has ${channels} channels; FID statistics need RGB (3)`);
      if (maskReader && (maskReader.meta.resolution !== res || maskReader.meta.channels !== 1 || maskReader.count !== count)) {
        throw new UserError(`stage ${ctx.id}: input "mask" holds ${maskReader.count} masks of ${maskReader.meta.resolution}px/${maskReader.meta.channels}ch; input "images" has ${count} images of ${res}px`);
      }
      const level = p.level ?? res;
      checkLevel(level, res, p.alpha, where);
      const n = p.maxImages === null ? count : Math.min(p.maxImages, count);
      if (n < 2) throw new UserError(`stage ${ctx.id}: input "images" has ${count} images; statistics need at least 2`);
      const indices = Array.from({ length: n }, (_, k) => (n === count ? k : Math.floor((k * count) / n)));

      const be = await useBackend(ctx as StageContext<unknown>);
      const ex = await openExtractor(p, { where, log: ctx.log });
      try {
        if (ex.id.weightsSha256) ctx.setEnv('fid.weightsSha256', ex.id.weightsSha256);
        ctx.log(`${n} reals of ${count} at level ${level}px alpha ${p.alpha}${maskReader ? `, grey ${p.maskGrey} background` : ''}; extractor ${describeExtractor(ex.id)} on ${be.backend}`);
        let grid: Uint8Array | undefined;
        const images = (start: number, k: number): Uint8Array => {
          const idx = indices.slice(start, start + k);
          let px = reader.readIndices(idx);
          if (maskReader) px = greyComposite(px, maskReader.readIndices(idx), k, res, p.maskGrey);
          const out = blendReals(px, k, res, level, p.alpha);
          const per = level * level * 3;
          if ((grid?.length ?? 0) < 16 * per) {
            const add = out.subarray(0, Math.min(16 * per - (grid?.length ?? 0), out.length));
            const g = new Uint8Array((grid?.length ?? 0) + add.length);
            if (grid) g.set(grid);
            g.set(add, grid?.length ?? 0);
            grid = g;
          }
          return out;
        };
        const r = await extractAll(ex, n, level, images, {
          batchSize: p.featureBatch, signal: ctx.signal,
          onProgress: (done, total, ips) => ctx.progress({ done, total, message: `${ips.toFixed(1)} img/s` }),
        });
        await saveStats(ctx.outDir, r.stats);
        saveFeatures(ctx.outDir, r.features, n, ex.id.dim);
        if (grid) writeFileSync(join(ctx.outDir, 'reals-grid.png'), await gridPng(grid, level, 3, { zoom: Math.max(1, Math.floor(64 / level)) }));
        ctx.log(`${n} images in ${r.seconds.toFixed(1)} s (${(n / r.seconds).toFixed(1)} img/s)`);
        const mask = ctx.inputs.mask?.summary;
        return {
          summary: {
            n, dim: ex.id.dim, comparable: ex.comparable, extractor: ex.id, level, alpha: p.alpha,
            datasetResolution: res, datasetCount: count,
            masked: maskReader ? { grey: p.maskGrey, model: mask?.['model'] ?? null, family: mask?.['family'] ?? null, modelSha256: mask?.['modelSha256'] ?? null, inputSize: mask?.['inputSize'] ?? null, precision: mask?.['precision'] ?? null, threshold: mask?.['threshold'] ?? null, cleanup: mask?.['cleanup'] ?? null } : null,
          },
        };
      } finally {
        ex.dispose();
      }
    } finally {
      reader.close();
      maskReader?.close();
    }
  },
};

export default fidStatsStage;
