/**
 * Reproducibility commands. `btf verify` re-runs stages named in a lock file into a scratch store
 * (inputs read from the main store) and reports, per stage, whether the output hash matches the lock.
 * `btf diff A.lock.json B.lock.json` walks two lock files in DAG order and names the first stage
 * where they diverge and why (params, code version, upstream, or same inputs but different output).
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { loadRegistry } from '../stages/registry.js';
import { executeSpec } from '../exec/execute.js';
import { Store, type StageSpec } from '../store/store.js';
import { lockPathFor, readLock, lockInputs, type LockFile, type LockStage } from '../lockfile/lockfile.js';
import { mapOneOrMany } from '../graph/one-or-many.js';
import { diffParams } from '../graph/plan.js';
import { computeFrom } from './run.js';
import { parse, openStore, out, STORE_OPTION, COMPUTE_OPTIONS } from './common.js';

export const verifyUsage = 'btf verify EXPERIMENT|LOCKFILE [--stage KIND]... [--store DIR] [--keep] [--backend B]';
export const verifySummary = 're-run stages into a scratch store and check their output hashes against the lock file';
export const diffUsage = 'btf diff A.lock.json B.lock.json';
export const diffSummary = 'show where two runs diverge first in the DAG';

function lockFor(cmd: string, arg: string | undefined, usage: string): { path: string; lock: LockFile } {
  if (!arg) throw new UserError(`btf ${cmd}: missing experiment or lock file; usage: ${usage}`);
  const path = arg.endsWith('.lock.json') ? arg : lockPathFor(resolve(arg));
  const lock = readLock(path);
  if (!lock) throw new UserError(`btf ${cmd}: no lock file ${path} (run 'btf run ${arg}' first)`);
  return { path, lock };
}

export async function verifyCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parse('verify', argv, { stage: { type: 'string', multiple: true }, keep: { type: 'boolean' }, ...STORE_OPTION, ...COMPUTE_OPTIONS }, verifyUsage);
  if (values['help']) return (out(`usage: ${verifyUsage}\n${verifySummary}`), 0);
  const { path, lock } = lockFor('verify', positionals[0], verifyUsage);
  const store = openStore(values['store'] as string | undefined, path);
  const registry = await loadRegistry();
  const kinds = new Set((values['stage'] as string[] | undefined) ?? []);
  for (const k of kinds) if (!registry.get(k)) throw new UserError(`btf verify: --stage ${k}: unknown stage kind; kinds: ${registry.names().join(', ')}`);
  const scratch = new Store(mkdtempSync(join(tmpdir(), 'btf-verify-')));
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  let mismatches = 0;
  let checked = 0;
  try {
    for (const id of lock.order) {
      const s = lock.stages[id];
      if (!s || (kinds.size && !kinds.has(s.kind))) continue;
      const kind = registry.get(s.kind);
      if (!kind) {
        out(`${id} (${s.kind}): skipped, this btf has no kind '${s.kind}'`);
        continue;
      }
      if (kind.version !== s.version) {
        out(`${id} (${s.kind}): skipped, lock made with v${s.version}, this btf has v${kind.version}`);
        continue;
      }
      const inputs: StageSpec['inputs'] = {};
      let missing = '';
      for (const [name, inp] of Object.entries(s.inputs)) {
        inputs[name] = mapOneOrMany(inp, (one) => {
          const up = lock.stages[one.stage];
          if (!up || !store.has(up.key)) missing ||= `input '${name}' (${one.stage}) is not in the store; run the experiment first`;
          return { key: up?.key ?? '', hash: one.hash };
        });
      }
      if (missing) {
        out(`${id} (${s.kind}): skipped, ${missing}`);
        continue;
      }
      const t0 = Date.now();
      const r = await executeSpec(scratch, registry, { key: s.key, kind: s.kind, version: s.version, params: s.params, inputs, id }, {
        id,
        signal: controller.signal,
        compute: computeFrom('verify', undefined, values),
        inputStore: store,
      });
      checked++;
      const ok = r.meta.outputHash === s.outputHash;
      if (!ok) mismatches++;
      out(`${id} (${s.kind}): ${ok ? 'match' : 'MISMATCH'} ${ok ? s.outputHash.slice(0, 12) : `lock ${s.outputHash.slice(0, 12)} re-run ${r.meta.outputHash.slice(0, 12)}`} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    }
  } finally {
    if (!values['keep']) rmSync(scratch.root, { recursive: true, force: true });
    else out(`scratch store kept at ${scratch.root}`);
  }
  out(`${checked} stages re-run: ${checked - mismatches} match, ${mismatches} differ`);
  return mismatches ? 1 : 0;
}

function why(a: LockStage, b: LockStage, sameUpstream: boolean): string {
  // Same key = same kind, version, params content and inputs (paths may differ across machines).
  if (a.key === b.key) {
    const env = a.environment || b.environment ? ` (environment: ${JSON.stringify(a.environment ?? {})} vs ${JSON.stringify(b.environment ?? {})})` : '';
    return `same key, different output: the stage is not reproducible here${env}`;
  }
  if (a.kind !== b.kind) return `kind ${a.kind} vs ${b.kind}`;
  if (a.version !== b.version) return `code version ${a.version} vs ${b.version}`;
  // Path params compare by the content fingerprint the key used (absolute paths differ by machine).
  const p = diffParams(a.keyParams ?? a.params, b.keyParams ?? b.params);
  if (p.length) return `params differ: ${p.join(', ')}`;
  if (!sameUpstream) return 'inputs differ (upstream changed)';
  return 'inputs differ';
}

export async function diffCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parse('diff', argv, {}, diffUsage);
  if (values['help']) return (out(`usage: ${diffUsage}\n${diffSummary}`), 0);
  if (positionals.length !== 2) throw new UserError(`btf diff: expected two lock files; usage: ${diffUsage}`);
  const [pa, pb] = positionals as [string, string];
  for (const p of [pa, pb]) if (!existsSync(p)) throw new UserError(`${p}:1:1: no such lock file`);
  const a = readLock(pa)!;
  const b = readLock(pb)!;
  const order = [...a.order, ...b.order.filter((id) => !a.order.includes(id))];
  const same = new Set<string>();
  let first: string | undefined;
  let differing = 0;
  for (const id of order) {
    const sa = a.stages[id];
    const sb = b.stages[id];
    if (!sa || !sb) {
      out(`${id}: only in ${sa ? pa : pb}`);
      differing++;
      continue;
    }
    if (sa.key === sb.key && sa.outputHash === sb.outputHash) {
      same.add(id);
      continue;
    }
    differing++;
    const sameUpstream = lockInputs(sa).every((i) => same.has(i.stage)) && lockInputs(sb).every((i) => same.has(i.stage));
    const reason = why(sa, sb, sameUpstream);
    const root = sameUpstream && !first;
    if (root) first = id;
    out(`${id} (${sa.kind}): ${reason}${root ? '   <- first divergence' : ''}`);
  }
  if (differing === 0) {
    out(`identical: ${same.size} stages have the same keys and output hashes`);
    return 0;
  }
  out(`${same.size} stages identical, ${differing} differ${first ? `; first divergence at '${first}'` : ''}`);
  return 1;
}
