/**
 * Store upkeep shared by run, gc and fsck: sweeping leftovers of killed processes, finding what lock
 * files reference, re-hashing artifacts.
 */
import { readdirSync, rmSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sweepLockTemps } from './lock.js';
import type { Store } from './store.js';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes tmp folders whose process is gone (a killed run's uncommitted output). Returns them. */
export function sweepTmp(store: Store, dryRun = false): string[] {
  const removed: string[] = [];
  const dir = store.path('tmp');
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    /* no tmp yet */
  }
  for (const e of entries) {
    const pid = Number(e.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) {
      removed.push(join(dir, e));
      if (!dryRun) rmSync(join(dir, e), { recursive: true, force: true });
    }
  }
  // Artifacts being replaced by --force when the process died.
  try {
    for (const e of readdirSync(store.path('a'))) {
      const m = /\.replaced-(\d+)$/.exec(e);
      if (m && !pidAlive(Number(m[1]))) {
        removed.push(store.path('a', e));
        if (!dryRun) rmSync(store.path('a', e), { recursive: true, force: true });
      }
    }
  } catch {
    /* no artifacts yet */
  }
  if (!dryRun) sweepLockTemps(store.locksDir());
  return removed;
}

/** Keys named by every lock file registered as a root; roots whose lock file is gone are listed too. */
export function referencedKeys(store: Store): { keys: Set<string>; lockFiles: string[]; missingRoots: string[] } {
  const keys = new Set<string>();
  const lockFiles: string[] = [];
  const missingRoots: string[] = [];
  let roots: string[] = [];
  try {
    roots = readdirSync(store.path('roots'));
  } catch {
    /* none */
  }
  for (const r of roots) {
    const p = store.path('roots', r);
    let lockFile: string;
    try {
      lockFile = (JSON.parse(readFileSync(p, 'utf8')) as { lockFile: string }).lockFile;
    } catch {
      missingRoots.push(p);
      continue;
    }
    if (!existsSync(lockFile)) {
      missingRoots.push(p);
      continue;
    }
    lockFiles.push(lockFile);
    try {
      const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { stages: Record<string, { key: string }> };
      for (const s of Object.values(lock.stages)) keys.add(s.key);
    } catch {
      /* an unreadable lock file protects nothing */
    }
  }
  return { keys, lockFiles, missingRoots };
}

export function folderBytes(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else total += statSync(join(d, e.name)).size;
    }
  };
  try {
    walk(dir);
  } catch {
    /* vanished */
  }
  return total;
}
