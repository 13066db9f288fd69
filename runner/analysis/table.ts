/**
 * The per-component leakage table of one model (leakage.json / leakage.csv / a markdown table for
 * the summary), joining the PCA spectrum, the mask-based leakage of the traversals and, when
 * available, the factor correlations the pca stage measured. Also the CSV of those correlations.
 * Formatting only; the numbers come from leakage.ts and factors.ts.
 */
import type { ComponentFactors } from './factors.js';
import type { LeakageRow } from './leakage.js';

export interface TableRow {
  component: number;
  eigenvalue: number;
  explainedRatio: number;
  leakage: number | null;
  meanAbsChange: number | null;
  maskForeground: number | null;
  /** VAE on a dataset with true masks: leakage of edits around encoded real images, true masks (truth-leakage.ts). */
  leakageTrueMask: number | null;
  faceMaxAbsR: number | null;
  faceFactor: string | null;
  backgroundMaxAbsR: number | null;
  backgroundFactor: string | null;
  faceR2: number | null;
  backgroundR2: number | null;
  faceAdjR2: number | null;
  backgroundAdjR2: number | null;
}

export const TABLE_COLUMNS: Array<keyof TableRow> = [
  'component', 'eigenvalue', 'explainedRatio', 'leakage', 'meanAbsChange', 'maskForeground', 'leakageTrueMask', 'faceMaxAbsR', 'faceFactor',
  'backgroundMaxAbsR', 'backgroundFactor', 'faceR2', 'backgroundR2', 'faceAdjR2', 'backgroundAdjR2',
];

export function buildTable(k: number, eigenvalues: number[], ratios: number[], leak: LeakageRow[] | null, factors: ComponentFactors[] | null, truth: LeakageRow[] | null = null): TableRow[] {
  return Array.from({ length: k }, (_, i) => {
    const l = leak?.[i], f = factors?.[i], tl = truth?.[i];
    return {
      component: i, eigenvalue: eigenvalues[i]!, explainedRatio: ratios[i]!,
      leakage: l ? l.leakage : null, meanAbsChange: l ? l.meanAbsChange : null, maskForeground: l ? l.maskForeground : null,
      leakageTrueMask: tl ? tl.leakage : null,
      faceMaxAbsR: f ? f.face.maxAbsR : null, faceFactor: f ? f.face.factor : null,
      backgroundMaxAbsR: f ? f.background.maxAbsR : null, backgroundFactor: f ? f.background.factor : null,
      faceR2: f ? f.face.r2 : null, backgroundR2: f ? f.background.r2 : null,
      faceAdjR2: f ? f.face.adjR2 : null, backgroundAdjR2: f ? f.background.adjR2 : null,
    };
  });
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tableCsv(rows: TableRow[]): string {
  return [TABLE_COLUMNS.join(','), ...rows.map((r) => TABLE_COLUMNS.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

const f3 = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(3));

/** A compact markdown table (no HTML) for the summary and the report. */
export function tableMarkdown(rows: TableRow[], title: string): string {
  const head = '| PC | eigenvalue | expl. | leakage | mask fg | leakage (true masks) | face max\\|r\\| | bg max\\|r\\| | face R² | bg R² |';
  const sep = '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const body = rows.map((r) => `| ${r.component} | ${r.eigenvalue.toPrecision(4)} | ${f3(r.explainedRatio)} | ${f3(r.leakage)} | ${f3(r.maskForeground)} | ${f3(r.leakageTrueMask)} | ${f3(r.faceMaxAbsR)} | ${f3(r.backgroundMaxAbsR)} | ${f3(r.faceR2)} | ${f3(r.backgroundR2)} |`);
  return [`**${title}**`, '', head, sep, ...body].join('\n') + '\n';
}

/** CSV of the pca stage's factor correlations. */
export function factorCsv(fits: ComponentFactors[]): string {
  const cols = ['component', 'faceMaxAbsR', 'faceFactor', 'faceR2', 'faceAdjR2', 'faceColumns', 'backgroundMaxAbsR', 'backgroundFactor', 'backgroundR2', 'backgroundAdjR2', 'backgroundColumns'];
  const rows = fits.map((f) => [f.component, f.face.maxAbsR, f.face.factor, f.face.r2, f.face.adjR2, f.face.columns, f.background.maxAbsR, f.background.factor, f.background.r2, f.background.adjR2, f.background.columns].map(cell).join(','));
  return [cols.join(','), ...rows].join('\n') + '\n';
}
