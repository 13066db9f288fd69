/**
 * Reading the artifacts a report shows: the store's meta.json beside each artifact, JSON/JSONL files,
 * the fid stage's rows, eigenvalue arrays of pca outputs, tables of leakage outputs, image files.
 *
 * The meta.json coupling: an ArtifactRef's `dir` is `<store>/a/<key>/data`, and the store writes
 * `<store>/a/<key>/meta.json` (timings, environment, producing stage id) beside `data/`
 * (runner/store/store.ts). `readMeta` reads `join(dir, '..', 'meta.json')` and trusts it only when
 * its `key` equals the ref's key, so an artifact outside a store (unit tests) simply has no run facts.
 * Readers are tolerant by design: a file that is missing or has another shape yields null and the
 * report leaves that part out (producers of pca/traverse/leakage are still evolving).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ArtifactRef } from '../stages/types.js';

export interface MetaLike {
  key: string;
  kind?: string;
  version?: number;
  producedBy?: string;
  timings?: { startedAt?: string; finishedAt?: string; seconds?: number };
  environment?: Record<string, unknown>;
  params?: Record<string, unknown>;
}

export function metaPath(ref: ArtifactRef): string {
  return join(ref.dir, '..', 'meta.json');
}

/** The store's meta.json for this artifact, or null (not in a store, unreadable, or another key's). */
export function readMeta(ref: ArtifactRef): MetaLike | null {
  try {
    const m = JSON.parse(readFileSync(metaPath(ref), 'utf8')) as MetaLike;
    return m && m.key === ref.key ? m : null;
  } catch {
    return null;
  }
}

export function shortHash(h: string): string {
  return h.slice(0, 12);
}

/** A human label: the producing stage id when the store knows it, else kind + short key. */
export function label(ref: ArtifactRef, meta: MetaLike | null = readMeta(ref)): string {
  return meta?.producedBy ?? `${ref.kind} ${shortHash(ref.key)}`;
}

export function readJson<T = unknown>(ref: ArtifactRef, name: string): T | null {
  const p = join(ref.dir, name);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch {
    return null;
  }
}

export type Row = Record<string, unknown>;

export function readJsonl(ref: ArtifactRef, name: string): Row[] | null {
  const p = join(ref.dir, name);
  if (!existsSync(p)) return null;
  const rows: Row[] = [];
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try { rows.push(JSON.parse(line) as Row); } catch { /* a torn last line: skip */ }
  }
  return rows;
}

export interface FidRowLike {
  snapshot?: string;
  epoch: number;
  step?: number;
  level?: number;
  alpha?: number;
  fid: number | null;
  kid?: number | null;
  kidStd?: number | null;
  adjustedFid?: number | null;
  comparable?: boolean;
}

export interface FidFile {
  comparable?: boolean;
  extractor?: { network?: string; inputSize?: number; [k: string]: unknown };
  masked?: unknown;
  weightDrop?: number | null;
  rows: FidRowLike[];
}

export function readFid(ref: ArtifactRef): FidFile | null {
  const f = readJson<FidFile>(ref, 'fid.json');
  return f && Array.isArray(f.rows) ? f : null;
}

/** The last evaluation point with a FID (the final snapshot). */
export function finalRow(f: FidFile): FidRowLike | null {
  for (let i = f.rows.length - 1; i >= 0; i--) if (typeof f.rows[i]!.fid === 'number') return f.rows[i]!;
  return null;
}

/** Not comparable with published FIDs: flagged by the stage, or computed with the random network. */
export function notComparable(f: FidFile, ref: ArtifactRef): boolean {
  const net = f.extractor?.network ?? (ref.summary['extractor'] as { network?: string } | undefined)?.network;
  return f.comparable === false || ref.summary['comparable'] === false || net === 'inception-random' || f.rows.some((r) => r.comparable === false);
}

function numericArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number');
}

/**
 * Every numeric array under a key mentioning "eigen" (depth <= 3) in pca.json, named by its path
 * (e.g. `eigenvalues`, `w.eigenvalues`), plus `explainedVarianceRatio` arrays for the cumulative plot.
 */
export function readSpectra(ref: ArtifactRef): { eigen: Array<{ name: string; values: number[] }>; ratio: Array<{ name: string; values: number[] }> } | null {
  const pca = readJson<Record<string, unknown>>(ref, 'pca.json') ?? (ref.summary as Record<string, unknown>);
  const eigen: Array<{ name: string; values: number[] }> = [];
  const ratio: Array<{ name: string; values: number[] }> = [];
  const walk = (o: unknown, path: string[], depth: number): void => {
    if (!o || typeof o !== 'object' || Array.isArray(o) || depth > 3) return;
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      const name = [...path, k].join('.');
      if (numericArray(v) && /eigen/i.test(k)) eigen.push({ name, values: v });
      else if (numericArray(v) && /explainedvarianceratio/i.test(k)) ratio.push({ name, values: v });
      else if (k === 'fresh' && v && typeof v === 'object' && numericArray((v as { sd?: unknown }).sd)) {
        // pca stage: sd per component of an independent sample set; its square is comparable to the eigenvalues.
        eigen.push({ name: [...path, 'fresh variance'].join('.'), values: ((v as { sd: number[] }).sd).map((x) => x * x) });
      } else walk(v, [...path, k], depth + 1);
    }
  };
  walk(pca, [], 0);
  return eigen.length || ratio.length ? { eigen, ratio } : null;
}

/** Image files of an artifact (top level and one folder down), sorted, at most `max`. */
export function imageFiles(ref: ArtifactRef, max = 48, exclude: RegExp = /^$/): string[] {
  const out: string[] = [];
  const visit = (rel: string, depth: number): void => {
    const abs = join(ref.dir, rel);
    let names: string[];
    try { names = readdirSync(abs).sort(); } catch { return; }
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const st = statSync(join(abs, n));
      if (st.isDirectory()) { if (depth < 1 && n !== 'png') visit(r, depth + 1); }
      else if (/\.(png|jpe?g|webp)$/i.test(n) && !exclude.test(r)) out.push(r);
    }
  };
  visit('', 0);
  return out.slice(0, max);
}

export interface TableData {
  headers: string[];
  rows: Array<Array<string | number | null>>;
}

function scalar(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * leakage.json as a table: a list of row objects (top level or under `rows`/`factors`/`results`)
 * becomes columns = union of keys; an object of scalars / nested objects becomes key | value rows.
 */
export function readTable(ref: ArtifactRef, name: string): TableData | null {
  const j = readJson<unknown>(ref, name);
  if (j === null) return null;
  const list = Array.isArray(j) ? j
    : (['rows', 'factors', 'results'].map((k) => (j as Record<string, unknown>)[k]).find(Array.isArray) as unknown[] | undefined);
  if (list && list.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
    // The producer's column order when it gives one (traverse: `columns`), then any other keys.
    const cols = (j as { columns?: unknown }).columns;
    const headers: string[] = Array.isArray(cols) ? cols.filter((c): c is string => typeof c === 'string') : [];
    for (const r of list as Row[]) for (const k of Object.keys(r)) if (!headers.includes(k)) headers.push(k);
    return { headers, rows: (list as Row[]).map((r) => headers.map((h) => scalar(r[h]))) };
  }
  if (j && typeof j === 'object' && !Array.isArray(j)) {
    const rows: Array<Array<string | number | null>> = [];
    for (const [k, v] of Object.entries(j as Row)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v as Row)) rows.push([`${k}.${k2}`, scalar(v2)]);
      else rows.push([k, scalar(v)]);
    }
    return { headers: ['name', 'value'], rows };
  }
  return null;
}

/** Free-text notes of a table file (`notes: string[]`, as traverse writes in leakage.json). */
export function readNotes(ref: ArtifactRef, name: string): string[] {
  const j = readJson<{ notes?: unknown }>(ref, name);
  return j && Array.isArray(j.notes) ? j.notes.filter((n): n is string => typeof n === 'string') : [];
}
