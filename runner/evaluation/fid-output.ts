/**
 * The fid stage's result files: fid.json (rows + context), fid.csv (one row per evaluation point),
 * fid.svg (FID, and adjusted FID when present, against epoch, via runner/report/svg-plot.ts).
 * Deterministic content: no timings or paths (wall-clock rates go to the log only).
 */
import { join } from 'node:path';
import { linePlotSvg, type Series } from '../report/svg-plot.js';
import { writeFileSynced } from '../training/model-files.js';

export interface FidRow {
  snapshot: string;
  epoch: number;
  step: number;
  level: number;
  alpha: number;
  /** null when no reals input matches the point's level and alpha (alphaMismatch: skip). */
  fid: number | null;
  kid: number | null;
  kidStd: number | null;
  /** Mean pairwise feature distance of the samples / of the reals / ratio (runner/metrics/diversity.ts). */
  diversity?: number | null;
  realDiversity?: number | null;
  diversityRatio?: number | null;
  n: number;
  nReals: number | null;
  adjustedFid?: number | null;
  comparable: boolean;
}

const COLUMNS: Array<keyof FidRow> = ['snapshot', 'epoch', 'step', 'level', 'alpha', 'fid', 'adjustedFid', 'kid', 'kidStd', 'diversity', 'realDiversity', 'diversityRatio', 'n', 'nReals', 'comparable'];

export function toCsv(rows: FidRow[], adjusted: boolean): string {
  const cols = COLUMNS.filter((c) => adjusted || c !== 'adjustedFid');
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : String(v));
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

export function fidPlot(rows: FidRow[], title: string, adjusted: boolean): string {
  const ok = rows.filter((r) => r.fid !== null);
  const series: Series[] = [{ label: 'FID', x: ok.map((r) => r.epoch), y: ok.map((r) => r.fid!) }];
  if (adjusted) series.push({ label: 'adjusted FID', x: ok.map((r) => r.epoch), y: ok.map((r) => r.adjustedFid ?? NaN) });
  return linePlotSvg(series, { title, xLabel: 'epoch', yLabel: 'FID' });
}

export function writeFidFiles(dir: string, rows: FidRow[], context: Record<string, unknown>, adjusted: boolean, title: string): void {
  writeFileSynced(join(dir, 'fid.json'), JSON.stringify({ ...context, rows }, null, 1) + '\n');
  writeFileSynced(join(dir, 'fid.csv'), toCsv(rows, adjusted));
  if (rows.some((r) => r.fid !== null)) writeFileSynced(join(dir, 'fid.svg'), fidPlot(rows, title, adjusted));
}
