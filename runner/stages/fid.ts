/**
 * Stage kind `fid`: FID and KID of a trained model against real statistics, at every snapshot of
 * the model artifact (the FID curve) and its final weights, plus the paper's adjusted FID.
 *
 * Inputs: `model` (train-vae or train-stylegan artifact), `reals` (one or more fid-stats artifacts:
 * one per (level, alpha) the points need; all with one extractor), optional `rawWeight` +
 * `greyWeight` (weigh artifacts of the raw and grey datasets: FID_adjusted = FID * (1 - d),
 * d = 1 - meanBytes(grey)/meanBytes(raw), measured, never a constant).
 * Per point: N seeded samples (runner/evaluation/models.ts), optionally masked onto the reals' grey
 * background (masked FID, runner/evaluation/masker.ts), features with the reals' extractor,
 * float64 FID, KID over subsets, sample diversity against the reals' (runner/evaluation/score.ts).
 * Outputs: fid.json, fid.csv, fid.svg (runner/evaluation/fid-output.ts), samples.png (final point),
 * summary {final row, points, extractor, comparable, weightDrop}.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted, UserError } from '../errors.js';
import type { ArtifactRef, StageContext, StageKind } from './types.js';
import { useBackend } from './backend-env.js';
import type { MaskerParams } from '../evaluation/masker.js';

export interface FidParams {
  samples: number;
  seed: number;
  psi: number;
  points: 'all' | 'final';
  genBatch: number;
  featureBatch: number;
  features: 'inception' | 'inception-random' | null;
  inputSize: number | null;
  weights: string | null;
  alphaMismatch: 'skip' | 'error';
  kid: { enabled: boolean; subsets: number; subsetSize: number; seed: number };
  diversity: { enabled: boolean; maxRows: number; seed: number };
  masked: MaskerParams & { enabled: boolean };
  gridCount: number;
}

export const fidStage: StageKind<FidParams> = {
  kind: 'fid',
  version: 2,
  description: 'FID/KID curve of a VAE or StyleGAN artifact (every snapshot + final) against fid-stats reals; adjusted and masked FID',
  paramsSchema: 'fid.schema.json',
  // Keyed by the content of these files, not their paths (docs/runner.md).
  paths: ['weights', 'masked.model.path'],
  inputs: [
    { name: 'model', kinds: ['train-vae', 'train-stylegan'], description: 'the trained model artifact (snapshots/ + final weights)' },
    { name: 'reals', kinds: ['fid-stats'], multiple: true, description: 'real-image statistics, one per (level, alpha) to score; one extractor for all' },
    { name: 'rawWeight', optional: true, kinds: ['weigh'], description: 'weigh artifact of the raw dataset (adjusted FID)' },
    { name: 'greyWeight', optional: true, kinds: ['weigh'], description: 'weigh artifact of the grey dataset (adjusted FID)' },
  ],
  accelerator: () => true,
  async run(ctx) {
    const p = ctx.params;
    const where = `stage ${ctx.id}`;
    const modelRef = ctx.inputs.model;
    const realRefs: ArtifactRef[] = ctx.inputLists?.reals ?? (ctx.inputs.reals ? [ctx.inputs.reals] : []);
    if (!modelRef) throw new UserError(`${where}: input "model" is required`);
    if (realRefs.length === 0) throw new UserError(`${where}: input "reals" is required (a fid-stats stage)`);
    const [ev, sc, out, { gridPng }] = await Promise.all([
      import('../evaluation/models.js'), import('../evaluation/score.js'), import('../evaluation/fid-output.js'), import('../imaging/grid.js'),
    ]);
    const { openExtractor, describeExtractor, extractorDiff } = await import('../evaluation/extractor.js');
    const { extractAll } = await import('../evaluation/features.js');

    // Everything checkable without heavy work first: reals agree, model points have reals, weights.
    const summaries = realRefs.map((r, i) => sc.realsSummary(r, `${where}: inputs.reals[${i}]`));
    const id = sc.commonExtractor(summaries, p, `${where}`);
    const adj = sc.adjustment(ctx.inputs.rawWeight, ctx.inputs.greyWeight, where);
    const model = await ev.openModelArtifact(modelRef, `${where}: input "model"`);
    const points = p.points === 'final' ? model.points.slice(-1) : model.points;
    const levels = new Set(summaries.map((s) => s.level));
    for (const pt of points) {
      if (!levels.has(pt.level)) throw new UserError(`${where}: the model's ${pt.snapshot} generates ${pt.level} px images but inputs.reals are at level ${[...levels].join(', ')} px; run fid-stats with level: ${pt.level}`);
      if (p.alphaMismatch === 'error' && !summaries.some((s) => s.level === pt.level && Math.abs(s.alpha - pt.alpha) < 1e-9)) {
        throw new UserError(`${where}: ${pt.snapshot} is at level ${pt.level} alpha ${pt.alpha} and no inputs.reals has that alpha (have ${summaries.map((s) => s.alpha).join(', ')}); add fid-stats with alpha: ${pt.alpha} or set alphaMismatch: skip`);
      }
    }
    const maskedReals = summaries.filter((s) => s.masked);
    if (p.masked.enabled && maskedReals.length !== summaries.length) throw new UserError(`${where}: params.masked.enabled needs masked reals (fid-stats with a mask input); inputs.reals are not masked`);
    if (!p.masked.enabled && maskedReals.length) throw new UserError(`${where}: inputs.reals are composited onto grey (fid-stats with a mask input) but params.masked.enabled is false; unmasked samples against masked reals would not be like for like`);

    const be = await useBackend(ctx as StageContext<unknown>);
    const ex = await openExtractor({ features: id.network, weights: p.weights, seed: id.seed ?? 0, inputSize: id.inputSize }, { where: `${where}: params`, log: ctx.log });
    let masker: import('../evaluation/masker.js').Masker | undefined;
    try {
      const d = extractorDiff(ex.id, id);
      if (d.length) throw new UserError(`${where}: the extractor loaded here (${describeExtractor(ex.id)}) differs from the one inputs.reals used (${describeExtractor(id)}): ${d.join(', ')}; point params.weights at the same file`);
      if (ex.id.weightsSha256) ctx.setEnv('fid.weightsSha256', ex.id.weightsSha256);
      const grey = summaries[0]!.masked?.grey ?? 128;
      if (p.masked.enabled) {
        masker = await (await import('../evaluation/masker.js')).openMasker(p.masked, `${where}: params.masked`, ctx.log);
        sc.checkMaskedReals(summaries, { ...masker, threshold: p.masked.threshold, cleanup: p.masked.cleanup }, where);
      }
      const reals = await Promise.all(realRefs.map((r, i) => sc.openReals(r, `${where}: inputs.reals[${i}]`)));
      ctx.log(`${points.length} point(s) x ${p.samples} samples (${model.kind}); extractor ${describeExtractor(id)} on ${be.backend}${masker ? `; masked onto grey ${grey}` : ''}${adj ? `; weight drop d = ${adj.drop.toFixed(4)}` : ''}`);

      const rows: import('../evaluation/fid-output.js').FidRow[] = [];
      const total = points.length * p.samples;
      let grid: Uint8Array | undefined;
      const t0 = performance.now();
      for (const [k, pt] of points.entries()) {
        throwIfAborted(ctx.signal);
        const real = sc.realsFor(reals, pt.level, pt.alpha);
        const base = { snapshot: pt.snapshot, epoch: pt.epoch, step: pt.step, level: pt.level, alpha: pt.alpha, n: p.samples, comparable: ex.comparable };
        if (!real) {
          ctx.log(`${pt.snapshot}: level ${pt.level} alpha ${pt.alpha} has no reals input: skipped`);
          rows.push({ ...base, fid: null, kid: null, kidStd: null, diversity: null, realDiversity: null, diversityRatio: null, nReals: null, ...(adj ? { adjustedFid: null } : {}) });
          continue;
        }
        const sampler = await pt.open({ seed: p.seed, psi: p.psi });
        let gen;
        try {
          const last = k === points.length - 1;
          // Generation in genBatch blocks (StyleGAN noise is keyed by block start), extraction in featureBatch.
          const R = sampler.resolution, per = R * R * 3;
          let pool: Uint8Array = new Uint8Array(0), poolStart = 0, nextGen = 0;
          const images = async (start: number, n: number): Promise<Uint8Array> => {
            pool = pool.subarray((start - poolStart) * per);
            poolStart = start;
            while (nextGen < start + n) {
              const g = sampler.sample(nextGen, Math.min(p.genBatch, p.samples - nextGen));
              pool = concat(pool, g);
              nextGen += g.length / per;
            }
            let px: Uint8Array = pool.slice(0, n * per);
            if (masker) px = await masker.composite(px, n, R, grey);
            if (last && p.gridCount > 0 && (grid?.length ?? 0) < p.gridCount * per) {
              grid = concat(grid ?? new Uint8Array(0), px.subarray(0, Math.min(p.gridCount * per - (grid?.length ?? 0), px.length)));
            }
            return px;
          };
          gen = await extractAll(ex, p.samples, sampler.resolution, images, {
            batchSize: p.featureBatch, signal: ctx.signal,
            onProgress: (done, _t, ips) => ctx.progress({ done: k * p.samples + done, total, message: `${pt.snapshot} ${ips.toFixed(1)} img/s` }),
          });
        } finally {
          sampler.dispose();
        }
        throwIfAborted(ctx.signal);
        const s = sc.score(gen, real, { kid: p.kid, diversity: p.diversity });
        const row = { ...base, fid: s.fid, kid: s.kid, kidStd: s.kidStd, diversity: s.diversity, realDiversity: s.realDiversity, diversityRatio: s.diversityRatio, nReals: real.stats.n, ...(adj ? { adjustedFid: sc.adjustFid(s.fid, adj.drop) } : {}) };
        rows.push(row);
        ctx.log(`${pt.snapshot} (epoch ${pt.epoch}, level ${pt.level}, alpha ${pt.alpha}): FID ${s.fid.toFixed(3)}${adj ? ` adjusted ${row.adjustedFid!.toFixed(3)}` : ''}${s.kid !== null ? ` KID ${s.kid.toExponential(3)} ± ${s.kidStd!.toExponential(2)}` : ''}${s.diversityRatio !== null ? ` diversity ${s.diversityRatio.toFixed(3)} of the reals'` : ''} (${(p.samples / gen.seconds).toFixed(1)} img/s)`);
      }
      ctx.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const context = {
        model: model.kind, extractor: id, comparable: ex.comparable, samples: p.samples, seed: p.seed, psi: p.psi,
        masked: masker ? { grey, modelSha256: masker.modelSha256, inputSize: masker.inputSize } : null,
        weightDrop: adj ? adj.drop : null, weighed: adj ? { rawMeanBytes: adj.rawMeanBytes, greyMeanBytes: adj.greyMeanBytes } : null, kid: p.kid, diversity: p.diversity,
      };
      out.writeFidFiles(ctx.outDir, rows, context, !!adj, `${model.kind} FID${ex.comparable ? '' : ' (not comparable: ' + id.network + '@' + id.inputSize + 'px)'}`);
      if (grid && grid.length) {
        const R = points.at(-1)!.level;
        writeFileSync(join(ctx.outDir, 'samples.png'), await gridPng(grid, R, 3, { zoom: Math.max(1, Math.floor(64 / R)) }));
      }
      const final = rows.at(-1)!;
      return { summary: { final, points: rows.length, fid: final.fid, kid: final.kid, kidStd: final.kidStd, diversityRatio: final.diversityRatio ?? null, ...(adj ? { adjustedFid: final.adjustedFid, weightDrop: adj.drop } : {}), comparable: ex.comparable, extractor: id, model: model.kind, samples: p.samples } };
    } finally {
      ex.dispose();
      await masker?.dispose();
    }
  },
};

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a); o.set(b, a.length);
  return o;
}

export default fidStage;
