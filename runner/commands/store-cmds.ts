/** `btf fsck`, `btf gc`, `btf exec KEY`: commands that work on the store rather than an experiment. */
import { readdirSync, rmSync, statSync, renameSync } from 'node:fs';
import { UserError } from '../errors.js';
import { loadRegistry } from '../stages/registry.js';
import { executeSpec } from '../exec/execute.js';
import { currentHolder } from '../store/lock.js';
import { sweepTmp, referencedKeys, folderBytes } from '../store/maintenance.js';
import { computeFrom } from './run.js';
import { parse, openStore, out, STORE_OPTION, COMPUTE_OPTIONS } from './common.js';

export const fsckUsage = 'btf fsck [--repair] [--store DIR]';
export const fsckSummary = 're-hash every artifact and report damaged ones (--repair removes them so they are recomputed)';
export const gcUsage = 'btf gc [--dry-run] [--store DIR]';
export const gcSummary = 'remove artifacts no lock file references, unreferenced objects and leftovers of killed runs';
export const execUsage = 'btf exec KEY [--store DIR] [--progress-json] [--force] [--no-accelerator-lock] [--backend B] [--workers N]';
export const execSummary = 'run one stage from its key alone (what an executor on another process or machine calls)';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export async function fsckCommand(argv: string[]): Promise<number> {
  const { values } = parse('fsck', argv, { repair: { type: 'boolean' }, ...STORE_OPTION }, fsckUsage);
  if (values['help']) return (out(`usage: ${fsckUsage}\n${fsckSummary}`), 0);
  const store = openStore(values['store'] as string | undefined);
  let files = 0;
  let bytes = 0;
  const damaged: string[] = [];
  const keys = store.listKeys();
  for (const key of keys) {
    let bad: string[];
    let kind = '?';
    try {
      const meta = store.readMeta(key);
      kind = `${meta.kind}${meta.producedBy ? `, produced by ${meta.producedBy}` : ''}`;
      files += meta.fileCount;
      bytes += meta.totalBytes;
      bad = store.damagedFiles(key, true);
    } catch (e) {
      bad = [(e as Error).message];
    }
    if (bad.length) {
      damaged.push(key);
      out(`damaged ${key.slice(0, 12)} (${kind}): ${bad.join(', ')}`);
      if (values['repair']) {
        // Damaged content lives in a shared object: drop the bad objects too, so nothing reuses them.
        for (const f of bad) {
          const path = f.split(' (')[0]!;
          try {
            const entry = store.readFiles(key).find((x) => x.path === path);
            if (entry) rmSync(store.path('objects', entry.sha256.slice(0, 2), entry.sha256), { force: true });
          } catch {
            /* manifest unreadable: the artifact goes anyway */
          }
        }
        const trash = store.path('tmp', `${process.pid}-fsck-${key}`);
        renameSync(store.artifactDir(key), trash);
        rmSync(trash, { recursive: true, force: true });
        out(`removed ${key.slice(0, 12)}; the next 'btf run' recomputes it`);
      }
    }
  }
  out(`checked ${keys.length} artifacts (${files} files, ${mb(bytes)}): ${damaged.length} damaged${damaged.length && values['repair'] ? ', removed' : ''}`);
  return damaged.length && !values['repair'] ? 1 : 0;
}

export async function gcCommand(argv: string[]): Promise<number> {
  const { values } = parse('gc', argv, { 'dry-run': { type: 'boolean' }, ...STORE_OPTION }, gcUsage);
  if (values['help']) return (out(`usage: ${gcUsage}\n${gcSummary}`), 0);
  const dry = !!values['dry-run'];
  const store = openStore(values['store'] as string | undefined);
  const busy = readdirSafe(store.locksDir()).filter((f) => f.endsWith('.lock')).map((f) => f.replace(/\.\d+\.lock$/, '')).find((n) => currentHolder(store.locksDir(), n));
  if (busy) {
    const h = currentHolder(store.locksDir(), busy)!;
    throw new UserError(`btf gc: store ${store.root} is in use (pid ${h.pid} on ${h.host}: ${h.purpose ?? ''}); run gc when no btf run is active`);
  }
  const { keys, lockFiles, missingRoots } = referencedKeys(store);
  out(`${lockFiles.length} lock files reference ${keys.size} artifacts`);
  let freed = 0;
  let nArtifacts = 0;
  for (const key of store.listKeys()) {
    if (keys.has(key)) continue;
    nArtifacts++;
    const dir = store.artifactDir(key);
    let kind = '?';
    try {
      kind = store.readMeta(key).kind;
    } catch {
      /* damaged: still garbage */
    }
    out(`${dry ? 'would remove' : 'remove'} artifact ${key.slice(0, 12)} (${kind})`);
    if (!dry) {
      const trash = store.path('tmp', `${process.pid}-gc-${key}`);
      renameSync(dir, trash);
      rmSync(trash, { recursive: true, force: true });
    }
  }
  // Objects that no kept artifact lists are garbage (exact in dry runs too, unlike link counts).
  const keptObjects = new Set<string>();
  for (const key of keys) {
    if (!store.has(key)) continue;
    try {
      for (const f of store.readFiles(key)) keptObjects.add(f.sha256);
    } catch {
      /* damaged manifest: fsck reports it */
    }
  }
  let nObjects = 0;
  for (const d of readdirSafe(store.path('objects'))) {
    for (const f of readdirSafe(store.path('objects', d))) {
      if (keptObjects.has(f)) continue;
      const p = store.path('objects', d, f);
      nObjects++;
      freed += statSync(p).size;
      if (!dry) rmSync(p, { force: true });
    }
  }
  for (const k of readdirSafe(store.path('specs'))) {
    const key = k.replace(/\.json$/, '');
    if (!keys.has(key) && !store.has(key)) {
      if (!dry) rmSync(store.path('specs', k), { force: true });
    }
  }
  for (const r of missingRoots) {
    out(`${dry ? 'would forget' : 'forget'} root ${r} (its lock file is gone)`);
    if (!dry) rmSync(r, { force: true });
  }
  const leftovers = sweepTmp(store, dry);
  for (const l of leftovers) freed += folderBytes(l);
  out(`${dry ? 'would remove' : 'removed'} ${nArtifacts} artifacts, ${nObjects} objects, ${leftovers.length} leftovers of killed runs (${mb(freed)})`);
  return 0;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function execCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parse('exec', argv, { 'progress-json': { type: 'boolean' }, force: { type: 'boolean' }, 'no-accelerator-lock': { type: 'boolean' }, ...STORE_OPTION, ...COMPUTE_OPTIONS }, execUsage);
  if (values['help']) return (out(`usage: ${execUsage}\n${execSummary}`), 0);
  const key = positionals[0];
  if (!key || !/^[0-9a-f]{64}$/.test(key)) throw new UserError(`btf exec: expected a stage key (64 hex digits); usage: ${execUsage}`);
  const store = openStore(values['store'] as string | undefined);
  const spec = store.readSpec(key);
  const registry = await loadRegistry();
  const json = !!values['progress-json'];
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const r = await executeSpec(store, registry, spec, {
    id: spec.id ?? spec.kind,
    signal: controller.signal,
    compute: computeFrom('exec', undefined, values),
    force: !!values['force'],
    acceleratorLock: !values['no-accelerator-lock'],
    hooks: {
      progress: (u) => json && out(JSON.stringify({ progress: u })),
      log: (l) => out(json ? JSON.stringify({ log: l }) : l),
    },
  });
  if (!json) out(`${r.cached ? 'cached' : 'committed'} ${key} -> ${r.meta.outputHash}`);
  return 0;
}
