// Cache behaviour: a re-run does only what changed; names and paths never enter keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { btf, workspace } from '../helpers/cli.js';

const EXP = (saltC: string, textB = 'world') => `# yaml-language-server: $schema=../schemas/experiment.schema.json
stages:
  a: { kind: t-source, params: { text: hello, files: 3 } }
  b: { kind: t-source, params: { text: ${textB}, files: 2 } }
  c: { kind: t-combine, inputs: { a: a, b: b }, params: { salt: ${saltC} } }
  d: { kind: t-combine, inputs: { a: c } }
  e: { kind: t-combine, inputs: { a: a } }
`;

interface PlanJson {
  stages: Array<{ id: string; reason: string; key: string | null; detail: string }>;
}

function plan(file: string, store: string): Record<string, string> {
  const r = btf(['plan', file, '--json', '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries((JSON.parse(r.stdout) as PlanJson).stages.map((s) => [s.id, s.reason]));
}

function ranStages(stdout: string): string[] {
  // Non-TTY listr lines: "✔ id (kind) 0.0s <hash>" for stages that ran, "... cached <hash>" otherwise.
  return [...stdout.matchAll(/^✔ (\S+) \(\S+\) \d+\.\ds /gm)].map((m) => m[1]!).sort();
}

test('first run runs everything, second run nothing, with reasons in the plan', () => {
  const w = workspace(EXP('s'));
  assert.deepEqual(plan(w.file, w.store), { a: 'new', b: 'new', c: 'new', d: 'new', e: 'new' });
  const r1 = btf(['run', w.file, '--store', w.store]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(ranStages(r1.stdout), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(plan(w.file, w.store), { a: 'cached', b: 'cached', c: 'cached', d: 'cached', e: 'cached' });
  const r2 = btf(['run', w.file, '--store', w.store]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(ranStages(r2.stdout), []);
  assert.match(r2.stdout, /0 ran, 5 cached/);
});

test('changing one param re-runs only that stage and its descendants', () => {
  const w = workspace(EXP('s'));
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  const lock1 = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  writeFileSync(w.file, EXP('changed'));
  const p = plan(w.file, w.store);
  assert.deepEqual(p, { a: 'cached', b: 'cached', c: 'params changed', d: 'upstream changed', e: 'cached' });
  const r = btf(['run', w.file, '--store', w.store]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(ranStages(r.stdout), ['c', 'd']);
  const lock2 = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  for (const id of ['a', 'b', 'e']) assert.equal(lock2.stages[id].outputHash, lock1.stages[id].outputHash);
  for (const id of ['c', 'd']) assert.notEqual(lock2.stages[id].key, lock1.stages[id].key);
  // Changing it back is a pure cache hit: the old artifacts are still in the store.
  writeFileSync(w.file, EXP('s'));
  const back = btf(['run', w.file, '--store', w.store]);
  assert.deepEqual(ranStages(back.stdout), []);
});

test('renaming the experiment (and moving it) re-runs nothing', () => {
  const w = workspace(EXP('s'));
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  const renamed = join(w.dir, 'renamed-experiment.yaml');
  renameSync(w.file, renamed);
  const r = btf(['run', renamed, '--store', w.store]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(ranStages(r.stdout), []);
  const a = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(w.dir, 'renamed-experiment.lock.json'), 'utf8'));
  assert.deepEqual(b.stages, a.stages);
});

test('a stage id rename keeps keys: ids are not part of keys', () => {
  const w = workspace(EXP('s'));
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  writeFileSync(w.file, EXP('s').replace(/\bb:/, 'bee:').replace('b: b', 'b: bee'));
  const r = btf(['run', w.file, '--store', w.store]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(ranStages(r.stdout), []);
});

test('an upstream re-run with identical output keeps downstream cached; --force-stage re-runs one stage', () => {
  const w = workspace(EXP('s'));
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  const r = btf(['run', w.file, '--store', w.store, '--force-stage', 'a']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(ranStages(r.stdout), ['a']);
  assert.match(r.stdout, /✔ c \(t-combine\) cached/);
});

test('a failing stage commits nothing, stops its descendants and exits non-zero with one line', () => {
  const w = workspace(`stages:
  a: { kind: t-source, params: { files: 4, fail: true } }
  b: { kind: t-combine, inputs: { a: a } }
`);
  const r = btf(['run', w.file, '--store', w.store]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), 't-source: asked to fail at file 2');
  assert.match(r.stdout, /b skipped: an upstream stage failed/);
  const f = btf(['fsck', '--store', w.store]);
  assert.match(f.stdout, /checked 0 artifacts/);
});
