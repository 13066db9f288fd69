/**
 * listr2 progress for a run: one task per stage showing its state (waiting, running with a progress
 * line, cached, done, failed, skipped). On a TTY the default renderer redraws in place; otherwise
 * (CI, pipes) the simple renderer prints plain lines, and per-stage progress is throttled so logs stay
 * readable.
 */
import { Listr, ListrLogger, type ListrTask } from 'listr2';
import type { RunEvents } from '../exec/scheduler.js';
import type { ProgressUpdate } from '../stages/types.js';

export interface UiStage {
  id: string;
  kind: string;
  reason: string;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function fmtProgress(u: ProgressUpdate, startedMs: number): string {
  const parts: string[] = [];
  if (u.total && u.done !== undefined) {
    const frac = Math.min(1, u.done / u.total);
    const width = 20;
    const filled = Math.round(frac * width);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${u.done}/${u.total}`);
    const elapsed = (Date.now() - startedMs) / 1000;
    if (frac > 0 && frac < 1 && elapsed > 2) parts.push(`ETA ${fmtDuration((elapsed / frac) * (1 - frac))}`);
  } else if (u.done !== undefined) parts.push(String(u.done));
  if (u.message) parts.push(u.message);
  return parts.join(' ');
}

export function fmtDuration(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function createRunUi(stages: UiStage[], tty: boolean): { events: RunEvents; run(): Promise<void> } {
  const states = new Map<string, { d: Deferred; output?: (s: string) => void; lastShown: number; started: number; cached?: boolean; pending?: string; finalTitle?: string }>();
  for (const s of stages) states.set(s.id, { d: deferred(), lastShown: 0, started: 0 });
  const throttleMs = tty ? 100 : 5000;
  const events: RunEvents = {
    start(id) {
      states.get(id)!.started = Date.now();
    },
    progress(id, u) {
      const st = states.get(id)!;
      const now = Date.now();
      const text = fmtProgress(u, st.started || now);
      if (now - st.lastShown < throttleMs) {
        st.pending = text;
        return;
      }
      st.lastShown = now;
      st.output?.(text);
    },
    log(id, line) {
      states.get(id)!.output?.(line);
    },
    waiting(id, what, h) {
      states.get(id)!.output?.(`waiting for ${what} lock held by pid ${h.pid} on ${h.host} since ${h.startedAt}${h.purpose ? ` (${h.purpose})` : ''}`);
    },
    done(id, r) {
      const st = states.get(id)!;
      st.cached = r.cached;
      const s = stages.find((x) => x.id === id)!;
      st.finalTitle = r.cached
        ? `${id} (${s.kind}) cached ${r.meta.outputHash.slice(0, 12)}`
        : `${id} (${s.kind}) ${r.meta.timings.seconds.toFixed(1)}s ${r.meta.outputHash.slice(0, 12)}${r.changedOnForce ? ' (output changed)' : ''}`;
      st.d.resolve();
    },
    failed(id, err) {
      states.get(id)!.d.reject(err);
    },
    skipped(id, why) {
      const st = states.get(id)!;
      st.finalTitle = `${id} skipped: ${why}`;
      st.d.resolve();
    },
  };
  const tasks: ListrTask[] = stages.map((s) => ({
    title: `${s.id} (${s.kind}) ${s.reason}`,
    task: async (_ctx, task) => {
      const st = states.get(s.id)!;
      st.output = (t) => {
        task.output = t;
      };
      try {
        await st.d.promise;
      } finally {
        if (st.finalTitle) task.title = st.finalTitle;
      }
    },
    rendererOptions: { persistentOutput: false, outputBar: 1 },
  }));
  const list = new Listr(tasks, {
    concurrent: true,
    exitOnError: false,
    // The CLI owns Ctrl-C (abort stages, discard partial work, release locks); listr2 would exit(127).
    registerSignalListeners: false,
    collectErrors: false,
    renderer: tty ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    // Failures are printed once, by the CLI, on stderr; the progress view stays on stdout.
    rendererOptions: (tty ? { collapseErrors: true, showErrorMessage: false } : { logger: new ListrLogger({ useIcons: true, toStderr: [] }) }) as never,
    fallbackRendererOptions: { logger: new ListrLogger({ useIcons: true, toStderr: [] }) } as never,
  });
  return {
    events,
    async run() {
      try {
        await list.run();
      } catch {
        /* stage errors are reported by the CLI, one line each */
      }
    },
  };
}
