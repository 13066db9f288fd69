/**
 * `extends:` resolution and deep merge with provenance.
 *
 * Semantics (documented in docs/experiments.md):
 * - `extends` is a relative path or a list of them, resolved against the extending file's folder;
 *   bases are applied in order, then the file itself, later values winning.
 * - Mappings merge key by key, recursively. Lists and scalars are replaced whole (no concatenation,
 *   so a derived file always states the complete list it wants).
 * - A key set to `null` in a derived file removes that key from the result (e.g. drop a stage).
 * - Missing bases, non-string entries and cycles are errors located at the `extends` entry.
 * The merged positions map keeps, for each value, the file and line it came from.
 */
import { dirname, resolve, relative } from 'node:path';
import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import { loadYamlFile, formatPos, pointerJoin, type LoadedYaml, type Positions, type PosEntry } from './yaml.js';

export interface MergedConfig {
  file: string;
  value: Record<string, unknown>;
  positions: Positions;
  /** Every file that contributed, the experiment file first (absolute paths). */
  files: string[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rootPos(loaded: LoadedYaml): PosEntry {
  return loaded.positions.get('') ?? { value: { file: loaded.file, line: 1, col: 1 } };
}

/** Copies positions under `pointer` from one map to another. */
function copyPositions(from: Positions, to: Positions, pointer: string): void {
  for (const [p, e] of from) {
    if (p === pointer || p.startsWith(pointer + '/')) to.set(p, e);
  }
}

function deletePositions(positions: Positions, pointer: string): void {
  for (const p of [...positions.keys()]) {
    if (p === pointer || p.startsWith(pointer + '/')) positions.delete(p);
  }
}

function mergeInto(
  target: Record<string, unknown>,
  targetPos: Positions,
  source: Record<string, unknown>,
  sourcePos: Positions,
  pointer: string,
): void {
  for (const [k, v] of Object.entries(source)) {
    const child = pointerJoin(pointer, k);
    if (v === null) {
      delete target[k];
      deletePositions(targetPos, child);
      continue;
    }
    const existing = target[k];
    if (isPlainObject(existing) && isPlainObject(v)) {
      const entry = sourcePos.get(child);
      if (entry) targetPos.set(child, entry);
      mergeInto(existing, targetPos, v, sourcePos, child);
    } else {
      deletePositions(targetPos, child);
      target[k] = structuredClone(v);
      copyPositions(sourcePos, targetPos, child);
    }
  }
}

function readExtends(loaded: LoadedYaml): { paths: string[]; pointers: string[] } {
  const value = loaded.value as Record<string, unknown>;
  const ext = value['extends'];
  if (ext === undefined) return { paths: [], pointers: [] };
  const list = Array.isArray(ext) ? ext : [ext];
  const pointers = Array.isArray(ext) ? list.map((_, i) => `/extends/${i}`) : ['/extends'];
  list.forEach((p, i) => {
    if (typeof p !== 'string' || p.length === 0) {
      const pos = loaded.positions.get(pointers[i]!)?.value ?? rootPos(loaded).value;
      throw new UserError(`${formatPos(pos)}: extends${Array.isArray(ext) ? `[${i}]` : ''}: must be a relative path to a base experiment file`);
    }
  });
  return { paths: list as string[], pointers };
}

function loadRoot(file: string): LoadedYaml {
  const loaded = loadYamlFile(file);
  if (!isPlainObject(loaded.value)) {
    const what = Array.isArray(loaded.value) ? 'a list' : loaded.value === null ? 'empty' : `a ${typeof loaded.value}`;
    throw new UserError(`${formatPos(rootPos(loaded).value)}: (root): the document is ${what}; an experiment file must be a mapping (keys like 'stages:')`);
  }
  return loaded;
}

/** Loads `file` and everything it extends, returning the merged document with provenance. */
export function loadWithExtends(file: string): MergedConfig {
  const abs = resolve(file);
  const files: string[] = [];
  const visit = (path: string, chain: string[]): { value: Record<string, unknown>; positions: Positions } => {
    const loaded = loadRoot(path);
    files.push(path);
    const { paths, pointers } = readExtends(loaded);
    const value: Record<string, unknown> = {};
    const positions: Positions = new Map();
    positions.set('', rootPos(loaded));
    paths.forEach((rel, i) => {
      const basePath = resolve(dirname(path), rel);
      const pos = loaded.positions.get(pointers[i]!)?.value ?? rootPos(loaded).value;
      if (chain.includes(basePath)) {
        const cycle = [...chain.slice(chain.indexOf(basePath)), basePath].map((p) => relative(process.cwd(), p) || p).join(' -> ');
        throw new UserError(`${formatPos(pos)}: extends: cycle ${cycle}`);
      }
      if (!existsSync(basePath)) throw new UserError(`${formatPos(pos)}: extends: base file not found: ${rel} (looked for ${basePath})`);
      const base = visit(basePath, [...chain, basePath]);
      mergeInto(value, positions, base.value, base.positions, '');
    });
    const own = { ...(loaded.value as Record<string, unknown>) };
    delete own['extends'];
    mergeInto(value, positions, own, loaded.positions, '');
    return { value, positions };
  };
  const merged = visit(abs, [abs]);
  return { file: abs, value: merged.value, positions: merged.positions, files };
}
