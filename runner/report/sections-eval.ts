/**
 * Report sections about models and evaluation: training loss curves, FID curves (unadjusted and
 * adjusted side by side, masked FID labelled), eigenvalue spectra, traversal grids and the leakage
 * table. Each returns '' when there is nothing to show. Plots are runner/report/svg-plot.ts, inline.
 */
import { join } from 'node:path';
import type { ArtifactRef } from '../stages/types.js';
import { finalRow, imageFiles, label, readFid, readJsonl, readNotes, readSpectra, readTable, type FidFile, type FidRowLike, type Row } from './artifacts.js';
import { esc, imageFile, inlineSvg, num, row, section, table, type Cell } from './html.js';
import { linePlotSvg, type Series } from './svg-plot.js';

const MAX_POINTS = 1500;

/** Every k-th row so a plot has at most MAX_POINTS points (the last row always kept). */
export function thin<T>(rows: T[], max = MAX_POINTS): T[] {
  if (rows.length <= max) return rows;
  const k = Math.ceil(rows.length / max);
  const out = rows.filter((_, i) => i % k === 0);
  if (out[out.length - 1] !== rows[rows.length - 1]) out.push(rows[rows.length - 1]!);
  return out;
}

/** Loss columns per trainer; other producers plot every numeric column but the x-like ones. */
function lossColumns(rows: Row[], kind: string): string[] {
  if (kind === 'train-vae') return ['loss', 'recon', 'kl'];
  if (kind === 'train-stylegan') return ['d_loss', 'g_loss'];
  const skip = new Set(['step', 'epoch', 'kimg', 'alpha', 'lr', 'level']);
  return Object.keys(rows[0] ?? {}).filter((k) => !skip.has(k) && typeof rows[0]![k] === 'number');
}

export function trainingSection(models: ArtifactRef[]): string {
  const figs: string[] = [];
  for (const r of models) {
    const rows = readJsonl(r, 'metrics.jsonl');
    if (!rows || rows.length === 0) continue;
    const t = thin(rows);
    const cols = lossColumns(rows, r.kind).filter((c) => rows.some((x) => typeof x[c] === 'number'));
    const x = t.map((x, i) => (typeof x['step'] === 'number' ? (x['step'] as number) : i));
    const series: Series[] = cols.map((c) => ({ label: c, x, y: t.map((x) => (typeof x[c] === 'number' ? (x[c] as number) : NaN)) }));
    if (series.length) figs.push(inlineSvg(linePlotSvg(series, { title: `${label(r)}: training losses`, xLabel: 'step', yLabel: 'loss', width: 560, height: 320 }), `${rows.length} logged steps${rows.length > t.length ? `, every ${Math.ceil(rows.length / MAX_POINTS)}th plotted` : ''}`));
    if (rows.some((x) => typeof x['lr'] === 'number')) {
      figs.push(inlineSvg(linePlotSvg([{ label: 'lr', x, y: t.map((x) => Number(x['lr'])) }], { title: `${label(r)}: learning rate`, xLabel: 'step', yLabel: 'lr', width: 420, height: 320 })));
    }
  }
  const body = row(figs);
  return body ? section('training', 'Training', body) : '';
}

/** x for FID curves: the epoch when it increases along the rows, else the evaluation point index. */
export function fidX(rows: FidRowLike[]): { x: number[]; xLabel: string } {
  const ep = rows.map((r) => r.epoch);
  const increasing = ep.every((e, i) => typeof e === 'number' && (i === 0 || e > ep[i - 1]!));
  return increasing ? { x: ep, xLabel: 'epoch' } : { x: rows.map((_, i) => i + 1), xLabel: 'evaluation point' };
}

function fidKind(f: FidFile): string {
  return f.masked ? 'masked FID' : 'FID';
}

function fidTable(f: FidFile): string {
  const adj = f.rows.some((r) => typeof r.adjustedFid === 'number');
  const headers = ['snapshot', 'epoch', 'level', 'alpha', fidKind(f), ...(adj ? ['adjusted FID'] : []), 'KID', 'KID std'];
  const rows: Cell[][] = f.rows.map((r) => [r.snapshot ?? '', r.epoch, r.level ?? null, r.alpha ?? null, r.fid, ...(adj ? [r.adjustedFid ?? null] : []), r.kid ?? null, r.kidStd ?? null]);
  return table(headers, rows);
}

/** Per fid artifact: FID curve and adjusted-vs-unadjusted curve side by side, then its table; all FIDs overlaid when several. */
export function fidSection(fids: ArtifactRef[]): string {
  const parts: string[] = [];
  const overlay: Series[] = [];
  let curves = 0;
  for (const r of fids) {
    const f = readFid(r);
    if (!f) continue;
    const ok = f.rows.filter((x) => typeof x.fid === 'number');
    if (ok.length === 0) { parts.push(`<h3>${esc(label(r))}</h3><p class="muted">No evaluation point has a FID.</p>`); continue; }
    const { x, xLabel } = fidX(ok);
    const kind = fidKind(f);
    const name = label(r);
    const figs = [inlineSvg(linePlotSvg([{ label: kind, x, y: ok.map((o) => o.fid!) }], { title: `${name}: ${kind}`, xLabel, yLabel: kind, width: 520, height: 300 }))];
    const adj = ok.some((o) => typeof o.adjustedFid === 'number');
    if (adj) {
      figs.push(inlineSvg(linePlotSvg([
        { label: kind, x, y: ok.map((o) => o.fid!) },
        { label: `adjusted (d = ${num(f.weightDrop ?? NaN, 3)})`, x, y: ok.map((o) => o.adjustedFid ?? NaN) },
      ], { title: `${name}: adjusted vs unadjusted`, xLabel, yLabel: 'FID', width: 520, height: 300 })));
    }
    if (ok.some((o) => typeof o.kid === 'number')) {
      figs.push(inlineSvg(linePlotSvg([{ label: 'KID', x, y: ok.map((o) => o.kid ?? NaN) }], { title: `${name}: KID`, xLabel, yLabel: 'KID', width: 420, height: 300 })));
    }
    const fin = finalRow(f)!;
    parts.push(`<h3>${esc(name)}</h3><p>Final ${esc(kind)} ${num(fin.fid)}${typeof fin.adjustedFid === 'number' ? `, adjusted ${num(fin.adjustedFid)}` : ''}`
      + `${f.extractor?.network ? ` (extractor ${esc(f.extractor.network)}${f.extractor.inputSize ? ` @ ${esc(f.extractor.inputSize)} px` : ''})` : ''}.</p>`);
    parts.push(row(figs), fidTable(f));
    curves++;
    overlay.push({ label: `${name} ${kind}`, x, y: ok.map((o) => o.fid!) });
    if (adj) overlay.push({ label: `${name} adjusted`, x, y: ok.map((o) => o.adjustedFid ?? NaN) });
  }
  if (curves > 1) parts.unshift(inlineSvg(linePlotSvg(overlay, { title: 'All FID curves', xLabel: 'epoch / evaluation point', yLabel: 'FID', width: 720, height: 360 })));
  return parts.length ? section('fid', 'FID', parts.join('\n')) : '';
}

/** Eigenvalue spectra (first `maxComponents`) of every pca input overlaid, plus cumulative explained variance. */
export function spectrumPlots(pcas: Array<{ name: string; ref: ArtifactRef }>, maxComponents = 64): string[] {
  const eig: Series[] = [], cum: Series[] = [];
  for (const { name, ref } of pcas) {
    const s = readSpectra(ref);
    if (!s) continue;
    for (const e of s.eigen) {
      const v = e.values.slice(0, maxComponents);
      eig.push({ label: `${name} ${e.name}`, x: v.map((_, i) => i + 1), y: v });
    }
    for (const e of s.ratio) {
      let acc = 0;
      const v = e.values.slice(0, maxComponents).map((y) => (acc += y));
      cum.push({ label: `${name} ${e.name}`, x: v.map((_, i) => i + 1), y: v });
    }
  }
  const out: string[] = [];
  if (eig.length) out.push(inlineSvg(linePlotSvg(eig, { title: 'Eigenvalue spectrum', xLabel: 'component', yLabel: 'eigenvalue (variance)', width: 560, height: 320 })));
  if (cum.length) out.push(inlineSvg(linePlotSvg(cum, { title: 'Cumulative explained variance', xLabel: 'components', yLabel: 'fraction', width: 560, height: 320, yRange: [0, 1] })));
  return out;
}

export function pcaSection(pcas: ArtifactRef[]): string {
  const plots = spectrumPlots(pcas.map((ref) => ({ name: label(ref), ref })));
  const imgs = pcas.flatMap((r) => imageFiles(r, 8).map((f) => imageFile(join(r.dir, f), `${label(r)}: ${f}`)));
  const body = row(plots) + row(imgs);
  return body.trim() ? section('pca', 'PCA of the latent space', body) : '';
}

/** Traversal pages first, then layer-range and blending grids, then the rest (mask diagnostics). */
const TRAVERSAL_ORDER = [/^traversal-/, /^layers-/, /^blend-/];

export function traversalFigures(r: ArtifactRef, max: number): string[] {
  const rank = (f: string) => {
    const i = TRAVERSAL_ORDER.findIndex((re) => re.test(f));
    return i < 0 ? TRAVERSAL_ORDER.length : i;
  };
  const files = imageFiles(r, Number.MAX_SAFE_INTEGER).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return files.slice(0, max).map((f) => imageFile(join(r.dir, f), `${label(r)}: ${f}`));
}

export function traversalSection(traversals: ArtifactRef[], max: number): string {
  const body = traversals.map((r) => row(traversalFigures(r, max))).join('');
  return body.trim() ? section('traversals', 'Latent traversals', body) : '';
}

export function leakageTable(r: ArtifactRef): string {
  const t = readTable(r, 'leakage.json');
  if (!t) return '';
  const notes = readNotes(r, 'leakage.json').map((n) => `<p class="muted">${esc(n)}</p>`).join('');
  return table(t.headers, t.rows) + notes;
}

/** Distinct artifacts (by key) that hold a leakage.json, from any of the given lists. */
export function withLeakage(...lists: ArtifactRef[][]): ArtifactRef[] {
  const seen = new Set<string>();
  return lists.flat().filter((r) => !seen.has(r.key) && (seen.add(r.key), readTable(r, 'leakage.json') !== null));
}

export function leakageSection(leakage: ArtifactRef[]): string {
  const parts = leakage.map((r) => { const t = leakageTable(r); return t ? `<h3>${esc(label(r))}</h3>${t}` : ''; }).filter(Boolean);
  return parts.length ? section('leakage', 'Leakage', parts.join('\n')) : '';
}
