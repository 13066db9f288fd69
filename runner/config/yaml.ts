/**
 * YAML loading with source positions. Parses one file with `yaml` (LineCounter, unique keys) and
 * converts the AST to plain JSON values itself, so every value's position is known by JSON pointer
 * and alias expansion is bounded (a "billion laughs" file fails fast instead of exhausting memory).
 * Does not resolve `extends` (see merge.ts) and does not validate (see validate.ts).
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, visit, isMap, isSeq, isScalar, isAlias, isPair, type Node as YamlNode } from 'yaml';
import { UserError } from '../errors.js';

export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** Where a value (and, for map entries, its key) stands in the source. */
export interface PosEntry {
  value: SourcePos;
  key?: SourcePos;
}

export type Positions = Map<string, PosEntry>;

export interface LoadedYaml {
  file: string;
  value: unknown;
  positions: Positions;
}

/** Expanded nodes allowed in one file; aliases count the size of what they expand to. */
export const MAX_NODES = 50_000;
/** Largest experiment file we read (bytes). */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function formatPos(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.col}`;
}

/** JSON pointer escaping (RFC 6901). */
export function pointerJoin(base: string, token: string | number): string {
  return `${base}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Human form of a pointer: /stages/train/levels/2/epochs -> stages.train.levels[2].epochs */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const t of pointerTokens(pointer)) {
    if (/^\d+$/.test(t)) out += `[${t}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(t)) out += out ? `.${t}` : t;
    else out += `[${JSON.stringify(t)}]`;
  }
  return out || '(root)';
}

export function loadYamlFile(file: string): LoadedYaml {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${file}:1:1: (root): cannot read file (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message})`);
  }
  if (buf.length > MAX_FILE_BYTES) throw new UserError(`${file}:1:1: (root): file is ${buf.length} bytes, more than the ${MAX_FILE_BYTES}-byte limit for experiment files`);
  const nul = buf.indexOf(0);
  if (nul >= 0) {
    const before = buf.subarray(0, nul).toString('latin1');
    const line = before.split('\n').length;
    const col = nul - before.lastIndexOf('\n');
    throw new UserError(`${file}:${line}:${col}: (root): binary data (NUL byte) in a YAML file`);
  }
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD')) {
    const i = text.indexOf('\uFFFD');
    const pre = text.slice(0, i);
    throw new UserError(`${file}:${pre.split('\n').length}:${i - pre.lastIndexOf('\n')}: (root): not valid UTF-8 text`);
  }
  return parseYamlText(text, file);
}

export function parseYamlText(text: string, file: string): LoadedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2' });
  const at = (offset: number): SourcePos => {
    const { line, col } = lc.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const p = at(e.pos[0]);
      const msg = e.code === 'DUPLICATE_KEY' ? 'duplicate key (each key may appear once in a mapping)' : e.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
      return `${formatPos(p)}: (root): ${msg}`;
    });
    throw new UserError(lines[0]!, lines.slice(1));
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && text.trim().replace(/^#.*$/gm, '').trim() === '')) {
    throw new UserError(`${file}:1:1: (root): file is empty; an experiment file is a mapping with at least 'stages'`);
  }
  const positions: Positions = new Map();
  // Anchor table built once: yaml's Alias.resolve() searches the whole document per alias.
  const anchors = new Map<string, YamlNode>();
  visit(doc, (_key, node) => {
    const a = (node as { anchor?: string }).anchor;
    if (a && (isScalar(node) || isMap(node) || isSeq(node))) anchors.set(a, node as YamlNode);
  });
  let budget = MAX_NODES;
  const toJs = (node: YamlNode | null, pointer: string, depth: number): unknown => {
    if (--budget < 0) {
      const where = node?.range ? at(node.range[0]) : { file, line: 1, col: 1 };
      throw new UserError(`${formatPos(where)}: ${pointerToPath(pointer)}: document expands to more than ${MAX_NODES} values (alias bomb?)`);
    }
    if (depth > 64) throw new UserError(`${formatPos(node?.range ? at(node.range[0]) : { file, line: 1, col: 1 })}: ${pointerToPath(pointer)}: nesting deeper than 64 levels`);
    if (node === null) return null;
    const here = node.range ? at(node.range[0]) : { file, line: 1, col: 1 };
    if (!positions.has(pointer)) positions.set(pointer, { value: here });
    else positions.get(pointer)!.value = here;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) throw new UserError(`${formatPos(here)}: ${pointerToPath(pointer)}: unknown alias *${node.source}`);
      return toJs(target as YamlNode, pointer, depth + 1);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'number' && !Number.isFinite(v)) return v; // rejected by the schema with a position
      if (typeof v === 'bigint') return Number(v);
      if (v instanceof Date) return v.toISOString();
      return v;
    }
    if (isSeq(node)) {
      return node.items.map((item, i) => toJs(item as YamlNode, pointerJoin(pointer, i), depth + 1));
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = Object.create(null);
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        const keyPos = keyNode?.range ? at(keyNode.range[0]) : here;
        if (keyNode && !isScalar(keyNode)) throw new UserError(`${formatPos(keyPos)}: ${pointerToPath(pointer)}: mapping keys must be plain strings`);
        const key = keyNode ? String((keyNode as { value: unknown }).value) : '';
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new UserError(`${formatPos(keyPos)}: ${pointerToPath(pointer)}: key '${key}' is not allowed`);
        const child = pointerJoin(pointer, key);
        const valueNode = pair.value as YamlNode | null;
        const valuePos = valueNode?.range ? at(valueNode.range[0]) : keyPos;
        positions.set(child, { key: keyPos, value: valuePos });
        out[key] = toJs(valueNode, child, depth + 1);
        positions.get(child)!.key = keyPos;
      }
      return { ...out };
    }
    throw new UserError(`${formatPos(here)}: ${pointerToPath(pointer)}: unsupported YAML node`);
  };
  const value = toJs(doc.contents as YamlNode, '', 0);
  if (positions.has('')) positions.get('')!.value = { file, line: 1, col: 1 };
  return { file, value, positions };
}
