// Reproducibility commands: verify re-runs into a scratch store and compares with the lock file;
// diff names the first divergence; exec runs a stage from its key alone; the process executor gives
// the same hashes as the in-process one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, workspace } from '../helpers/cli.js';

const EXP = (opts: { textB?: string; nondet?: boolean } = {}) => `stages:
  a: { kind: t-source, params: { text: A, files: 3 } }
  b: { kind: t-source, params: { text: ${opts.textB ?? 'B'}, nondeterministic: ${opts.nondet ?? false} } }
  c: { kind: t-combine, inputs: { a: a, b: b } }
  d: { kind: t-combine, inputs: { a: a } }
`;

test('verify: every stage of a deterministic experiment matches; a nondeterministic one is reported', () => {
  const w = workspace(EXP());
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  const v = btf(['verify', w.file, '--store', w.store]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /4 stages re-run: 4 match, 0 differ/);
  const only = btf(['verify', w.file, '--store', w.store, '--stage', 't-combine']);
  assert.match(only.stdout, /2 stages re-run: 2 match/);

  const n = workspace(EXP({ nondet: true }));
  assert.equal(btf(['run', n.file, '--store', n.store]).code, 0);
  const bad = btf(['verify', n.file, '--store', n.store, '--stage', 't-source']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^b \(t-source\): MISMATCH lock [0-9a-f]{12} re-run [0-9a-f]{12}/m);
  assert.match(bad.stdout, /^a \(t-source\): match/m);
});

test('diff: identical runs, a param change, and same key with a different output', () => {
  const x = workspace(EXP());
  const y = workspace(EXP());
  assert.equal(btf(['run', x.file, '--store', x.store]).code, 0);
  assert.equal(btf(['run', y.file, '--store', y.store]).code, 0);
  const lx = join(x.dir, 'exp.lock.json');
  const ly = join(y.dir, 'exp.lock.json');
  const same = btf(['diff', lx, ly]);
  assert.equal(same.code, 0);
  assert.match(same.stdout, /identical: 4 stages/);

  writeFileSync(y.file, EXP({ textB: 'other' }));
  assert.equal(btf(['run', y.file, '--store', y.store]).code, 0);
  const d = btf(['diff', lx, ly]);
  assert.equal(d.code, 1);
  assert.match(d.stdout, /^b \(t-source\): params differ: text   <- first divergence$/m);
  assert.match(d.stdout, /^c \(t-combine\): inputs differ \(upstream changed\)$/m);
  assert.doesNotMatch(d.stdout, /^d /m);

  const n1 = workspace(EXP({ nondet: true }));
  const n2 = workspace(EXP({ nondet: true }));
  assert.equal(btf(['run', n1.file, '--store', n1.store]).code, 0);
  assert.equal(btf(['run', n2.file, '--store', n2.store]).code, 0);
  const nd = btf(['diff', join(n1.dir, 'exp.lock.json'), join(n2.dir, 'exp.lock.json')]);
  assert.match(nd.stdout, /^b \(t-source\): same key, different output: the stage is not reproducible here/m);
});

test('exec runs a stage from its key alone; the process executor matches the inline one', () => {
  const w = workspace(EXP());
  const plan = JSON.parse(btf(['plan', w.file, '--json', '--store', w.store]).stdout) as { stages: Array<{ id: string; key: string | null }> };
  const keyA = plan.stages.find((s) => s.id === 'a')!.key!;
  // plan does not write specs; a run in process mode does, and exec needs only the key.
  const p = btf(['run', w.file, '--store', w.store, '--executor', 'process']);
  assert.equal(p.code, 0, p.stderr);
  const inline = workspace(EXP());
  assert.equal(btf(['run', inline.file, '--store', inline.store]).code, 0);
  const a = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(inline.dir, 'exp.lock.json'), 'utf8'));
  assert.deepEqual(a.stages, b.stages);
  const e = btf(['exec', keyA, '--store', w.store]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, new RegExp(`cached ${keyA}`));
  const forced = btf(['exec', keyA, '--store', w.store, '--force']);
  assert.match(forced.stdout, new RegExp(`committed ${keyA} -> ${a.stages.a.outputHash}`));
  assert.equal(btf(['exec', 'f'.repeat(64), '--store', w.store]).code, 2);
});
