/**
 * Stage kind `dataset`: produces the square RGB image dataset every other stage consumes, from
 * image files (`source: images`, runner/datasets/images.ts) or generated faces with ground-truth
 * masks and factors (`source: synthetic`, runner/datasets/synthetic/). Output layout, policies and
 * params: docs/datasets.md and schemas/stages/dataset.schema.json. No inputs.
 */
import { ingestImages } from '../datasets/images.js';
import { generateSynthetic } from '../datasets/synthetic/index.js';
import { UserError } from '../errors.js';
import type { StageKind } from './types.js';

export interface DatasetParams {
  source: 'images' | 'synthetic';
  path?: string;
  resolution: number;
  count: number;
  seed: number;
  limit?: number;
  subset?: { count: number; seed: number };
  onBadImage: 'skip' | 'fail';
  maxPixels: number;
  alphaBackground: string;
}

export const datasetStage: StageKind<DatasetParams> = {
  kind: 'dataset',
  version: 1,
  description: 'Square RGB image dataset from a folder/.zip of images, or synthetic faces with masks and factors',
  paramsSchema: 'dataset.schema.json',
  inputs: [],
  // The key holds the content fingerprint of the folder/zip, never the path (docs/runner.md).
  paths: ['path'],
  async run(ctx) {
    const p = ctx.params;
    ctx.setEnv('sharp', (await import('sharp')).default.versions.sharp ?? 'unknown');
    if (p.source === 'synthetic') {
      if (p.resolution < 32 || p.resolution > 128) throw new UserError(`dataset ${ctx.id}: resolution ${p.resolution}: synthetic faces are drawn at 32-128 px`);
      const count = Math.min(p.count, p.limit ?? Infinity);
      return { summary: await generateSynthetic(ctx, { count, seed: p.seed, resolution: p.resolution }) };
    }
    if (!p.path) throw new UserError(`dataset ${ctx.id}: source images needs 'path' (a folder or a .zip file)`);
    const summary = await ingestImages(ctx, {
      path: p.path,
      resolution: p.resolution,
      ...(p.limit !== undefined ? { limit: p.limit } : {}),
      ...(p.subset ? { subset: { count: p.subset.count, seed: p.subset.seed ?? 0 } } : {}),
      onBadImage: p.onBadImage,
      maxPixels: p.maxPixels,
      alphaBackground: p.alphaBackground,
    });
    return { summary };
  },
};

export default datasetStage;
