/**
 * Canonical JSON: object keys sorted by UTF-16 code units (Array.prototype.sort), no whitespace, numbers in ECMAScript's shortest
 * round-trip form, no undefined / NaN / Infinity. The same value always gives the same bytes, on any
 * machine, so its sha256 can be a cache key.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    default:
      throw new Error(`canonicalJson: cannot encode ${typeof value}`);
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What a stage key is computed from: nothing else (no paths, ids, names or timestamps). */
export interface KeyMaterial {
  kind: string;
  version: number;
  params: Record<string, unknown>;
  /** Input name -> output hash of the artifact feeding it (a list for `multiple` inputs). */
  inputs: Record<string, string | string[]>;
}

export function stageKey(m: KeyMaterial): string {
  return sha256Hex(canonicalJson({ kind: m.kind, version: m.version, params: m.params, inputs: m.inputs }));
}
