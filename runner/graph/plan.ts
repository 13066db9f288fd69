/**
 * The plan: for every stage, its key when it can be known now and one reason it will or will not
 * run (DVC-style "changed because ..."). A stage's key needs its inputs' output hashes, so a stage
 * downstream of one that must run gets its key only at run time; it may still turn out cached then
 * (if the upstream re-run produced identical bytes).
 */
import { canonicalJson, stageKey } from './canonical.js';
import { flat } from './one-or-many.js';
import { keyParams, type Experiment, type StageDecl } from '../config/experiment.js';
import type { Registry } from '../stages/registry.js';
import type { Store } from '../store/store.js';
import type { LockFile } from '../lockfile/lockfile.js';

export type Reason = 'cached' | 'forced' | 'new' | 'params changed' | 'code version changed' | 'upstream changed' | 'not in store';

export interface PlannedStage {
  id: string;
  kind: string;
  version: number;
  params: Record<string, unknown>;
  /** Input name -> producing stage id (a list for `multiple` inputs). */
  inputs: Record<string, string | string[]>;
  /** Known when every input's output hash is known. */
  key: string | null;
  reason: Reason;
  detail: string;
  accelerator: boolean;
}

export interface ForceSpec {
  all?: boolean;
  ids?: Set<string>;
}

/** Dotted paths whose values differ between two params objects (depth-limited, for messages). */
export function diffParams(a: unknown, b: unknown, prefix = '', out: string[] = []): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return out;
  const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b) && prefix.split('.').length < 4) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const k of [...keys].sort()) diffParams((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k, out);
  } else out.push(prefix || '(all)');
  return out;
}

export function planExperiment(exp: Experiment, registry: Registry, store: Store, prev: LockFile | undefined, force: ForceSpec = {}): PlannedStage[] {
  const hashes = new Map<string, string>(); // stage id -> output hash, for stages already in the store
  const willRun = new Set<string>();
  const out: PlannedStage[] = [];
  for (const s of exp.stages) {
    const kind = registry.get(s.kind)!;
    const inputHashes: Record<string, string | string[]> = {};
    let known = true;
    for (const [name, src] of Object.entries(s.inputs)) {
      const hs = flat(src).map((id) => hashes.get(id));
      if (hs.some((h) => h === undefined)) known = false;
      else inputHashes[name] = Array.isArray(src) ? (hs as string[]) : hs[0]!;
    }
    const key = known ? stageKey({ kind: s.kind, version: kind.version, params: keyParams(s, (f) => store.fingerprints().fingerprint(f)), inputs: inputHashes }) : null;
    const forced = force.all || force.ids?.has(s.id);
    const p = decide(s, kind.version, key, inputHashes, !!forced, store, prev, willRun);
    if (p.reason === 'cached' && key) hashes.set(s.id, store.readMeta(key).outputHash);
    else willRun.add(s.id);
    out.push({ id: s.id, kind: s.kind, version: kind.version, params: s.params, inputs: s.inputs, key, reason: p.reason, detail: p.detail, accelerator: !!kind.accelerator?.(s.params) });
  }
  store.fingerprints().save();
  return out;
}

function decide(s: StageDecl, version: number, key: string | null, inputHashes: Record<string, string | string[]>, forced: boolean, store: Store, prev: LockFile | undefined, willRun: Set<string>): { reason: Reason; detail: string } {
  if (forced) return { reason: 'forced', detail: '--force' };
  if (key && store.has(key)) return { reason: 'cached', detail: key.slice(0, 12) };
  const before = prev?.stages[s.id];
  if (!before || before.kind !== s.kind) return { reason: 'new', detail: before ? `was a '${before.kind}'` : 'not in the lock file' };
  if (before.version !== version) return { reason: 'code version changed', detail: `${s.kind} v${before.version} -> v${version}` };
  const changed = diffParams(before.params, s.params);
  if (changed.length) return { reason: 'params changed', detail: changed.join(', ') };
  const ups = Object.entries(s.inputs).filter(([name, src]) => {
    const prevIn = before.inputs[name];
    const was = prevIn === undefined ? [] : flat(prevIn);
    const now = flat(src);
    if (now.some((id) => willRun.has(id)) || was.length !== now.length || was.some((w, i) => w.stage !== now[i])) return true;
    const h = inputHashes[name];
    return h !== undefined && flat(h).some((x, i) => was[i]?.hash !== x);
  });
  if (ups.length) return { reason: 'upstream changed', detail: ups.flatMap(([, src]) => flat(src)).join(', ') };
  return { reason: 'not in store', detail: key ? `${key.slice(0, 12)} (removed by gc, or produced on another machine)` : '' };
}
