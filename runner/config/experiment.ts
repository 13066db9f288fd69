/**
 * Loads an experiment file: YAML with positions -> `extends` merge -> schema validation with
 * defaults -> semantic checks of the stage wiring (inputs name existing stages, input names fit the
 * kind, required inputs present, no cycles). Returns typed declarations; nothing downstream reads YAML.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { ComputeRequest } from '../stages/types.js';
import type { Registry } from '../stages/registry.js';
import { loadWithExtends } from './merge.js';
import { compileExperimentValidator } from './schemas.js';
import { validateDocument } from './validate.js';
import { didYouMean } from './suggest.js';
import { formatPos, pointerJoin, pointerToPath, type Positions, type SourcePos } from './yaml.js';

export interface StageDecl {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  /** Input name -> producing stage id (a list of ids for a `multiple` input). */
  inputs: Record<string, string | string[]>;
  /** Where the stage is declared (for messages). */
  pos: SourcePos;
  /** For a replica of a per-seed stage: its seed. */
  seed?: number;
  /** Path params (resolved to absolute paths) and where each was set, for keying and messages. */
  paths?: Record<string, SourcePos>;
}

/** Every stage id a declaration reads from, lists flattened. */
export function inputIds(d: { inputs: Record<string, string | string[]> }): string[] {
  return Object.values(d.inputs).flatMap((v) => (Array.isArray(v) ? v : [v]));
}

export interface Experiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** Every file that contributed through `extends`. */
  files: string[];
  name: string;
  description: string;
  compute: ComputeRequest;
  /** Seeds the experiment is replicated over (empty: no replication). */
  seeds: number[];
  /** Stages in topological order (inputs before consumers; ties by declaration order). */
  stages: StageDecl[];
  positions: Positions;
}

const validators = new WeakMap<Registry, ReturnType<typeof compileExperimentValidator>>();

function validatorFor(registry: Registry) {
  let v = validators.get(registry);
  if (!v) {
    v = compileExperimentValidator(registry);
    validators.set(registry, v);
  }
  return v;
}

const SEED = '${seed}';

/** Pointers (relative to params) of every string value that mentions ${seed}. */
function findSeedRefs(value: unknown, pointer: string, out: string[]): void {
  if (typeof value === 'string' && value.includes(SEED)) out.push(pointer);
  else if (Array.isArray(value)) value.forEach((v, i) => findSeedRefs(v, pointerJoin(pointer, i), out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) findSeedRefs(v, pointerJoin(pointer, k), out);
}

/** Replaces the ${seed} strings at `refs` (from the original values in `templates`) with `seed`. */
function substituteSeed(params: Record<string, unknown>, refs: string[], templates: Map<string, string>, seed: number): Record<string, unknown> {
  const out = structuredClone(params);
  for (const ref of refs) {
    const tokens = ref.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    let parent: Record<string, unknown> = out;
    for (const t of tokens.slice(0, -1)) parent = parent[t] as Record<string, unknown>;
    const tpl = templates.get(ref)!;
    parent[tokens.at(-1)!] = tpl === SEED ? seed : tpl.split(SEED).join(String(seed));
  }
  return out;
}

export function loadExperiment(file: string, registry: Registry): Experiment {
  const merged = loadWithExtends(file);
  const { validate } = validatorFor(registry);
  const at = (pointer: string, key = false): SourcePos => {
    const e = merged.positions.get(pointer);
    return (key ? e?.key : undefined) ?? e?.value ?? { file: merged.file, line: 1, col: 1 };
  };
  // ${seed} placeholders are validated with the first seed in place, then expanded per seed.
  const rawSeeds = (merged.value as { seeds?: unknown }).seeds;
  const firstSeed = Array.isArray(rawSeeds) && Number.isInteger(rawSeeds[0]) ? (rawSeeds[0] as number) : undefined;
  const seedRefs = new Map<string, string[]>();
  const seedTemplates = new Map<string, Map<string, string>>();
  const rawStages = (merged.value as { stages?: unknown }).stages;
  if (rawStages && typeof rawStages === 'object' && !Array.isArray(rawStages)) {
    for (const [id, st] of Object.entries(rawStages as Record<string, unknown>)) {
      const params = st && typeof st === 'object' ? (st as Record<string, unknown>)['params'] : undefined;
      if (!params || typeof params !== 'object') continue;
      const refs: string[] = [];
      findSeedRefs(params, '', refs);
      if (!refs.length) continue;
      if (firstSeed === undefined) {
        const p = `${pointerJoin(pointerJoin('/stages', id), 'params')}${refs[0]}`;
        throw new UserError(`${formatPos(at(p))}: ${pointerToPath(p)}: uses \${seed} but the experiment declares no 'seeds:' list`);
      }
      const templates = new Map<string, string>();
      for (const r of refs) {
        const tokens = r.slice(1).split('/');
        let v: unknown = params;
        for (const t of tokens) v = (v as Record<string, unknown>)[t.replace(/~1/g, '/').replace(/~0/g, '~')];
        templates.set(r, v as string);
      }
      seedRefs.set(id, refs);
      seedTemplates.set(id, templates);
      (st as Record<string, unknown>)['params'] = substituteSeed(params as Record<string, unknown>, refs, templates, firstSeed);
    }
  }
  validateDocument(validate, merged.value, merged.positions, merged.file);
  const doc = merged.value as {
    name?: string;
    description?: string;
    seeds?: number[];
    compute: ComputeRequest;
    stages: Record<string, { kind: string; params: Record<string, unknown>; inputs: Record<string, string | string[]> }>;
  };
  const errors: Array<{ pos: SourcePos; line: string }> = [];
  const ids = Object.keys(doc.stages);
  const decls = new Map<string, StageDecl>();
  for (const id of ids) {
    const s = doc.stages[id]!;
    const base = pointerJoin('/stages', id);
    const kind = registry.get(s.kind)!;
    const allowed = kind.inputs.map((i) => i.name);
    for (const [name, srcs] of Object.entries(s.inputs)) {
      const p = pointerJoin(pointerJoin(base, 'inputs'), name);
      if (!allowed.includes(name)) {
        errors.push({ pos: at(p, true), line: `stages.${id}.inputs.${name}: kind '${s.kind}' has no input '${name}'${didYouMean(name, allowed)}${allowed.length ? `; inputs: ${allowed.join(', ')}` : '; it takes no inputs'}` });
        continue;
      }
      const spec = kind.inputs.find((i) => i.name === name)!;
      if (Array.isArray(srcs) && !spec.multiple) {
        errors.push({ pos: at(p), line: `stages.${id}.inputs.${name}: input '${name}' of '${s.kind}' takes one stage, not a list` });
        continue;
      }
      (Array.isArray(srcs) ? srcs : [srcs]).forEach((src, i) => {
        const ps = Array.isArray(srcs) ? pointerJoin(p, i) : p;
        if (!(src in doc.stages)) {
          errors.push({ pos: at(ps), line: `stages.${id}.inputs.${name}${Array.isArray(srcs) ? `[${i}]` : ''}: no stage '${src}' in this experiment${didYouMean(src, ids)}` });
          return;
        }
        const srcKind = doc.stages[src]!.kind;
        if (spec.kinds && !spec.kinds.includes(srcKind)) {
          errors.push({ pos: at(ps), line: `stages.${id}.inputs.${name}: stage '${src}' is a '${srcKind}', but input '${name}' takes ${spec.kinds.map((k) => `'${k}'`).join(' or ')}` });
        }
      });
    }
    for (const spec of kind.inputs) {
      if (!spec.optional && !(spec.name in s.inputs)) {
        errors.push({ pos: at(base, true), line: `stages.${id}.inputs: kind '${s.kind}' needs input '${spec.name}'${spec.description ? ` (${spec.description})` : ''}` });
      }
    }
    const paths = resolvePathParams(s.params, kind.paths ?? [], pointerJoin(base, 'params'), at);
    decls.set(id, { id, kind: s.kind, params: s.params, inputs: s.inputs, pos: at(base, true), ...(paths ? { paths } : {}) });
  }
  if (errors.length) {
    const lines = errors.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col).map((e) => `${formatPos(e.pos)}: ${e.line}`);
    throw new UserError(lines[0]!, lines.slice(1));
  }
  const ordered = topoSort(decls, ids);
  const seeds = doc.seeds ?? [];
  return {
    file: merged.file,
    files: merged.files,
    name: doc.name ?? '',
    description: doc.description ?? '',
    compute: doc.compute,
    seeds,
    stages: seeds.length ? expandSeeds(ordered, registry, seeds, seedRefs, seedTemplates) : ordered,
    positions: merged.positions,
  };
}

/**
 * Replicates per-seed stages: a stage is per-seed when its params mention ${seed} or one of its
 * plain inputs is per-seed; replica ids are `id@seed`. A `multiple` input fed by a per-seed stage
 * gathers every replica, so a comparison stage sees all seeds. Stages that depend on no seed stay
 * single (and identical replicas would share keys anyway).
 */
function expandSeeds(stages: StageDecl[], registry: Registry, seeds: number[], refs: Map<string, string[]>, templates: Map<string, Map<string, string>>): StageDecl[] {
  const perSeed = new Set<string>();
  for (const s of stages) {
    const kind = registry.get(s.kind)!;
    const viaInput = Object.entries(s.inputs).some(([name, src]) => !kind.inputs.find((i) => i.name === name)?.multiple && perSeed.has(src as string));
    if (refs.has(s.id) || viaInput) perSeed.add(s.id);
  }
  const replicaIds = (src: string) => (perSeed.has(src) ? seeds.map((seed) => `${src}@${seed}`) : [src]);
  const out: StageDecl[] = [];
  for (const s of stages) {
    const kind = registry.get(s.kind)!;
    const wire = (seed: number | undefined): Record<string, string | string[]> =>
      Object.fromEntries(
        Object.entries(s.inputs).map(([name, src]) => {
          const multiple = kind.inputs.find((i) => i.name === name)?.multiple;
          if (multiple) return [name, (Array.isArray(src) ? src : [src]).flatMap(replicaIds)];
          return [name, perSeed.has(src as string) ? `${src as string}@${seed}` : src];
        }),
      );
    if (!perSeed.has(s.id)) {
      out.push({ ...s, inputs: wire(undefined) });
      continue;
    }
    for (const seed of seeds) {
      const params = refs.has(s.id) ? substituteSeed(s.params, refs.get(s.id)!, templates.get(s.id)!, seed) : s.params;
      out.push({ ...s, id: `${s.id}@${seed}`, params, inputs: wire(seed), seed });
    }
  }
  return out;
}

/** Resolves path params in place (`~`, then relative to the file that set them); returns their positions. */
function resolvePathParams(params: Record<string, unknown>, names: string[], base: string, at: (p: string) => SourcePos): Record<string, SourcePos> | undefined {
  let out: Record<string, SourcePos> | undefined;
  for (const name of names) {
    const tokens = name.split('.');
    let parent: Record<string, unknown> | undefined = params;
    for (const t of tokens.slice(0, -1)) parent = parent?.[t] && typeof parent[t] === 'object' ? (parent[t] as Record<string, unknown>) : undefined;
    const leaf = tokens.at(-1)!;
    const v = parent?.[leaf];
    if (typeof v !== 'string' || v === '') continue;
    const pos = at(tokens.reduce((p, t) => pointerJoin(p, t), base));
    const expanded = v === '~' || v.startsWith('~/') ? join(homedir(), v.slice(1)) : v;
    parent![leaf] = isAbsolute(expanded) ? expanded : resolve(dirname(pos.file), expanded);
    (out ??= {})[name] = pos;
  }
  return out;
}

/** Params as they enter the key: every path param replaced by the content fingerprint of what it names. */
export function keyParams(decl: StageDecl, fingerprint: (path: string) => string): Record<string, unknown> {
  if (!decl.paths) return decl.params;
  const out = structuredClone(decl.params);
  for (const [name, pos] of Object.entries(decl.paths)) {
    const tokens = name.split('.');
    let parent = out;
    for (const t of tokens.slice(0, -1)) parent = parent[t] as Record<string, unknown>;
    const path = parent[tokens.at(-1)!] as string;
    if (!existsSync(path)) throw new UserError(`${formatPos(pos)}: stages.${decl.id.split('@')[0]}.params.${name}: no such file or folder: ${path}`);
    parent[tokens.at(-1)!] = fingerprint(path);
  }
  return out;
}

/** Kahn's algorithm in declaration order; a cycle is an error naming the stages on it. */
export function topoSort(decls: Map<string, StageDecl>, order: string[]): StageDecl[] {
  const indeg = new Map<string, number>();
  const consumers = new Map<string, string[]>();
  for (const id of order) {
    const deps = new Set(inputIds(decls.get(id)!));
    indeg.set(id, deps.size);
    for (const d of deps) consumers.set(d, [...(consumers.get(d) ?? []), id]);
  }
  const ready = order.filter((id) => indeg.get(id) === 0);
  const out: StageDecl[] = [];
  while (ready.length) {
    const id = ready.shift()!;
    out.push(decls.get(id)!);
    for (const c of consumers.get(id) ?? []) {
      indeg.set(c, indeg.get(c)! - 1);
      if (indeg.get(c) === 0) ready.push(c);
    }
  }
  if (out.length < order.length) {
    const left = order.filter((id) => indeg.get(id)! > 0);
    // Walk the remaining graph to print one actual cycle.
    const start = left[0]!;
    const path: string[] = [start];
    let cur = start;
    for (;;) {
      const next = inputIds(decls.get(cur)!).find((d) => left.includes(d))!;
      const i = path.indexOf(next);
      if (i >= 0) {
        const cycle = [...path.slice(i), next];
        const d = decls.get(next)!;
        throw new UserError(`${formatPos(d.pos)}: stages.${next}: input cycle ${cycle.reverse().join(' -> ')}`);
      }
      path.push(next);
      cur = next;
    }
  }
  return out;
}
