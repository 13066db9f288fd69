/**
 * Report sections about data and provenance: run facts (keys, hashes, timings, backends), the
 * Figure-1 strip, sample grids, mask quality and image weights. Each function returns '' when its
 * inputs hold nothing to show, so a report has sections only for what the experiment wired.
 * Training, FID, PCA, traversal and leakage sections are in sections-eval.ts.
 */
import { join } from 'node:path';
import { weightDrop } from '../metrics/weight.js';
import type { ArtifactRef } from '../stages/types.js';
import { label, readJson, readMeta, shortHash } from './artifacts.js';
import { banner, esc, imageFile, num, row, section, table, type Cell } from './html.js';

export interface Role {
  role: string;
  refs: ArtifactRef[];
}

function envString(env: Record<string, unknown> | undefined, key: string): string {
  const v = env?.[key];
  return v === undefined || v === null ? '' : String(v);
}

/** Every input artifact: stage, kind, key, output hash, seconds, tfjs backend and why; machine facts. */
export function runFactsSection(roles: Role[], opts: { timings: boolean }): string {
  const rows: Cell[][] = [];
  const machines = new Set<string>();
  let total = 0, timed = 0;
  for (const { role, refs } of roles) {
    for (const ref of refs) {
      const meta = readMeta(ref);
      const env = meta?.environment;
      const seconds = meta?.timings?.seconds;
      if (typeof seconds === 'number') { total += seconds; timed++; }
      const backend = envString(env, 'tfjs.backend') || envString(env, 'mask.provider');
      rows.push([
        role, label(ref, meta), ref.kind, { html: `<code title="${esc(ref.key)}">${esc(shortHash(ref.key))}</code>` },
        { html: `<code title="${esc(ref.hash)}">${esc(shortHash(ref.hash))}</code>` },
        ...(opts.timings ? [typeof seconds === 'number' ? seconds : null] : []),
        backend, envString(env, 'tfjs.backendReason'),
      ]);
      if (env) machines.add(['node', 'platform', 'arch', 'cpu', 'cpus'].map((k) => envString(env, k)).filter(Boolean).join(' · '));
    }
  }
  if (rows.length === 0) return '';
  const headers = ['role', 'stage', 'kind', 'key', 'output hash', ...(opts.timings ? ['seconds'] : []), 'backend', 'why this backend'];
  const facts = [
    `<p>${rows.length} input artifact(s). Keys and output hashes are the store's (first 12 hex digits; hover for the full value); `
      + `two runs that produced the same hashes produced identical files.</p>`,
    table(headers, rows),
  ];
  if (opts.timings && timed > 0) facts.push(`<p>Sum of stage times: ${num(total)} s over ${timed} timed stage(s) (from each artifact's meta.json; a cached stage shows the time of the run that produced it).</p>`);
  if (timed < rows.length) facts.push(`<p class="muted">${rows.length - timed} artifact(s) have no meta.json beside their data folder (not read from a store): no timings or environment for them.</p>`);
  if (machines.size) facts.push(`<p>Machine(s): ${[...machines].map((m) => `<code>${esc(m)}</code>`).join('; ')}</p>`);
  return section('run', 'Run facts', facts.join('\n'));
}

export function figure1Section(composites: ArtifactRef[]): string {
  const figs = composites.map((r) => imageFile(join(r.dir, 'figure1.png'), `${label(r)}: original | mask | blurred background | grey background`));
  const body = row(figs);
  return body ? section('figure1', 'Figure 1: backgrounds', body) : '';
}

/** Sample grids of datasets, composites and generated samples of models and fid stages. */
export function gridsSection(datasets: ArtifactRef[], composites: ArtifactRef[], models: ArtifactRef[], fids: ArtifactRef[]): string {
  const figs: string[] = [];
  for (const r of [...datasets, ...composites]) {
    const s = r.summary as { count?: number; resolution?: number; mode?: string; source?: string };
    const what = [s.mode ?? s.source, s.count !== undefined ? `${s.count} images` : '', s.resolution ? `${s.resolution} px` : ''].filter(Boolean).join(', ');
    figs.push(imageFile(join(r.dir, 'sample-grid.png'), `${label(r)}${what ? ` (${what})` : ''}: first images`));
  }
  for (const r of models) figs.push(imageFile(join(r.dir, 'samples.png'), `${label(r)}: generated samples (final)`));
  for (const r of fids) figs.push(imageFile(join(r.dir, 'samples.png'), `${label(r)}: samples scored at the last evaluation point`));
  const body = row(figs);
  return body ? section('samples', 'Sample grids', body) : '';
}

interface Quality {
  threshold?: number;
  iou?: Record<string, number>;
  mae?: Record<string, number>;
  perImage?: Array<{ name: string; iou: number; mae: number }>;
}

export function maskSection(masks: ArtifactRef[]): string {
  const parts: string[] = [];
  for (const r of masks) {
    const s = r.summary as { model?: string; family?: string; inputSize?: number; count?: number; resolution?: number };
    const q = readJson<Quality>(r, 'quality.json');
    parts.push(`<h3>${esc(label(r))}</h3><p>Model ${esc(s.model ?? '?')}${s.family ? ` (${esc(s.family)})` : ''}${s.inputSize ? ` at ${esc(s.inputSize)} px` : ''}; ${esc(s.count ?? '?')} masks at ${esc(s.resolution ?? '?')} px.</p>`);
    if (q?.iou) {
      const stats = ['mean', 'median', 'min', 'max'];
      parts.push(table(['vs ground truth', ...stats], [
        [`IoU (threshold ${q.threshold ?? 0.5})`, ...stats.map((k) => q.iou?.[k] ?? null)],
        ['MAE (0-1)', ...stats.map((k) => q.mae?.[k] ?? null)],
      ]));
      const worst = [...(q.perImage ?? [])].sort((a, b) => a.iou - b.iou).slice(0, 5);
      if (worst.length) parts.push(`<p>Lowest IoU: ${worst.map((w) => `${esc(w.name)} ${num(w.iou, 3)}`).join(', ')}</p>`);
    } else {
      parts.push('<p class="muted">No quality.json (the dataset has no ground-truth masks).</p>');
    }
    parts.push(imageFile(join(r.dir, 'masks-grid.png'), `${label(r)}: first masks`));
  }
  return parts.length ? section('masks', 'Mask quality', parts.join('\n')) : '';
}

/**
 * Weigh summaries and the measured drop d = 1 - grey/raw (runner/metrics/weight.ts). Pairs:
 * greyWeights[i] against rawWeights[i] (seed replicas arrive in seed order on both lists), or
 * against rawWeights[0] when there is one raw weigh. `weights` are listed without a drop. Also the
 * d each fid stage applied.
 */
export function weightsSection(raw: ArtifactRef[], grey: ArtifactRef[], other: ArtifactRef[], fids: ArtifactRef[]): string {
  if (raw.length + grey.length + other.length === 0) return '';
  const drops: number[] = [];
  const line = (r: ArtifactRef, role: string, ref: ArtifactRef | undefined): Cell[] => {
    const s = r.summary as { n?: number; resolution?: number; meanBytes?: number; medianBytes?: number; bytesPerPixel?: number; encoding?: { format?: string } };
    let drop: Cell = null;
    if (ref) {
      try { const d = weightDrop(ref.summary as { meanBytes: number }, r.summary as { meanBytes: number }); drops.push(d); drop = d; }
      catch (e) { drop = `not comparable: ${(e as Error).message}`; }
    }
    return [label(r), role, s.encoding?.format ?? '', s.n ?? null, s.resolution ?? null, s.meanBytes ?? null, s.medianBytes ?? null, s.bytesPerPixel ?? null, drop, ref ? label(ref) : ''];
  };
  const pairOf = (i: number): ArtifactRef | undefined => (raw.length === grey.length ? raw[i] : raw.length === 1 ? raw[0] : undefined);
  const rows: Cell[][] = [...raw.map((r) => line(r, 'raw', undefined)), ...grey.map((r, i) => line(r, 'grey', pairOf(i))), ...other.map((r) => line(r, '', undefined))];
  const parts = [
    '<p>Mean encoded size per image under one pinned encoding (weigh stage); d = 1 &minus; mean(grey) / mean(raw). '
      + 'The paper measured d = 0.16 on FFHQ and scales the raw model\'s FID by (1 &minus; d).</p>',
    table(['weigh', 'role', 'format', 'images', 'px', 'mean bytes', 'median bytes', 'bytes/px', 'd (raw → grey)', 'vs'], rows),
  ];
  if (grey.length && raw.length && raw.length !== grey.length && raw.length !== 1) {
    parts.push(`<p class="muted">${raw.length} raw and ${grey.length} grey weighs cannot be paired: no drop computed.</p>`);
  }
  if (drops.length > 1) parts.push(`<p>Mean d over ${drops.length} pairs: ${num(drops.reduce((a, b) => a + b, 0) / drops.length)}.</p>`);
  const applied = fids.filter((f) => typeof f.summary['weightDrop'] === 'number');
  if (applied.length) parts.push(`<p>Applied by FID stages: ${applied.map((f) => `${esc(label(f))} d = ${num(f.summary['weightDrop'])}`).join('; ')}.</p>`);
  return section('weights', 'Image weights and the raw → grey drop', parts.join('\n'));
}

export function comparabilityBanner(notComparable: string[]): string {
  if (notComparable.length === 0) return '';
  return banner('warn', `These FID/KID numbers were computed with <code>inception-random</code> (seeded random weights) or are flagged `
    + `<code>comparable: false</code>: they show trends within this report only and are NOT comparable to published FIDs `
    + `(${notComparable.map(esc).join(', ')}).`);
}
