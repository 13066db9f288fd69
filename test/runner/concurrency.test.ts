// Scheduling: independent stages overlap up to --jobs; accelerator stages never overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, workspace } from '../helpers/cli.js';

function windows(log: string): Record<string, [number, number]> {
  const w: Record<string, [number, number]> = {};
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    const [id, , what, t] = line.split(' ');
    w[id!] ??= [0, 0];
    w[id!]![what === 'start' ? 0 : 1] = Number(t);
  }
  return w;
}

const overlap = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

test('independent stages run concurrently with --jobs 2, one at a time with --jobs 1', () => {
  const yaml = `stages:
  x: { kind: t-source, params: { text: X, files: 10, delayMs: 40 } }
  y: { kind: t-source, params: { text: Y, files: 10, delayMs: 40 } }
`;
  const two = workspace(yaml);
  assert.equal(btf(['run', two.file, '--store', two.store, '--jobs', '2'], { env: { BTF_TEST_RUNLOG: join(two.dir, 'log') } }).code, 0);
  const w2 = windows(join(two.dir, 'log'));
  assert.ok(overlap(w2['x']!, w2['y']!), JSON.stringify(w2));
  const one = workspace(yaml);
  assert.equal(btf(['run', one.file, '--store', one.store, '--jobs', '1'], { env: { BTF_TEST_RUNLOG: join(one.dir, 'log') } }).code, 0);
  const w1 = windows(join(one.dir, 'log'));
  assert.ok(!overlap(w1['x']!, w1['y']!), JSON.stringify(w1));
});

test('with a native (GPU) backend, stages that need the accelerator run one at a time even with free jobs', () => {
  const w = workspace(`stages:
  g1: { kind: t-source, params: { text: G1, files: 8, delayMs: 40, accelerator: true } }
  g2: { kind: t-source, params: { text: G2, files: 8, delayMs: 40, accelerator: true } }
  cpu: { kind: t-source, params: { text: C, files: 8, delayMs: 40 } }
`);
  const r = btf(['run', w.file, '--store', w.store, '--jobs', '3', '--backend', 'tensorflow'], { env: { BTF_TEST_RUNLOG: join(w.dir, 'log') } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /compute: native TensorFlow backend: heavy stages take turns/);
  const win = windows(join(w.dir, 'log'));
  assert.ok(!overlap(win['g1']!, win['g2']!), JSON.stringify(win));
  assert.ok(overlap(win['cpu']!, win['g1']!) || overlap(win['cpu']!, win['g2']!), 'a CPU stage runs beside an accelerator stage');
});

test('on a CPU backend, heavy stages run side by side in child processes (one per core)', () => {
  const w = workspace(`stages:
  g1: { kind: t-source, params: { text: G1, files: 8, delayMs: 60, accelerator: true } }
  g2: { kind: t-source, params: { text: G2, files: 8, delayMs: 60, accelerator: true } }
`);
  const r = btf(['run', w.file, '--store', w.store, '--jobs', '2', '--backend', 'wasm'], { env: { BTF_TEST_RUNLOG: join(w.dir, 'log') } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /compute: CPU backend \(wasm, single-threaded\): heavy stages run side by side in child processes/);
  const lines = readFileSync(join(w.dir, 'log'), 'utf8').trim().split('\n');
  const pids = new Set(lines.map((l) => l.split(' ')[1]));
  assert.equal(pids.size, 2, 'each heavy stage ran in its own process');
  const win = windows(join(w.dir, 'log'));
  assert.ok(overlap(win['g1']!, win['g2']!), JSON.stringify(win));
});
