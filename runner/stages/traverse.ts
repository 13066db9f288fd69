/**
 * Stage kind `traverse`: traversal grids of a fitted latent PCA and the background-leakage table.
 *
 * Inputs: `pca` (a pca artifact) and `model` (the same train-vae / train-stylegan artifact the pca
 * was fitted on; checked by output hash). Outputs:
 *   traversal-AAA-BBB.png     rows = components AAA..BBB, columns = steps from -range to +range sd
 *   layers-<name>.png         StyleGAN: the top components applied to a range of style layers only
 *   blend-c<k>.png            StyleGAN: style blending, coarse layers (< k) from the row source
 *   leakage-masks.png         the predicted masks of the first page (judge the mask model here)
 *   traversal.json            layout: t values, pages, layer ranges, blends, leakage masks used
 *   leakage.json/.csv         per component: eigenvalue, explained ratio, mask-based leakage,
 *                             mean |change|, and the pca stage's factor correlations when present
 * The summary carries the table as markdown (no HTML) for the report's raw vs grey comparison.
 * Maths: runner/analysis/traversal.ts, leakage.ts; masks: runner/analysis/masks.ts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted, UserError } from '../errors.js';
import type { StageContext, StageKind } from './types.js';
import { useBackend } from './backend-env.js';
import type { MaskModelParams } from '../analysis/masks.js';
import { tileZoom } from './pca.js';

export interface TraverseParams {
  components: number;
  range: number;
  steps: number;
  rowsPerPage: number;
  batch: number;
  zoom: number;
  seed: number;
  noise: 'fixed' | 'none';
  layerRanges: Array<{ name: string; from: number; to: number | null }>;
  layerComponents: number;
  blend: { sources: number; crossovers: number[] };
  leakage: MaskModelParams & { masks: 'model' | 'none'; truthImages: number };
}

const pad3 = (i: number): string => String(i).padStart(3, '0');

function mean(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

export const traverseStage: StageKind<TraverseParams> = {
  kind: 'traverse',
  version: 2, // 2: StyleGAN noise for seed 0 is seeded (tfjs treated seed 0 as Math.random)
  description: 'Traversal grids of a latent PCA (pages of components, StyleGAN layer-range edits and style blending) and per-component background leakage',
  paramsSchema: 'traverse.schema.json',
  inputs: [
    { name: 'pca', kinds: ['pca'], description: 'the pca artifact (pca.json + mean.f64 + components.f64)' },
    { name: 'model', kinds: ['train-vae', 'train-stylegan'], description: 'the model the pca was fitted on' },
    { name: 'data', optional: true, description: 'VAE only: a dataset with true masks (masks.json + masks.u8 beside the images: synthetic faces or their composites) for the true-mask leakage' },
  ],
  paths: ['leakage.model.path'],
  accelerator: () => true,
  async run(ctx) {
    const p = ctx.params;
    const where = `stage ${ctx.id}`;
    const pcaRef = ctx.inputs.pca, modelRef = ctx.inputs.model;
    if (!pcaRef || !modelRef) throw new UserError(`${where}: inputs "pca" and "model" are required`);
    const [lat, tv, lk, art, tb, { gridPng }, { Stream }] = await Promise.all([
      import('../analysis/latents.js'), import('../analysis/traversal.js'), import('../analysis/leakage.js'),
      import('../analysis/pca-artifact.js'), import('../analysis/table.js'), import('../imaging/grid.js'), import('../training/rng.js'),
    ]);
    const { file, pca } = art.readPcaArtifact(pcaRef.dir, `${where}: input "pca"`);
    if (file.model.hash !== modelRef.hash) throw new UserError(`${where}: input "pca" was fitted on model ${file.model.hash.slice(0, 12)}, but input "model" is ${modelRef.hash.slice(0, 12)}; connect the pca stage's own model`);
    const be = await useBackend(ctx as StageContext<unknown>);
    const m = await lat.openLatentModel(modelRef, `${where}: input "model"`, { noise: p.noise, seed: p.seed });
    try {
      if (m.dim !== pca.dim) throw new UserError(`${where}: the pca is ${pca.dim}-d but the model's ${m.space} is ${m.dim}-d`);
      const K = Math.min(p.components, pca.k);
      if (K < p.components) ctx.log(`params.components ${p.components} capped at ${K} (the pca kept ${pca.k})`);
      const res = m.resolution, zoom = tileZoom(p.zoom, res);
      const layerRows = m.layers > 1 ? Math.min(p.layerComponents, pca.k) : 0;
      const work = K + layerRows * p.layerRanges.length + (m.layers > 1 ? p.blend.crossovers.length : 0) + (p.leakage.masks === 'model' ? K : 0);
      let done = 0;
      const tick = (msg: string) => { throwIfAborted(ctx.signal); ctx.progress({ done: ++done, total: work, message: msg }); };

      const tr = tv.traverse(m, pca, { components: K, range: p.range, steps: p.steps, batch: p.batch, onRow: (i) => tick(`component ${i + 1}/${K}`) });
      const pages = [];
      for (const pg of await tv.traversalPages(tr, res, p.rowsPerPage, zoom)) {
        const name = `traversal-${pad3(pg.first)}-${pad3(pg.last)}.png`;
        writeFileSync(join(ctx.outDir, name), pg.png);
        pages.push({ file: name, first: pg.first, last: pg.last });
      }

      const layerGrids = [];
      if (layerRows > 0) {
        for (const r of p.layerRanges) {
          const from = r.from, to = Math.min(r.to ?? m.layers, m.layers);
          if (from >= to) { ctx.log(`layer range ${r.name} [${r.from}, ${r.to ?? 'end'}) is outside the ${m.layers} style layers in use: skipped`); done += layerRows; continue; }
          const lt = tv.traverse(m, pca, { components: layerRows, range: p.range, steps: p.steps, batch: p.batch, layers: [from, to], onRow: (i) => tick(`layers ${r.name}: component ${i + 1}`) });
          const [pg] = await tv.traversalPages(lt, res, layerRows, zoom);
          writeFileSync(join(ctx.outDir, `layers-${r.name}.png`), pg!.png);
          layerGrids.push({ file: `layers-${r.name}.png`, name: r.name, from, to, components: layerRows });
        }
      }

      const blends = [];
      if (m.layers > 1 && p.blend.sources > 0) {
        const n = p.blend.sources;
        const a = art.samplePcaLatents(pca, n, pca.k, p.seed, Stream.user + 21);
        const b = art.samplePcaLatents(pca, n, pca.k, p.seed, Stream.user + 22);
        for (const c of p.blend.crossovers) {
          if (c >= m.layers) { ctx.log(`blend crossover ${c} is not below the ${m.layers} style layers in use: skipped`); tick('blend'); continue; }
          const tiles = tv.blendTiles(m, a, n, b, n, c, p.batch);
          writeFileSync(join(ctx.outDir, `blend-c${c}.png`), await gridPng(tiles, res, 3, { cols: n + 1, zoom }));
          blends.push({ file: `blend-c${c}.png`, crossover: c, sources: n });
          tick(`blend crossover ${c}`);
        }
      }

      let leak: import('../analysis/leakage.js').LeakageRow[] | null = null;
      let maskInfo: Record<string, unknown> | null = null;
      if (p.leakage.masks === 'model') {
        const { openGeneratedMasker } = await import('../analysis/masks.js');
        const masker = await openGeneratedMasker(p.leakage, `${where}: params.leakage`, ctx.log);
        ctx.setEnv('leakage.maskModelSha256', masker.info.modelSha256);
        try {
          // The first page's masks as a picture, so a reader can judge the mask model on these images.
          const shown: Uint8Array[] = [];
          leak = await lk.traversalLeakage(tr.rows, tr.mean, res, masker.fn, (i, masks) => {
            if (i < p.rowsPerPage) shown.push(masks);
            tick(`leakage ${i + 1}/${K}`);
          });
          writeFileSync(join(ctx.outDir, 'leakage-masks.png'), await gridPng(shown.flatMap((m) => tv.splitImages(m, res, 1)), res, 1, { cols: p.steps, zoom }));
          maskInfo = masker.info;
        } finally {
          await masker.dispose();
        }
      }
      let truth: import('../analysis/leakage.js').LeakageRow[] | null = null;
      let truthImages = 0;
      const dataRef = ctx.inputs.data;
      if (dataRef && p.leakage.truthImages > 0) {
        if (m.kind !== 'vae') throw new UserError(`${where}: input "data" (true-mask leakage) applies to a VAE only; StyleGAN images are generated and have no true masks`);
        if (!existsSync(join(dataRef.dir, 'masks.json'))) throw new UserError(`${where}: input "data" (${dataRef.dir}) has no masks.json + masks.u8 (true masks: synthetic faces or their composites)`);
        const { PackedReader } = await import('../datasets/packed.js');
        const { truthLeakage } = await import('../analysis/truth-leakage.js');
        const images = new PackedReader(dataRef.dir), masks = new PackedReader(dataRef.dir, 'masks.json');
        try {
          if (images.meta.resolution !== res || masks.meta.resolution !== res || masks.count !== images.count) throw new UserError(`${where}: input "data" is ${images.meta.resolution}px (masks ${masks.meta.resolution}px, ${masks.count}/${images.count}) but the VAE makes ${res}px images`);
          truthImages = Math.min(p.leakage.truthImages, images.count);
          truth = truthLeakage(m, pca, images, masks, { images: p.leakage.truthImages, range: p.range, components: K, batch: p.batch, signal: ctx.signal });
        } finally {
          images.close(); masks.close();
        }
      }
      const factorPath = join(pcaRef.dir, 'factor-correlation.json');
      const factors = existsSync(factorPath) ? (JSON.parse(readFileSync(factorPath, 'utf8')) as { components: import('../analysis/factors.js').ComponentFactors[] }).components : null;
      const rows = tb.buildTable(K, file.eigenvalues, file.explainedVarianceRatio, leak, factors, truth);
      const notes = [
        truth ? `leakageTrueMask = the same share for edits of +-${p.range} sd around ${truthImages} encoded real images, with their true masks (no mask model)` : 'leakageTrueMask not measured (needs a VAE and input "data" with true masks)',
        leak ? 'leakage = share of the traversal pixel change |img_t - img_mean| on pixels that are background in both images (mask model on the generated images)' : 'leakage not measured (params.leakage.masks: none)',
        factors ? 'factor columns: correlation of each component with the dataset factors over the encoded real images (pca stage)'
          : m.kind === 'stylegan' ? 'no factor columns: StyleGAN images are generated, so no ground-truth factors exist; mask-based leakage only' : 'no factor columns: the pca data input had no factors.json',
      ];
      const title = `${m.kind === 'vae' ? 'VAE z' : 'StyleGAN w'} components, model ${file.model.hash.slice(0, 12)}`;
      writeFileSync(join(ctx.outDir, 'leakage.json'), JSON.stringify({ model: file.model, masks: maskInfo, notes, columns: tb.TABLE_COLUMNS, rows }, null, 1) + '\n');
      writeFileSync(join(ctx.outDir, 'leakage.csv'), tb.tableCsv(rows));
      writeFileSync(join(ctx.outDir, 'traversal.json'), JSON.stringify({
        model: file.model, components: K, range: p.range, steps: p.steps, t: tr.t, unit: 'standard deviations (sqrt eigenvalue)',
        pages, layerGrids, blends, styleLayers: m.layers,
      }, null, 1) + '\n');
      const leaks = leak?.map((l) => l.leakage) ?? [];
      return {
        summary: {
          model: m.kind, components: K, steps: p.steps, pages: pages.length, layerGrids: layerGrids.length, blends: blends.length,
          meanLeakage: mean(leaks),
          meanLeakageTrueMask: truth ? mean(truth.map((l) => l.leakage)) : null,
          masks: maskInfo, factors: factors !== null, markdown: tb.tableMarkdown(rows, title), notes, backend: be.backend,
        },
      };
    } finally {
      m.dispose();
    }
  },
};

export default traverseStage;
