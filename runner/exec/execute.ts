/**
 * Executes one stage from its spec (kind, version, params, input keys/hashes): the unit that both
 * the in-process scheduler and `btf exec KEY` (another process, later another machine) call.
 * Lock the key, re-check the store (someone may have finished it while we waited), run the kind
 * into a private tmp folder, commit atomically, release. Failure or interruption commits nothing.
 */
import { rmSync, renameSync, existsSync } from 'node:fs';
import { UserError, Interrupted } from '../errors.js';
import { acquire, type LockInfo } from '../store/lock.js';
import { baseEnvironment, type Store, type StageSpec, type ArtifactMeta } from '../store/store.js';
import type { Registry } from '../stages/registry.js';
import type { ArtifactRef, ComputeRequest, ProgressUpdate, StageContext } from '../stages/types.js';

export interface ExecHooks {
  progress?: (u: ProgressUpdate) => void;
  log?: (line: string) => void;
  /** Called once when another process holds the key (or the accelerator) and we wait. */
  waiting?: (what: string, holder: LockInfo) => void;
}

export interface ExecOptions {
  id: string;
  signal: AbortSignal;
  compute: ComputeRequest;
  hooks?: ExecHooks;
  /** Re-run even if the key is in the store, replacing the stored artifact. */
  force?: boolean;
  /** Store to read inputs from when it is not the one written to (`btf verify` runs into a scratch store). */
  inputStore?: Store;
  /** Take the store-wide 'accelerator' lock for accelerator stages (default true; off on CPU-only hosts). */
  acceleratorLock?: boolean;
}

export interface ExecResult {
  meta: ArtifactMeta;
  /** True when the store already had the key (nothing ran). */
  cached: boolean;
  /** With force: whether the new output hash differs from the one it replaced. */
  changedOnForce?: boolean;
}

/** Opens (and verifies) every input artifact of a spec: first of each, and the full lists. */
export function openInputs(store: Store, spec: StageSpec): { inputs: Record<string, ArtifactRef>; inputLists: Record<string, ArtifactRef[]> } {
  const inputs: Record<string, ArtifactRef> = {};
  const inputLists: Record<string, ArtifactRef[]> = {};
  for (const [name, value] of Object.entries(spec.inputs)) {
    inputLists[name] = (Array.isArray(value) ? value : [value]).map(({ key, hash }) => {
      if (!store.has(key)) throw new UserError(`stage ${spec.id ?? spec.kind}: input '${name}' (artifact ${key.slice(0, 12)}) is not in the store ${store.root}`);
      const ref = store.open(key);
      if (ref.hash !== hash) throw new UserError(`stage ${spec.id ?? spec.kind}: input '${name}' has output hash ${ref.hash.slice(0, 12)}, expected ${hash.slice(0, 12)}`);
      return ref;
    });
    if (inputLists[name]!.length) inputs[name] = inputLists[name]![0]!;
  }
  return { inputs, inputLists };
}

export async function executeSpec(store: Store, registry: Registry, spec: StageSpec, opts: ExecOptions): Promise<ExecResult> {
  const kind = registry.get(spec.kind);
  if (!kind) throw new UserError(`stage ${opts.id}: unknown kind '${spec.kind}' (is a plugin missing from BTF_PLUGINS?)`);
  if (kind.version !== spec.version) throw new UserError(`stage ${opts.id}: spec is for ${spec.kind} v${spec.version}, this btf has v${kind.version}`);
  if (!opts.force && store.has(spec.key)) return { meta: store.readMeta(spec.key), cached: true };
  store.writeSpec(spec);
  const hooks = opts.hooks ?? {};
  const keyLock = await acquire(store.locksDir(), spec.key, {
    signal: opts.signal,
    purpose: `${opts.id} (${spec.kind})`,
    onWait: (h) => hooks.waiting?.('stage key', h),
  });
  let accel: Awaited<ReturnType<typeof acquire>> | undefined;
  let tmp: { dir: string; outDir: string; logDir: string } | undefined;
  try {
    if (!opts.force && store.has(spec.key)) return { meta: store.readMeta(spec.key), cached: true };
    if (kind.accelerator?.(spec.params) && opts.acceleratorLock !== false) {
      accel = await acquire(store.locksDir(), 'accelerator', { signal: opts.signal, purpose: `${opts.id} (${spec.kind})`, onWait: (h) => hooks.waiting?.('accelerator', h) });
    }
    const { inputs, inputLists } = openInputs(opts.inputStore ?? store, spec);
    tmp = store.makeTmp();
    const env: Record<string, unknown> = {};
    const ctx: StageContext<unknown> = {
      id: opts.id,
      params: structuredClone(spec.params),
      inputs,
      inputLists,
      outDir: tmp.outDir,
      logDir: tmp.logDir,
      workDir: store.workDir(spec.key),
      signal: opts.signal,
      progress: (u) => hooks.progress?.(u),
      log: (l) => hooks.log?.(l),
      setEnv: (k, v) => {
        env[k] = v;
      },
      compute: opts.compute,
    };
    const started = Date.now();
    let result;
    try {
      result = await kind.run(ctx);
    } catch (e) {
      if (e instanceof UserError || e instanceof Interrupted) throw e;
      if (opts.signal.aborted) throw new Interrupted();
      const err = e as Error;
      const wrapped = new Error(`stage ${opts.id} (${spec.kind}) failed: ${err.message}`);
      wrapped.stack = err.stack;
      throw wrapped;
    }
    if (opts.signal.aborted) throw new Interrupted();
    const finished = Date.now();
    const metaIn = {
      key: spec.key,
      kind: spec.kind,
      version: spec.version,
      params: spec.params,
      inputs: spec.inputs,
      summary: result?.summary ?? {},
      timings: { startedAt: new Date(started).toISOString(), finishedAt: new Date(finished).toISOString(), seconds: (finished - started) / 1000 },
      environment: { ...baseEnvironment(), ...env },
      producedBy: opts.id,
    };
    if (opts.force && store.has(spec.key)) {
      const old = store.readMeta(spec.key);
      const trash = `${store.artifactDir(spec.key)}.replaced-${process.pid}`;
      renameSync(store.artifactDir(spec.key), trash);
      const meta = store.commit(tmp.dir, metaIn);
      tmp = undefined;
      rmSync(trash, { recursive: true, force: true });
      return { meta, cached: false, changedOnForce: old.outputHash !== meta.outputHash };
    }
    const meta = store.commit(tmp.dir, metaIn);
    tmp = undefined;
    rmSync(store.path('work', spec.key), { recursive: true, force: true });
    return { meta, cached: false };
  } finally {
    if (tmp && existsSync(tmp.dir)) store.discardTmp(tmp.dir);
    accel?.release();
    keyLock.release();
  }
}
