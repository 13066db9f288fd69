/**
 * The process executor: runs a stage as `btf exec KEY --store ROOT --progress-json` in a child
 * process and relays its progress lines. The child does its own locking and commit, exactly as the
 * in-process path does, so a cluster executor (Slurm, ...) only has to start that same command on
 * another machine that sees the store.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { UserError, Interrupted } from '../errors.js';
import type { Store, StageSpec } from '../store/store.js';
import type { ExecOptions, ExecResult } from './execute.js';

export const BTF_BIN = fileURLToPath(new URL('../../../bin/btf.js', import.meta.url));

export function executeInChild(store: Store, spec: StageSpec, opts: ExecOptions): Promise<ExecResult> {
  store.writeSpec(spec);
  return new Promise((resolve, reject) => {
    const args = [BTF_BIN, 'exec', spec.key, '--store', store.root, '--progress-json', '--backend', opts.compute.backend, '--workers', String(opts.compute.workers)];
    if (opts.force) args.push('--force');
    if (opts.acceleratorLock === false) args.push('--no-accelerator-lock');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastError = '';
    const onAbort = () => child.kill('SIGINT');
    opts.signal.addEventListener('abort', onAbort);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const m = JSON.parse(line) as { progress?: object; log?: string; result?: ExecResult };
        if (m.progress) opts.hooks?.progress?.(m.progress);
        if (m.log) opts.hooks?.log?.(m.log);
      } catch {
        opts.hooks?.log?.(line);
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      lastError = line;
    });
    child.on('close', (code) => {
      opts.signal.removeEventListener('abort', onAbort);
      if (code === 0 && store.has(spec.key)) return resolve({ meta: store.readMeta(spec.key), cached: false });
      if (opts.signal.aborted) return reject(new Interrupted());
      const msg = `stage ${opts.id} (${spec.kind}) failed in child process (exit ${code}): ${lastError.replace(/^btf: /, '')}`;
      reject(code === 2 ? new UserError(msg) : new Error(msg));
    });
  });
}
