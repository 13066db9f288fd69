/**
 * Per-key locks that heal themselves.
 *
 * A lock is a file `<dir>/<name>.<gen>.lock` holding {pid, host, startedAt, pidStart}. It is created
 * complete (written to a temp file, then hard-linked into place, which fails atomically if the name
 * exists). A holder whose process is gone (same host: pid missing or reused; other host: no heartbeat
 * for STALE_REMOTE_MS) is stale: the next acquirer simply creates generation gen+1 — stale files are
 * never unlinked by path before a newer generation exists, so two acquirers cannot both steal one.
 * After creating its file an acquirer looks again: if any other live holder exists it backs off
 * (with jitter) and retries, so at most one live holder exists even under races. No manual unlock.
 */
import { hostname } from 'node:os';
import { readdirSync, readFileSync, writeFileSync, linkSync, unlinkSync, statSync, utimesSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Interrupted } from '../errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Start time of the process (Linux /proc/<pid>/stat field 22) to detect pid reuse. */
  pidStart?: string;
  /** What holds it (e.g. "btf run experiments/x.yaml"). */
  purpose?: string;
}

/** A lock from another host is stale after this long without a heartbeat. */
export const STALE_REMOTE_MS = 10 * 60 * 1000;
const HEARTBEAT_MS = 30 * 1000;
const HOST = hostname();

export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19]; // field 22 overall
  } catch {
    return undefined;
  }
}

const MY_START = processStartTime(process.pid);

export function isAlive(info: LockInfo, mtimeMs: number): boolean {
  if (info.host !== HOST) return Date.now() - mtimeMs < STALE_REMOTE_MS;
  if (info.pid === process.pid) return true;
  try {
    process.kill(info.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (info.pidStart !== undefined) {
    const now = processStartTime(info.pid);
    if (now !== undefined && now !== info.pidStart) return false; // pid reused by another process
  }
  return true;
}

interface LockFile {
  gen: number;
  path: string;
}

function listGens(dir: string, name: string): LockFile[] {
  const prefix = `${name}.`;
  const out: LockFile[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const f of entries) {
    if (!f.startsWith(prefix) || !f.endsWith('.lock')) continue;
    const g = Number(f.slice(prefix.length, -5));
    if (Number.isInteger(g) && g > 0) out.push({ gen: g, path: join(dir, f) });
  }
  return out.sort((a, b) => a.gen - b.gen);
}

/** Reads a lock file; undefined when it vanished. Unparseable files count as alive while young. */
function readHolder(path: string): { info: LockInfo; alive: boolean } | undefined {
  try {
    const st = statSync(path);
    let info: LockInfo;
    try {
      info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    } catch {
      return { info: { pid: -1, host: '?', startedAt: '?' }, alive: Date.now() - st.mtimeMs < 30_000 };
    }
    return { info, alive: isAlive(info, st.mtimeMs) };
  } catch {
    return undefined;
  }
}

export class HeldLock {
  private timer: NodeJS.Timeout | undefined;
  private released = false;
  constructor(readonly name: string, readonly path: string) {
    this.timer = setInterval(() => {
      try {
        const t = new Date();
        utimesSync(this.path, t, t);
      } catch {
        /* lock removed under us: nothing to refresh */
      }
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

/** Holders currently recorded for `name` that are alive (for messages). */
export function currentHolder(dir: string, name: string): LockInfo | undefined {
  for (const f of listGens(dir, name).reverse()) {
    const h = readHolder(f.path);
    if (h?.alive) return h.info;
  }
  return undefined;
}

/** One attempt: returns the held lock, or the live holder that blocks us. */
export function tryAcquire(dir: string, name: string, purpose = ''): HeldLock | { blockedBy: LockInfo } {
  mkdirSync(dir, { recursive: true });
  const gens = listGens(dir, name);
  for (const f of [...gens].reverse()) {
    const h = readHolder(f.path);
    if (h?.alive) return { blockedBy: h.info };
  }
  const gen = (gens.at(-1)?.gen ?? 0) + 1;
  const info: LockInfo = { pid: process.pid, host: HOST, startedAt: new Date().toISOString(), purpose };
  if (MY_START !== undefined) info.pidStart = MY_START;
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  writeFileSync(tmp, JSON.stringify(info));
  const path = join(dir, `${name}.${gen}.lock`);
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      const h = readHolder(path);
      return { blockedBy: h?.info ?? info };
    }
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* ignore */
    }
  }
  // Look again: anyone else alive means a race; the newcomer (us) backs off.
  for (const f of listGens(dir, name)) {
    if (f.path === path) continue;
    const h = readHolder(f.path);
    if (h?.alive) {
      try {
        unlinkSync(path);
      } catch {
        /* ignore */
      }
      return { blockedBy: h.info };
    }
  }
  // We hold it: older generations are stale by now, clear them.
  for (const f of listGens(dir, name)) {
    if (f.gen < gen) {
      try {
        unlinkSync(f.path);
      } catch {
        /* ignore */
      }
    }
  }
  return new HeldLock(name, path);
}

/** Waits (polling with jitter) until the lock is ours; `onWait` is told who holds it. */
export async function acquire(
  dir: string,
  name: string,
  opts: { signal?: AbortSignal; purpose?: string; onWait?: (holder: LockInfo) => void } = {},
): Promise<HeldLock> {
  let notified = false;
  for (;;) {
    if (opts.signal?.aborted) throw new Interrupted();
    const r = tryAcquire(dir, name, opts.purpose);
    if (r instanceof HeldLock) return r;
    if (!notified) {
      opts.onWait?.(r.blockedBy);
      notified = true;
    }
    await new Promise((res) => setTimeout(res, 50 + Math.random() * 150));
  }
}

/** Removes temp files left in `dir` by processes killed mid-acquire. */
export function sweepLockTemps(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const f of entries) {
    const m = /^\.tmp-(\d+)-/.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code !== 'ESRCH';
    }
    if (!alive) {
      try {
        unlinkSync(join(dir, f));
      } catch {
        /* ignore */
      }
    }
  }
}
