/**
 * Append-only metrics: every row goes to `<base>.jsonl` and `<base>.csv` (fixed columns, header
 * first), flushed per row so a crash loses at most the row being written.
 *
 * On resume, `MetricsLog.open(dir, base, columns, keep)` rewrites both files keeping only the rows
 * `keep` accepts (e.g. step < the snapshot's step), dropping a torn last line, so the final logs
 * of a resumed run equal those of an uninterrupted one. Model-agnostic: any numeric/string columns.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileSynced } from './model-files.js';

export type Row = Record<string, number | string>;

function csvCell(v: number | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export class MetricsLog {
  private constructor(readonly jsonlPath: string, readonly csvPath: string, readonly columns: string[]) {}

  /** Opens (creating or trimming) the pair of files; see module doc. */
  static open(dir: string, base: string, columns: string[], keep: (row: Row) => boolean = () => false): MetricsLog {
    const log = new MetricsLog(join(dir, `${base}.jsonl`), join(dir, `${base}.csv`), columns);
    const rows = existsSync(log.jsonlPath) ? MetricsLog.read(log.jsonlPath).filter(keep) : [];
    writeFileSynced(log.jsonlPath, rows.map((r) => JSON.stringify(r) + '\n').join(''));
    writeFileSynced(log.csvPath, [columns.join(','), ...rows.map((r) => log.csvLine(r))].map((l) => l + '\n').join(''));
    return log;
  }

  /** Parses a JSONL file, ignoring a torn final line. */
  static read(path: string): Row[] {
    const rows: Row[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try { rows.push(JSON.parse(line) as Row); } catch { break; }
    }
    return rows;
  }

  private csvLine(r: Row): string {
    return this.columns.map((c) => csvCell(r[c])).join(',');
  }

  append(row: Row): void {
    appendFileSync(this.jsonlPath, JSON.stringify(row) + '\n');
    appendFileSync(this.csvPath, this.csvLine(row) + '\n');
  }
}
