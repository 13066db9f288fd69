/**
 * The raw-vs-grey comparison page: FID curves overlaid (every seed replica, and the mean curve when
 * replicas share their evaluation points), final FID raw vs grey vs adjusted raw with mean, sd and
 * 95% t-intervals across seeds, Welch's t-test (runner/report/stats.ts), eigenvalue spectra
 * overlaid, traversal grids side by side and the leakage tables merged per component. Pure: refs in, {html, stats} out.
 */
import type { ArtifactRef } from '../stages/types.js';
import { finalRow, label, notComparable, readFid, readTable, type FidRowLike } from './artifacts.js';
import { banner, esc, inlineSvg, num, page, row, section, table, type Cell } from './html.js';
import { comparabilityBanner } from './sections.js';
import { fidX, leakageTable, spectrumPlots, traversalFigures, withLeakage } from './sections-eval.js';
import { describe, welchTTest, type Describe, type WelchResult } from './stats.js';
import { linePlotSvg, type Series } from './svg-plot.js';

export interface CompareInputs {
  raw: ArtifactRef[];
  grey: ArtifactRef[];
  rawPca?: ArtifactRef[];
  greyPca?: ArtifactRef[];
  rawTraverse?: ArtifactRef[];
  greyTraverse?: ArtifactRef[];
}

export interface CompareStats {
  raw: Describe | null;
  grey: Describe | null;
  adjustedRaw: Describe | null;
  rawVsGrey: WelchResult;
  adjustedRawVsGrey: WelchResult | null;
  notComparable: string[];
}

const COLOR = { raw: '#1f77b4', grey: '#d62728', adjusted: '#2ca02c' };

interface Replica { ref: ArtifactRef; rows: FidRowLike[]; final: FidRowLike | null }

function replicas(refs: ArtifactRef[]): Replica[] {
  return refs.map((ref) => {
    const f = readFid(ref);
    const rows = f ? f.rows.filter((r) => typeof r.fid === 'number') : [];
    return { ref, rows, final: f ? finalRow(f) : null };
  });
}

function safeDescribe(xs: number[]): Describe | null {
  return xs.some(Number.isFinite) ? describe(xs) : null;
}

/** Final FIDs per side, their description across seeds, and the Welch tests. */
export function compareStats(inp: CompareInputs): CompareStats {
  const raw = replicas(inp.raw), grey = replicas(inp.grey);
  const finals = (rs: Replica[], k: 'fid' | 'adjustedFid'): number[] => rs.map((r) => (typeof r.final?.[k] === 'number' ? (r.final[k] as number) : NaN));
  const rawF = finals(raw, 'fid'), greyF = finals(grey, 'fid'), adjF = finals(raw, 'adjustedFid');
  const hasAdj = adjF.some(Number.isFinite);
  const flagged = [...inp.raw, ...inp.grey].filter((r) => { const f = readFid(r); return f ? notComparable(f, r) : false; }).map((r) => label(r));
  return {
    raw: safeDescribe(rawF), grey: safeDescribe(greyF), adjustedRaw: hasAdj ? safeDescribe(adjF) : null,
    rawVsGrey: welchTTest(rawF, greyF), adjustedRawVsGrey: hasAdj ? welchTTest(adjF, greyF) : null,
    notComparable: flagged,
  };
}

/** Pointwise mean over replicas with identical x (else null: curves are shown per replica only). */
function meanCurve(rs: Replica[], key: 'fid' | 'adjustedFid'): { x: number[]; y: number[] } | null {
  if (rs.length < 2 || rs.some((r) => r.rows.length === 0)) return null;
  const xs = rs.map((r) => fidX(r.rows).x);
  if (xs.some((x) => x.length !== xs[0]!.length || x.some((v, i) => v !== xs[0]![i]))) return null;
  const y = xs[0]!.map((_, i) => rs.reduce((a, r) => a + Number(r.rows[i]![key] ?? NaN), 0) / rs.length);
  return { x: xs[0]!, y };
}

function curvesPlot(inp: CompareInputs): string {
  const series: Series[] = [];
  const add = (rs: Replica[], side: 'raw' | 'grey', key: 'fid' | 'adjustedFid', color: string, name: string): void => {
    if (key === 'adjustedFid' && !rs.some((r) => r.rows.some((x) => typeof x.adjustedFid === 'number'))) return;
    const m = meanCurve(rs, key);
    if (m) series.push({ label: `${name} mean of ${rs.length}`, x: m.x, y: m.y, color });
    for (const r of rs) {
      if (r.rows.length === 0) continue;
      series.push({ label: m ? `${name} ${label(r.ref)}` : `${name} (${label(r.ref)})`, x: fidX(r.rows).x, y: r.rows.map((x) => Number(x[key] ?? NaN)), color: m ? `${color}66` : color });
    }
    void side;
  };
  const raw = replicas(inp.raw), grey = replicas(inp.grey);
  add(raw, 'raw', 'fid', COLOR.raw, 'raw');
  add(grey, 'grey', 'fid', COLOR.grey, 'grey');
  add(raw, 'raw', 'adjustedFid', COLOR.adjusted, 'adjusted raw');
  if (series.length === 0) return '';
  const xLabel = [...raw, ...grey].every((r) => fidX(r.rows).xLabel === 'epoch') ? 'epoch' : 'evaluation point';
  return inlineSvg(linePlotSvg(series, { title: 'FID over training: raw vs grey', xLabel, yLabel: 'FID', width: 760, height: 380 }));
}

function describeRow(name: string, d: Describe | null): Cell[] {
  if (!d) return [name, 0, '', null, null, 'no FID'];
  return [name, d.n, d.values.map((v) => num(v)).join(', '), d.mean, d.sd,
    d.ci95 ? `${num(d.ci95[0])} – ${num(d.ci95[1])}` : 'one seed: no interval'];
}

function testLine(name: string, w: WelchResult): string {
  if (!w.possible) return `<p><b>${esc(name)}</b>: no test possible — ${esc(w.reason)}.</p>`;
  return `<p><b>${esc(name)}</b> (Welch's t-test, two-sided): difference of means ${num(w.meanDiff)}, t = ${num(w.t)}, `
    + `df = ${num(w.df)}, p = ${num(w.p)}${w.p < 0.05 ? ' (significant at 5%)' : ' (not significant at 5%)'}.</p>`;
}

function finalsSection(s: CompareStats): string {
  const rows = [describeRow('raw', s.raw), describeRow('grey', s.grey)];
  if (s.adjustedRaw) rows.push(describeRow('adjusted raw', s.adjustedRaw));
  const bars: Series[] = [];
  const plotted: Array<[string, Describe | null, string]> = [['raw', s.raw, COLOR.raw], ['grey', s.grey, COLOR.grey], ['adjusted raw', s.adjustedRaw, COLOR.adjusted]];
  // Per side: the mean as a short horizontal line, the 95% interval as a vertical one.
  plotted.forEach(([name, d, color], i) => {
    if (!d) return;
    bars.push({ label: `${name} mean`, x: [i + 0.75, i + 1.25], y: [d.mean, d.mean], color });
    if (d.ci95) bars.push({ label: `${name} 95% CI`, x: [i + 1, i + 1], y: d.ci95, color });
  });
  const parts = [
    table(['model', 'seeds', 'final FID per seed', 'mean', 'sd', '95% CI (t)'], rows),
    testLine('raw vs grey', s.rawVsGrey),
    ...(s.adjustedRawVsGrey ? [testLine('adjusted raw vs grey', s.adjustedRawVsGrey)] : []),
  ];
  if (bars.length) parts.push(inlineSvg(linePlotSvg(bars, { title: 'Final FID by model (1 = raw, 2 = grey, 3 = adjusted raw)', xLabel: 'model', yLabel: 'final FID', width: 560, height: 320, xRange: [0.5, 3.5] })));
  return section('finals', 'Final FID: raw vs grey vs adjusted raw', parts.join('\n'));
}

function sideBySide(rawHtml: string, greyHtml: string): string {
  if (!rawHtml.trim() && !greyHtml.trim()) return '';
  return `<div class="row"><div><h3>raw</h3>${rawHtml || '<p class="muted">none</p>'}</div><div><h3>grey</h3>${greyHtml || '<p class="muted">none</p>'}</div></div>\n`;
}

/** Columns compared per component when both leakage tables have per-component rows (traverse's leakage.json). */
const LEAK_COLS = ['eigenvalue', 'explainedRatio', 'leakage', 'backgroundMaxAbsR', 'backgroundR2', 'faceMaxAbsR', 'faceR2'];

function leakageCompare(raw: ArtifactRef[], grey: ArtifactRef[]): string {
  const a = raw[0] ? readTable(raw[0], 'leakage.json') : null, b = grey[0] ? readTable(grey[0], 'leakage.json') : null;
  if (a && b && a.headers.includes('component') && b.headers.includes('component')) {
    // One row per component: raw and grey value of each column next to each other.
    const cols = LEAK_COLS.filter((c) => [a, b].some((t) => t.headers.includes(c) && t.rows.some((r) => r[t.headers.indexOf(c)] !== null)));
    const at = (t: typeof a, comp: unknown, c: string): Cell => {
      const r = t.rows.find((x) => x[t.headers.indexOf('component')] === comp);
      const i = t.headers.indexOf(c);
      return r && i >= 0 ? (r[i] as Cell) : null;
    };
    const comps = [...new Set([...a.rows, ...b.rows].map((r) => r[a.headers.indexOf('component')] ?? r[b.headers.indexOf('component')]))];
    return table(['PC', ...cols.flatMap((c) => [`${c} raw`, `${c} grey`])], comps.map((k) => [k as Cell, ...cols.flatMap((c) => [at(a, k, c), at(b, k, c)])]));
  }
  // Key/value tables merge into one "name | raw | grey" table; other shapes stand side by side.
  if (a && b && a.headers.join() === 'name,value' && b.headers.join() === 'name,value') {
    const names = [...new Set([...a.rows.map((r) => String(r[0])), ...b.rows.map((r) => String(r[0]))])];
    const get = (t: typeof a, n: string): Cell => (t.rows.find((r) => String(r[0]) === n)?.[1] ?? null) as Cell;
    return table(['', 'raw', 'grey'], names.map((n) => [n, get(a, n), get(b, n)]));
  }
  return sideBySide(raw.map(leakageTable).join(''), grey.map(leakageTable).join(''));
}

export function comparePage(inp: CompareInputs, opts: { title: string; traversalLimit: number }): { html: string; stats: CompareStats; sections: string[] } {
  const stats = compareStats(inp);
  const parts: string[] = [comparabilityBanner(stats.notComparable)];
  const sections: string[] = [];
  const add = (name: string, html: string): void => { if (html.trim()) { parts.push(html); sections.push(name); } };
  const nR = inp.raw.length, nG = inp.grey.length;
  if (nR < 2 || nG < 2) parts.push(banner('info', `${nR} raw and ${nG} grey seed replica(s): no statistical test is possible with fewer than 2 per side (declare <code>seeds:</code> in the experiment to replicate).`));
  const curves = curvesPlot(inp);
  add('curves', curves ? section('curves', 'FID curves', curves) : '');
  add('finals', finalsSection(stats));
  const spectra = spectrumPlots([...(inp.rawPca ?? []).map((ref) => ({ name: 'raw', ref })), ...(inp.greyPca ?? []).map((ref) => ({ name: 'grey', ref }))]);
  add('pca', spectra.length ? section('pca', 'Eigenvalue spectra', row(spectra)) : '');
  const trav = sideBySide((inp.rawTraverse ?? []).flatMap((r) => traversalFigures(r, opts.traversalLimit)).join(''), (inp.greyTraverse ?? []).flatMap((r) => traversalFigures(r, opts.traversalLimit)).join(''));
  add('traversals', trav ? section('traversals', 'Traversal grids', trav) : '');
  const leak = leakageCompare(withLeakage(inp.rawTraverse ?? []), withLeakage(inp.greyTraverse ?? []));
  add('leakage', leak ? section('leakage', 'Leakage: raw vs grey', leak) : '');
  return { html: page(opts.title, parts.join('\n')), stats, sections };
}
