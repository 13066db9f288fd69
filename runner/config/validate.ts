/**
 * Schema validation of a merged experiment document, with every error turned into one line
 * `file:line:col: path.in.document: message`, sorted by position, with "did you mean" hints for
 * unknown keys and kinds. Defaults from the schemas are applied to the document in place.
 */
import type { ErrorObject } from 'ajv';
import { UserError } from '../errors.js';
import { didYouMean } from './suggest.js';
import { formatPos, pointerJoin, pointerToPath, type Positions, type SourcePos } from './yaml.js';

interface Located {
  pos: SourcePos;
  line: string;
}

function posFor(positions: Positions, pointer: string, which: 'key' | 'value', file: string): SourcePos {
  let p = pointer;
  for (;;) {
    const e = positions.get(p);
    if (e) return (which === 'key' ? e.key : undefined) ?? e.value;
    if (p === '') return { file, line: 1, col: 1 };
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 37) + '...' : v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function describe(e: ErrorObject): { pointer: string; which: 'key' | 'value'; message: string } | undefined {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(p['additionalProperty']);
      const allowed = Object.keys(((e.parentSchema as Record<string, unknown>)?.['properties'] as object) ?? {});
      const hint = didYouMean(name, allowed);
      return {
        pointer: pointerJoin(e.instancePath, name),
        which: 'key',
        message: `unknown key '${name}'${hint}${hint ? '' : allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
      };
    }
    case 'required':
      return { pointer: e.instancePath, which: 'value', message: `missing required key '${String(p['missingProperty'])}'` };
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      const isKind = e.instancePath.endsWith('/kind');
      return {
        pointer: e.instancePath,
        which: 'value',
        message: `${isKind ? 'unknown stage kind' : 'must be one of'} ${isKind ? show(e.data) : allowed.map((a) => `'${a}'`).join(', ')}${isKind ? '' : ` (got ${show(e.data)})`}${hint}${isKind && !hint ? `; kinds: ${allowed.join(', ')}` : ''}`,
      };
    }
    case 'type': {
      const names: Record<string, string> = { object: 'a mapping', array: 'a list', integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', null: 'null' };
      const want = String(p['type']).split(',').map((t) => names[t] ?? t).join(' or ');
      return { pointer: e.instancePath, which: 'value', message: `must be ${want} (got ${show(e.data)})` };
    }
    case 'minProperties':
      return { pointer: e.instancePath, which: 'value', message: `must have at least ${String(p['limit'])} entr${p['limit'] === 1 ? 'y' : 'ies'}` };
    case 'minItems':
      return { pointer: e.instancePath, which: 'value', message: `must have at least ${String(p['limit'])} item${p['limit'] === 1 ? '' : 's'}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer: e.instancePath, which: 'value', message: `must be ${String(p['comparison'])} ${String(p['limit'])} (got ${show(e.data)})` };
    case 'propertyNames':
      return undefined; // reported through the nested 'pattern' error below
    case 'pattern':
      if (p['propertyName'] !== undefined || e.propertyName !== undefined) {
        const name = String(e.propertyName ?? p['propertyName']);
        return { pointer: pointerJoin(e.instancePath, name), which: 'key', message: `'${name}' is not a valid id (letters, digits, '-' and '_', starting with a letter, at most 64)` };
      }
      return { pointer: e.instancePath, which: 'value', message: `${show(e.data)} must match ${String(p['pattern'])}` };
    case 'if':
      return undefined; // the failing 'then' branch reports the real cause
    case 'anyOf':
    case 'oneOf':
      return { pointer: e.instancePath, which: 'value', message: `${show(e.data)} is not ${e.parentSchema && (e.parentSchema as Record<string, unknown>)['description'] ? 'valid here: ' + String((e.parentSchema as Record<string, unknown>)['description']) : 'any of the accepted forms'}` };
    default:
      return { pointer: e.instancePath, which: 'value', message: `${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${show(e.data)})` : ''}` };
  }
}

/** Non-finite numbers (.nan, .inf) cannot be hashed canonically: reject them with a location. */
function findNonFinite(value: unknown, pointer: string, out: string[]): void {
  if (typeof value === 'number' && !Number.isFinite(value)) out.push(pointer);
  else if (Array.isArray(value)) value.forEach((v, i) => findNonFinite(v, pointerJoin(pointer, i), out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) findNonFinite(v, pointerJoin(pointer, k), out);
}

/**
 * Validates `doc` with `validate` (an ajv function), applying defaults in place. Throws one
 * UserError carrying every error line when anything is wrong.
 */
export function validateDocument(
  validate: { (data: unknown): boolean; errors?: ErrorObject[] | null },
  doc: unknown,
  positions: Positions,
  file: string,
): void {
  const errs: Located[] = [];
  const bad: string[] = [];
  findNonFinite(doc, '', bad);
  for (const b of bad) errs.push({ pos: posFor(positions, b, 'value', file), line: `${pointerToPath(b)}: must be a finite number` });
  if (!validate(doc)) {
    const all = validate.errors ?? [];
    // Errors under a failed anyOf/oneOf are the branches' complaints: keep only the summary.
    const alternatives = all.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.schemaPath);
    for (const e of all) {
      if (alternatives.some((s) => e.schemaPath !== s && e.schemaPath.startsWith(s.replace(/\/(anyOf|oneOf)$/, '/$1/')))) continue;
      const d = describe(e);
      if (!d) continue;
      errs.push({ pos: posFor(positions, d.pointer, d.which, file), line: `${pointerToPath(d.pointer)}: ${d.message}` });
    }
  }
  if (errs.length === 0) return;
  const seen = new Set<string>();
  const lines = errs
    .sort((a, b) => a.pos.file.localeCompare(b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col)
    .map((e) => `${formatPos(e.pos)}: ${e.line}`)
    .filter((l) => (seen.has(l) ? false : (seen.add(l), true)));
  throw new UserError(lines[0]!, lines.slice(1));
}
