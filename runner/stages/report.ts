/**
 * Stage kind `report`: one self-contained HTML page per experiment (report.html: images as data:
 * URIs, SVG inline, no external requests; opens offline from the store or a mail attachment).
 *
 * Inputs are lists by role, all optional, so an experiment wires whatever it has; a section appears
 * only for what is present (runner/report/sections*.ts). Run facts come from each input's meta.json
 * in the store (runner/report/artifacts.ts: `join(ref.dir, '..', 'meta.json')`), so with
 * `timings: true` the page holds wall-clock seconds and is not byte-reproducible; the default
 * `timings: false` gives a reproducible output hash. Docs: docs/report.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted } from '../errors.js';
import { notComparable, label, readFid } from '../report/artifacts.js';
import { assertSelfContained, page } from '../report/html.js';
import { comparabilityBanner, figure1Section, gridsSection, maskSection, runFactsSection, weightsSection, type Role } from '../report/sections.js';
import { fidSection, leakageSection, pcaSection, trainingSection, traversalSection, withLeakage } from '../report/sections-eval.js';
import type { InputSpec, StageKind } from './types.js';

export interface ReportParams {
  title: string;
  timings: boolean;
  traversalLimit: number;
}

/** Role -> kinds it accepts. Every role is `multiple: true, optional: true`. */
export const REPORT_ROLES: Array<[string, string[], string]> = [
  ['datasets', ['dataset', 'composite'], 'datasets: sample grids and counts'],
  ['composites', ['composite'], 'composites: the Figure-1 strip and sample grids'],
  ['masks', ['mask'], 'mask artifacts: quality.json (IoU/MAE vs ground truth) and mask grids'],
  ['rawWeights', ['weigh'], 'weigh artifacts of the raw dataset (one, or one per seed replica)'],
  ['greyWeights', ['weigh'], 'weigh artifacts of the grey dataset, paired with rawWeights in order: the measured drop d'],
  ['weights', ['weigh'], 'other weigh artifacts (e.g. blur): listed without a drop'],
  ['models', ['train-vae', 'train-stylegan'], 'trained models: loss curves and sample grids'],
  ['fids', ['fid'], 'fid artifacts: FID / adjusted / masked FID and KID curves and tables'],
  ['pcas', ['pca'], 'pca artifacts: eigenvalue spectra (pca.json)'],
  ['traversals', ['traverse'], 'traverse artifacts: traversal grids (their PNG files)'],
  ['leakage', ['traverse'], 'traverse artifacts whose leakage table to show without their grids (traversals inputs show theirs anyway)'],
];

export const reportStage: StageKind<ReportParams> = {
  kind: 'report',
  version: 1,
  description: 'Self-contained HTML report of an experiment (run facts, Figure 1, grids, masks, weights, losses, FID curves, PCA, traversals, leakage)',
  paramsSchema: 'report.schema.json',
  inputs: REPORT_ROLES.map(([name, kinds, description]): InputSpec => ({ name, kinds, description, multiple: true, optional: true })),
  async run(ctx) {
    const p = ctx.params;
    const t0 = performance.now();
    const list = (name: string) => ctx.inputLists?.[name] ?? (ctx.inputs[name] ? [ctx.inputs[name]!] : []);
    const roles: Role[] = REPORT_ROLES.map(([name]) => ({ role: name, refs: list(name) }));
    const r = Object.fromEntries(roles.map((x) => [x.role, x.refs]));
    const flagged = r['fids']!.filter((f) => { const j = readFid(f); return j ? notComparable(j, f) : f.summary['comparable'] === false; }).map((f) => label(f));
    const sections: Array<[string, () => string]> = [
      ['run', () => runFactsSection(roles, { timings: p.timings })],
      ['figure1', () => figure1Section(r['composites']!)],
      ['samples', () => gridsSection(r['datasets']!, r['composites']!, r['models']!, r['fids']!)],
      ['masks', () => maskSection(r['masks']!)],
      ['weights', () => weightsSection(r['rawWeights']!, r['greyWeights']!, r['weights']!, r['fids']!)],
      ['training', () => trainingSection(r['models']!)],
      ['fid', () => fidSection(r['fids']!)],
      ['pca', () => pcaSection(r['pcas']!)],
      ['traversals', () => traversalSection(r['traversals']!, p.traversalLimit)],
      ['leakage', () => leakageSection(withLeakage(r['traversals']!, r['leakage']!))],
    ];
    const parts: string[] = [comparabilityBanner(flagged)];
    const present: string[] = [];
    sections.forEach(([name, build], i) => {
      throwIfAborted(ctx.signal);
      const html = build();
      if (html) { parts.push(html); present.push(name); }
      ctx.progress({ done: i + 1, total: sections.length, message: name });
    });
    if (present.length === 0) parts.push('<p>No inputs were wired to this report stage: connect datasets, fids, models ... (docs/report.md).</p>');
    const html = page(p.title, parts.join('\n'));
    assertSelfContained(html, `stage ${ctx.id}`);
    writeFileSync(join(ctx.outDir, 'report.html'), html);
    const images = (html.match(/<img\b/g) ?? []).length, svgs = (html.match(/<svg\b/g) ?? []).length;
    const summary = { sections: present, images, svgs, bytes: Buffer.byteLength(html), notComparable: flagged };
    writeFileSync(join(ctx.outDir, 'report.json'), JSON.stringify(summary, null, 1) + '\n');
    ctx.log(`report.html: ${present.length} sections, ${images} images, ${svgs} plots, ${(summary.bytes / 1024).toFixed(0)} KiB in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    return { summary };
  },
};

export default reportStage;
