/**
 * Loads an experiment file: YAML with positions -> `extends` merge -> schema validation with
 * defaults -> semantic checks of the stage wiring (inputs name existing stages, input names fit the
 * kind, required inputs present, no cycles). Returns typed declarations; nothing downstream reads YAML.
 */
import { UserError } from '../errors.js';
import type { ComputeRequest } from '../stages/types.js';
import type { Registry } from '../stages/registry.js';
import { loadWithExtends } from './merge.js';
import { compileExperimentValidator } from './schemas.js';
import { validateDocument } from './validate.js';
import { didYouMean } from './suggest.js';
import { formatPos, pointerJoin, type Positions, type SourcePos } from './yaml.js';

export interface StageDecl {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  /** Input name -> producing stage id. */
  inputs: Record<string, string>;
  /** Where the stage is declared (for messages). */
  pos: SourcePos;
}

export interface Experiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** Every file that contributed through `extends`. */
  files: string[];
  name: string;
  description: string;
  compute: ComputeRequest;
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

export function loadExperiment(file: string, registry: Registry): Experiment {
  const merged = loadWithExtends(file);
  const { validate } = validatorFor(registry);
  validateDocument(validate, merged.value, merged.positions, merged.file);
  const doc = merged.value as {
    name?: string;
    description?: string;
    compute: ComputeRequest;
    stages: Record<string, { kind: string; params: Record<string, unknown>; inputs: Record<string, string> }>;
  };
  const at = (pointer: string, key = false): SourcePos => {
    const e = merged.positions.get(pointer);
    return (key ? e?.key : undefined) ?? e?.value ?? { file: merged.file, line: 1, col: 1 };
  };
  const errors: Array<{ pos: SourcePos; line: string }> = [];
  const ids = Object.keys(doc.stages);
  const decls = new Map<string, StageDecl>();
  for (const id of ids) {
    const s = doc.stages[id]!;
    const base = pointerJoin('/stages', id);
    const kind = registry.get(s.kind)!;
    const allowed = kind.inputs.map((i) => i.name);
    for (const [name, src] of Object.entries(s.inputs)) {
      const p = pointerJoin(pointerJoin(base, 'inputs'), name);
      if (!allowed.includes(name)) {
        errors.push({ pos: at(p, true), line: `stages.${id}.inputs.${name}: kind '${s.kind}' has no input '${name}'${didYouMean(name, allowed)}${allowed.length ? `; inputs: ${allowed.join(', ')}` : '; it takes no inputs'}` });
        continue;
      }
      if (!(src in doc.stages)) {
        errors.push({ pos: at(p), line: `stages.${id}.inputs.${name}: no stage '${src}' in this experiment${didYouMean(src, ids)}` });
        continue;
      }
      const spec = kind.inputs.find((i) => i.name === name)!;
      const srcKind = doc.stages[src]!.kind;
      if (spec.kinds && !spec.kinds.includes(srcKind)) {
        errors.push({ pos: at(p), line: `stages.${id}.inputs.${name}: stage '${src}' is a '${srcKind}', but input '${name}' takes ${spec.kinds.map((k) => `'${k}'`).join(' or ')}` });
      }
    }
    for (const spec of kind.inputs) {
      if (!spec.optional && !(spec.name in s.inputs)) {
        errors.push({ pos: at(base, true), line: `stages.${id}.inputs: kind '${s.kind}' needs input '${spec.name}'${spec.description ? ` (${spec.description})` : ''}` });
      }
    }
    decls.set(id, { id, kind: s.kind, params: s.params, inputs: s.inputs, pos: at(base, true) });
  }
  if (errors.length) {
    const lines = errors.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col).map((e) => `${formatPos(e.pos)}: ${e.line}`);
    throw new UserError(lines[0]!, lines.slice(1));
  }
  return {
    file: merged.file,
    files: merged.files,
    name: doc.name ?? '',
    description: doc.description ?? '',
    compute: doc.compute,
    stages: topoSort(decls, ids),
    positions: merged.positions,
  };
}

/** Kahn's algorithm in declaration order; a cycle is an error naming the stages on it. */
export function topoSort(decls: Map<string, StageDecl>, order: string[]): StageDecl[] {
  const indeg = new Map<string, number>();
  const consumers = new Map<string, string[]>();
  for (const id of order) {
    const deps = new Set(Object.values(decls.get(id)!.inputs));
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
      const next = Object.values(decls.get(cur)!.inputs).find((d) => left.includes(d))!;
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
