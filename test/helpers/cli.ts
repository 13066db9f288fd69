/** Runs the real `btf` command in a child process (with the test stage plugin) for CLI-level tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BTF = join(REPO, 'bin', 'btf.js');
export const PLUGIN = join(REPO, 'dist', 'test', 'stages', 'test-stages.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, BTF_PLUGINS: PLUGIN, CI: '1', BTF_STORE: '', ...extra };
}

export function btf(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BTF, ...args], { cwd: opts.cwd ?? REPO, env: cliEnv(opts.env), encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function btfAsync(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BTF, ...args], { cwd: opts.cwd ?? REPO, env: cliEnv(opts.env) });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((res) => child.on('close', (code, sig) => res({ code: code ?? (sig === 'SIGKILL' ? 137 : -1), stdout, stderr })));
  return { child, done };
}

/** A fresh folder with an experiment file (and room for its lock file and a store). */
export function workspace(yaml: string, name = 'exp.yaml'): { dir: string; file: string; store: string } {
  const dir = mkdtempSync(join(tmpdir(), 'btf-test-'));
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return { dir, file, store: join(dir, 'store') };
}
