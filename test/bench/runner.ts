/**
 * Benchmark: the runner's own overheads (issue 2 targets, measured on this 2-core machine).
 * 1. No-op re-run of a fully cached 200-stage experiment: wall time of `btf run` (process start
 *    included), best of 3. Target < 1 s.
 * 2. Planning a 2,000-stage experiment: wall time of `btf plan` (load, validate, keys). Target < 1 s.
 * 3. Hashing a folder of 10,000 files (16 KiB each): our hashFolder vs `sha256sum` on the same files
 *    (xargs-batched, warm page cache for both). Target: within 1.5x.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BTF, cliEnv } from '../helpers/cli.js';
import { hashFolder } from '../../runner/store/hash.js';

function wall(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BTF, ...args], { env: cliEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`btf ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** n stages: n/2 sources and n/2 combines, each combine reading two earlier stages. */
function experiment(n: number): string {
  const lines = ['stages:'];
  const half = Math.floor(n / 2);
  for (let i = 0; i < half; i++) lines.push(`  s${i}: { kind: t-source, params: { text: t${i}, files: 2, bytes: 64 } }`);
  for (let i = 0; i < n - half; i++) {
    const a = i === 0 ? 's0' : `c${i - 1}`;
    lines.push(`  c${i}: { kind: t-combine, inputs: { a: ${a}, b: s${i % half} } }`);
  }
  return lines.join('\n') + '\n';
}

export async function bench(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const dir = mkdtempSync(join(tmpdir(), 'btf-bench-runner-'));
  const f200 = join(dir, 'e200.yaml');
  writeFileSync(f200, experiment(200));
  const store = join(dir, 'store');
  out['runner: first run of 200 stages (s)'] = +wall(['run', f200, '--store', store, '--jobs', '2']).toFixed(2);
  out['runner: no-op re-run of 200 cached stages, wall (s)'] = +Math.min(...[0, 1, 2].map(() => wall(['run', f200, '--store', store]))).toFixed(3);
  const f2000 = join(dir, 'e2000.yaml');
  writeFileSync(f2000, experiment(2000));
  out['runner: plan of 2,000 stages, wall (s)'] = +Math.min(...[0, 1, 2].map(() => wall(['plan', f2000, '--store', join(dir, 'empty')]))).toFixed(3);
  out['runner: btf --version, wall (s) (node start floor)'] = +Math.min(...[0, 1, 2].map(() => wall(['--version']))).toFixed(3);

  const files = join(dir, 'files');
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(files, String(d)), { recursive: true });
    for (let i = 0; i < 100; i++) writeFileSync(join(files, String(d), `${i}.bin`), randomBytes(16384));
  }
  hashFolder(files); // warm the page cache
  const t0 = process.hrtime.bigint();
  hashFolder(files);
  const ours = Number(process.hrtime.bigint() - t0) / 1e9;
  const coreutils = () => {
    const t = process.hrtime.bigint();
    const r = spawnSync('bash', ['-c', `cd ${files} && find . -type f -print0 | xargs -0 sha256sum > /dev/null`]);
    if (r.status !== 0) throw new Error('sha256sum failed');
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  coreutils();
  const theirs = Math.min(coreutils(), coreutils());
  out['hash: 10,000 x 16 KiB files, hashFolder (s)'] = +ours.toFixed(3);
  out['hash: same files, sha256sum via xargs (s)'] = +theirs.toFixed(3);
  out['hash: ratio ours / sha256sum'] = +(ours / theirs).toFixed(2);
  rmSync(dir, { recursive: true, force: true });
  return out;
}
