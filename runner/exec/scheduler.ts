/**
 * Runs an experiment's DAG: a stage starts when all its inputs are committed; up to `jobs` stages
 * run at once; stages that need the accelerator run one at a time (and across processes through the
 * store's 'accelerator' lock). Each stage's key is computed from its inputs' actual output hashes,
 * so a stage downstream of a re-run that produced identical bytes is still a cache hit.
 * On failure no new stage starts and running ones finish; on abort (Ctrl-C) running ones stop and
 * nothing partial is committed. The lock file is rewritten after every stage that ran and at the end.
 */
import { stageKey } from '../graph/canonical.js';
import { executeSpec, type ExecResult } from './execute.js';
import { executeInChild } from './child.js';
import { writeLock, type LockFile } from '../lockfile/lockfile.js';
import { baseEnvironment, type Store, type StageSpec } from '../store/store.js';
import { inputIds, keyParams, type Experiment } from '../config/experiment.js';
import { mapOneOrMany } from '../graph/one-or-many.js';
import type { Registry } from '../stages/registry.js';
import type { ProgressUpdate, ComputeRequest } from '../stages/types.js';
import type { LockInfo } from '../store/lock.js';
import type { ForceSpec } from '../graph/plan.js';
import type { Placement } from './placement.js';

export interface RunEvents {
  start?(id: string, key: string): void;
  progress?(id: string, u: ProgressUpdate): void;
  log?(id: string, line: string): void;
  waiting?(id: string, what: string, holder: LockInfo): void;
  done?(id: string, r: ExecResult): void;
  failed?(id: string, err: Error): void;
  skipped?(id: string, why: string): void;
}

export interface RunOptions {
  jobs: number;
  force?: ForceSpec;
  signal: AbortSignal;
  events?: RunEvents;
  /** 'inline' runs stages in this process; 'process' runs each as `btf exec KEY` in a child. */
  executor?: 'inline' | 'process';
  compute: ComputeRequest;
  /** Where to write the lock file (undefined: don't write). */
  lockPath?: string;
  /** How heavy (accelerator) stages are placed; default: one at a time, in process. */
  placement?: Placement;
}

export interface RunOutcome {
  ok: boolean;
  errors: Array<{ id: string; error: Error }>;
  results: Map<string, ExecResult>;
  lock: LockFile;
}

export async function runExperiment(exp: Experiment, registry: Registry, store: Store, opts: RunOptions): Promise<RunOutcome> {
  const ev = opts.events ?? {};
  const lock: LockFile = { btfLock: 1, experiment: exp.file.split('/').pop()!, environment: { ...baseEnvironment(), compute: opts.compute }, order: exp.stages.map((s) => s.id), stages: {} };
  const results = new Map<string, ExecResult>();
  const keys = new Map<string, string>();
  const errors: Array<{ id: string; error: Error }> = [];
  const started = new Set<string>();
  const byId = new Map(exp.stages.map((s) => [s.id, s]));
  let running = 0;
  let acceleratorBusy = false;
  let stopLaunching = false;
  if (opts.lockPath) store.addRoot(opts.lockPath);

  return await new Promise<RunOutcome>((resolveRun) => {
    const finishIfDone = () => {
      if (running > 0) return;
      const remaining = exp.stages.filter((s) => !started.has(s.id));
      if (remaining.length && !stopLaunching && !opts.signal.aborted) return;
      for (const s of remaining) ev.skipped?.(s.id, opts.signal.aborted ? 'interrupted' : 'an upstream stage failed');
      if (opts.lockPath && results.size) writeLock(opts.lockPath, lock);
      resolveRun({ ok: errors.length === 0 && remaining.length === 0, errors, results, lock });
    };
    const ready = (id: string) => inputIds(byId.get(id)!).every((src) => results.has(src));
    const launch = () => {
      if (opts.signal.aborted) stopLaunching = true;
      for (const s of exp.stages) {
        if (stopLaunching || running >= opts.jobs) break;
        if (started.has(s.id) || !ready(s.id)) continue;
        const kind = registry.get(s.kind)!;
        const heavy = !!kind.accelerator?.(s.params);
        const accel = heavy && (opts.placement?.exclusiveAccelerator ?? true);
        if (accel && acceleratorBusy) continue;
        started.add(s.id);
        running++;
        if (accel) acceleratorBusy = true;
        const inputs: StageSpec['inputs'] = {};
        for (const [name, src] of Object.entries(s.inputs)) inputs[name] = mapOneOrMany(src, (id) => ({ key: keys.get(id)!, hash: results.get(id)!.meta.outputHash }));
        let key: string;
        let keyed: Record<string, unknown>;
        try {
          keyed = keyParams(s, (f) => store.fingerprints().fingerprint(f));
          key = stageKey({ kind: s.kind, version: kind.version, params: keyed, inputs: Object.fromEntries(Object.entries(inputs).map(([n, v]) => [n, mapOneOrMany(v, (x) => x.hash)])) });
          store.fingerprints().save();
        } catch (e) {
          errors.push({ id: s.id, error: e as Error });
          stopLaunching = true;
          running--;
          if (accel) acceleratorBusy = false;
          ev.failed?.(s.id, e as Error);
          continue;
        }
        keys.set(s.id, key);
        const spec: StageSpec = { key, kind: s.kind, version: kind.version, params: s.params, inputs, id: s.id };
        const forced = !!(opts.force?.all || opts.force?.ids?.has(s.id));
        ev.start?.(s.id, key);
        const hooks = {
          progress: (u: ProgressUpdate) => ev.progress?.(s.id, u),
          log: (l: string) => ev.log?.(s.id, l),
          waiting: (what: string, h: LockInfo) => ev.waiting?.(s.id, what, h),
        };
        const inChild = (opts.executor === 'process' || (heavy && !!opts.placement?.heavyInChild)) && !(!forced && store.has(key));
        const acceleratorLock = opts.placement?.exclusiveAccelerator ?? true;
        const exec = inChild
          ? executeInChild(store, spec, { id: s.id, signal: opts.signal, compute: opts.compute, hooks, force: forced, acceleratorLock })
          : executeSpec(store, registry, spec, { id: s.id, signal: opts.signal, compute: opts.compute, hooks, force: forced, acceleratorLock });
        exec.then(
          (r) => {
            results.set(s.id, r);
            lock.stages[s.id] = {
              kind: s.kind,
              version: kind.version,
              key,
              outputHash: r.meta.outputHash,
              params: s.params,
              ...(keyed !== s.params ? { keyParams: keyed } : {}),
              inputs: Object.fromEntries(Object.entries(s.inputs).map(([n, src]) => [n, mapOneOrMany(src, (id) => ({ stage: id, hash: results.get(id)!.meta.outputHash }))])),
              // The backend explains numeric differences between machines: keep it beside the hashes.
              ...(r.meta.environment['tfjs.backend'] !== undefined ? { environment: { backend: r.meta.environment['tfjs.backend'] } } : {}),
            };
            // Rewrite the lock file when real work finished (a crash keeps it); cache hits are batched.
            if (opts.lockPath && !r.cached) writeLock(opts.lockPath, lock);
            ev.done?.(s.id, r);
          },
          (e: Error) => {
            errors.push({ id: s.id, error: e });
            stopLaunching = true;
            ev.failed?.(s.id, e);
          },
        ).finally(() => {
          running--;
          if (accel) acceleratorBusy = false;
          launch();
          finishIfDone();
        });
      }
      finishIfDone();
    };
    opts.signal.addEventListener('abort', () => {
      stopLaunching = true;
      finishIfDone();
    });
    launch();
  });
}
