/**
 * Stage kind `compare`: the raw-vs-grey comparison page (compare.html, self-contained like the
 * report) and its numbers (compare.json: final FIDs per seed, mean, sd, 95% t-interval, Welch's
 * t-test raw vs grey and adjusted raw vs grey). Inputs `raw` and `grey` take one fid artifact per
 * seed replica (`multiple`); pca and traverse artifacts per side are optional (a traverse
 * artifact brings both its traversal grids and its leakage.json table).
 *
 * A separate kind from `report` because its inputs are pairs (raw, grey) rather than roles, and
 * its output has statistics of its own (compare.json) that other tools can read. Page assembly is
 * runner/report/compare.ts. Docs: docs/report.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { comparePage } from '../report/compare.js';
import { assertSelfContained } from '../report/html.js';
import type { StageKind } from './types.js';

export interface CompareParams {
  title: string;
  traversalLimit: number;
}

export const compareStage: StageKind<CompareParams> = {
  kind: 'compare',
  version: 1,
  description: 'Raw vs grey comparison page: FID curves overlaid, final FIDs with mean/sd/95% CI across seeds and a Welch t-test, spectra, traversals, leakage',
  paramsSchema: 'compare.schema.json',
  inputs: [
    { name: 'raw', kinds: ['fid'], multiple: true, description: 'fid artifacts of the raw-trained model, one per seed replica (adjusted FID when the fid stage had weigh inputs)' },
    { name: 'grey', kinds: ['fid'], multiple: true, description: 'fid artifacts of the grey-trained model, one per seed replica' },
    { name: 'rawPca', kinds: ['pca'], multiple: true, optional: true, description: 'pca of the raw model (eigenvalue spectrum)' },
    { name: 'greyPca', kinds: ['pca'], multiple: true, optional: true, description: 'pca of the grey model' },
    { name: 'rawTraverse', kinds: ['traverse'], multiple: true, optional: true, description: 'traverse artifact of the raw model: traversal grids and its leakage.json table' },
    { name: 'greyTraverse', kinds: ['traverse'], multiple: true, optional: true, description: 'traverse artifact of the grey model' },
  ],
  async run(ctx) {
    const list = (name: string) => ctx.inputLists?.[name] ?? (ctx.inputs[name] ? [ctx.inputs[name]!] : []);
    const raw = list('raw'), grey = list('grey');
    if (raw.length === 0 || grey.length === 0) throw new UserError(`stage ${ctx.id}: inputs "raw" and "grey" each need at least one fid artifact`);
    const t0 = performance.now();
    const { html, stats, sections } = comparePage({
      raw, grey, rawPca: list('rawPca'), greyPca: list('greyPca'), rawTraverse: list('rawTraverse'),
      greyTraverse: list('greyTraverse'),
    }, ctx.params);
    assertSelfContained(html, `stage ${ctx.id}`);
    writeFileSync(join(ctx.outDir, 'compare.html'), html);
    writeFileSync(join(ctx.outDir, 'compare.json'), JSON.stringify(stats, null, 1) + '\n');
    const t = stats.rawVsGrey;
    ctx.log(`compare.html: ${sections.length} sections, ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB in ${((performance.now() - t0) / 1000).toFixed(2)} s; `
      + (t.possible ? `raw vs grey final FID: t = ${t.t.toFixed(3)}, df = ${t.df.toFixed(2)}, p = ${t.p.toPrecision(3)}` : `no test: ${t.reason}`));
    return { summary: { sections, seeds: { raw: raw.length, grey: grey.length }, raw: stats.raw?.mean ?? null, grey: stats.grey?.mean ?? null, adjustedRaw: stats.adjustedRaw?.mean ?? null, rawVsGrey: t, bytes: Buffer.byteLength(html) } };
  },
};

export default compareStage;
