/**
 * Stage kind `pca`: PCA of a trained model's latent space (paper section 5), float64.
 *
 * Inputs: `model` (train-vae or train-stylegan artifact), `data` (packed dataset; required for a
 * VAE, whose latents are the encoder's posteriors of its images; ignored for StyleGAN, whose
 * latents are w = mapping(z) for seeded z, without truncation, as in GANSpace).
 * Outputs (runner/analysis/pca-artifact.ts for the format):
 *   pca.json, mean.f64, components.f64   the fit, plus fresh.sd: per-component sd of an independent
 *                                        sample set projected on the components
 *   spectrum.svg                         eigenvalues and the fresh set's variances per component
 *   samples.png                          images sampled through the PCA (VAE decoder / StyleGAN Gs)
 *   factor-correlation.json/.csv         VAE on a dataset with factors.json: per component, max |r|
 *                                        and regression R^2 over face vs background factors
 * The maths lives in runner/analysis/; this module wires it to the stage contract.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { StageContext, StageKind } from './types.js';
import { useBackend } from './backend-env.js';

export interface PcaParams {
  samples: number;
  freshSamples: number;
  components: number;
  latents: 'mean' | 'sample';
  seed: number;
  batch: number;
  grid: number;
  sampleComponents: number;
  noise: 'fixed' | 'none';
  zoom: number;
}

/** Zoom that makes tiles at least 64 px (0 = automatic). */
export function tileZoom(zoom: number, resolution: number): number {
  return zoom > 0 ? zoom : Math.max(1, Math.floor(64 / resolution));
}

export const pcaStage: StageKind<PcaParams> = {
  kind: 'pca',
  version: 2, // 2: StyleGAN noise for seed 0 is seeded (tfjs treated seed 0 as Math.random)
  description: 'PCA of a VAE (encoded reals) or StyleGAN (mapped w) latent space: spectrum, fresh-sample check, samples through the PCA, factor correlations',
  paramsSchema: 'pca.schema.json',
  inputs: [
    { name: 'model', kinds: ['train-vae', 'train-stylegan'], description: 'the trained model artifact (final weights / last snapshot)' },
    { name: 'data', optional: true, description: 'packed dataset whose images the VAE encodes (factors.json beside it enables the factor correlations); unused for StyleGAN' },
  ],
  accelerator: () => true,
  async run(ctx) {
    const p = ctx.params;
    const where = `stage ${ctx.id}`;
    const modelRef = ctx.inputs.model;
    if (!modelRef) throw new UserError(`${where}: input "model" is required`);
    const [lat, col, { fitPca, project }, art, { factorCorrelations }, { factorCsv }, { linePlotSvg }, { gridPng }, { PackedReader }, { Stream }] = await Promise.all([
      import('../analysis/latents.js'), import('../analysis/collect.js'), import('../analysis/pca.js'),
      import('../analysis/pca-artifact.js'), import('../analysis/factors.js'), import('../analysis/table.js'), import('../report/svg-plot.js'),
      import('../imaging/grid.js'), import('../datasets/packed.js'), import('../training/rng.js'),
    ]);
    const be = await useBackend(ctx as StageContext<unknown>);
    const m = await lat.openLatentModel(modelRef, `${where}: input "model"`, { noise: p.noise, seed: p.seed });
    const reader = m.kind === 'vae' ? openData() : undefined;
    function openData() {
      const data = ctx.inputs.data;
      if (!data) throw new UserError(`${where}: input "data" is required for a VAE (the images whose latents are analysed)`);
      const r = new PackedReader(data.dir);
      if (r.meta.resolution !== m.resolution || r.meta.channels !== 3) {
        r.close();
        throw new UserError(`${where}: input "data" is ${r.meta.resolution}px/${r.meta.channels}ch but the VAE takes ${m.resolution}px RGB`);
      }
      return r;
    }
    try {
      let nFit = p.samples, nFresh = p.freshSamples;
      if (reader) {
        if (reader.count - nFresh < 2) throw new UserError(`${where}: input "data" has ${reader.count} images; params.freshSamples (${nFresh}) leaves fewer than 2 for the fit`);
        if (nFit > reader.count - nFresh) {
          nFit = reader.count - nFresh;
          ctx.log(`params.samples ${p.samples} capped at ${nFit} (data has ${reader.count} images, ${nFresh} kept for the fresh set)`);
        }
      }
      const total = nFit + nFresh;
      const io = (offset: number) => ({ batch: p.batch, signal: ctx.signal, onBatch: (d: number) => ctx.progress({ done: offset + d, total, message: `latents ${offset + d}/${total}` }) });
      const fit = reader ? col.collectVae(m, reader, 0, nFit, p.latents, p.seed, io(0)) : col.collectStyleGan(m, nFit, p.seed, Stream.user + 1, io(0));
      const fresh = reader ? col.collectVae(m, reader, nFit, nFresh, p.latents, p.seed, io(nFit)) : col.collectStyleGan(m, nFresh, p.seed, Stream.user + 2, io(nFit));
      const k = Math.min(p.components, m.dim, nFit - 1);
      if (k < p.components) ctx.log(`params.components ${p.components} capped at ${k} (latent dim ${m.dim}, ${nFit} samples)`);
      const pca = fitPca(fit, nFit, m.dim, { k });
      const freshSd = col.columnSd(project(pca, fresh, nFresh), nFresh, k);
      const latents = m.kind === 'vae' ? p.latents : 'mapped';
      const file = art.writePcaArtifact(ctx.outDir, pca, {
        model: { ...m.info, kind: m.kind, space: m.space, hash: modelRef.hash, resolution: m.resolution, layers: m.layers },
        latents, fresh: { n: nFresh, sd: freshSd },
      });

      const xs = Array.from({ length: k }, (_, i) => i + 1);
      writeFileSync(join(ctx.outDir, 'spectrum.svg'), linePlotSvg([
        { label: `eigenvalue (fit, n=${nFit})`, x: xs, y: file.eigenvalues },
        { label: `variance of fresh samples (n=${nFresh})`, x: xs, y: freshSd.map((s) => s * s) },
      ], { title: `PCA of ${m.kind === 'vae' ? 'VAE z' : 'StyleGAN w'} (${m.dim}-d)`, xLabel: 'component', yLabel: 'variance' }));

      if (p.grid > 0) {
        const top = p.sampleComponents > 0 ? p.sampleComponents : k;
        const z = art.samplePcaLatents(pca, p.grid, top, p.seed, Stream.user + 3);
        const pixels = lat.renderBroadcast(m, z, p.grid, p.batch);
        writeFileSync(join(ctx.outDir, 'samples.png'), await gridPng(pixels, m.resolution, 3, { zoom: tileZoom(p.zoom, m.resolution) }));
      }

      let factors: Record<string, unknown> = { available: false, reason: m.kind === 'stylegan' ? 'generated images have no ground-truth factors (StyleGAN: mask-based leakage only)' : 'input "data" has no factors.json' };
      const factorsPath = reader ? join(ctx.inputs.data!.dir, 'factors.json') : '';
      if (reader && existsSync(factorsPath)) {
        const table = JSON.parse(readFileSync(factorsPath, 'utf8')) as import('../analysis/factors.js').FactorTable;
        if (table.rows.length !== reader.count) throw new UserError(`${where}: ${factorsPath} has ${table.rows.length} rows for ${reader.count} images`);
        const fits = factorCorrelations(project(pca, fit, nFit), nFit, k, table);
        writeFileSync(join(ctx.outDir, 'factor-correlation.json'), JSON.stringify({ n: nFit, latents, components: fits }, null, 1) + '\n');
        writeFileSync(join(ctx.outDir, 'factor-correlation.csv'), factorCsv(fits));
        factors = { available: true, n: nFit, top: fits.slice(0, 5).map((f) => ({ component: f.component, faceR2: f.face.r2, backgroundR2: f.background.r2 })) };
      }
      const top = Math.min(k, 10);
      return {
        summary: {
          model: m.kind, space: m.space, latents, n: nFit, fresh: nFresh, dim: m.dim, k,
          eigenvalues: file.eigenvalues.slice(0, top),
          explainedRatio: file.explainedVarianceRatio.slice(0, top),
          explainedTotal: file.explainedVarianceRatio.reduce((a, b) => a + b, 0),
          freshSdRatio: freshSd.slice(0, top).map((s, i) => (file.eigenvalues[i]! > 0 ? s / Math.sqrt(file.eigenvalues[i]!) : null)),
          factors, backend: be.backend,
        },
      };
    } finally {
      reader?.close();
      m.dispose();
    }
  },
};

export default pcaStage;
