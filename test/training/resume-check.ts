/**
 * Shared body of the kill -9 resume tests (one file per backend so each stays short): trains once
 * uninterrupted, once killed with SIGKILL mid-epoch after the first snapshot and then re-run with
 * the same workDir, and compares the final bytes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./fixtures/train-child.js', import.meta.url));
const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `btf-resume-${p}-`));

function runChild(args: string[], killOnHang: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killOnHang && out.includes('HANG')) p.kill('SIGKILL');
    });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', reject);
    p.on('exit', (code, signal) => (code && code !== 0 ? reject(new Error(`child exited ${code}: ${err.slice(-2000)}`)) : resolve({ code, signal, out })));
  });
}

/** Every file of the artifact that must be identical (timing.* is wall-clock and excluded). */
function artifactFiles(dir: string): string[] {
  const out: string[] = [];
  (function walk(rel: string) {
    for (const name of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${name.name}` : name.name;
      if (name.isDirectory()) walk(r);
      else if (!name.name.startsWith('timing.')) out.push(r);
    }
  })('');
  return out.sort();
}

export async function checkResume(backend: 'wasm' | 'cpu', dataDir: string, params: Record<string, unknown>, hangAt: number): Promise<void> {
  const json = JSON.stringify(params);
  const ref = { work: tmp('ref-work'), out: tmp('ref-out') };
  const work = tmp('work');
  // The reference run and the run to be killed are independent: run them side by side.
  const [r0, killed] = await Promise.all([
    runChild([dataDir, ref.work, ref.out, backend, json], false),
    runChild([dataDir, work, tmp('killed-out'), backend, json, '--hang-at', String(hangAt)], true),
  ]);
  assert.match(r0.out, new RegExp(`"tfjs.backend":"${backend}"`), `ran on ${backend}`);
  assert.equal(killed.signal, 'SIGKILL', 'the first run was killed');
  assert.ok(existsSync(join(work, 'snapshots', 'epoch-001', 'position.json')), 'killed after the first snapshot');
  const rows = readFileSync(join(work, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(rows.length, hangAt, 'killed mid-training, with steps past the snapshot logged');

  const out = tmp('resumed-out');
  const resumed = await runChild([dataDir, work, out, backend, json], false);
  assert.match(resumed.out, /resuming from snapshot epoch-001 \(epoch 1, step \d+\)/);
  const summary = (o: string): string => /^SUMMARY (.*)$/m.exec(o)![1]!;
  assert.equal(summary(resumed.out), summary(r0.out), 'same stage summary');
  const files = artifactFiles(ref.out);
  assert.deepEqual(artifactFiles(out), files);
  for (const f of ['encoder/weights.bin', 'decoder/weights.bin', 'optimizer.bin', 'metrics.jsonl', 'snapshots/epoch-001/decoder/weights.bin']) assert.ok(files.includes(f), f);
  for (const f of files) assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(ref.out, f))), `${f} differs after resume`);
}
