// Seeds: an experiment replicated over `seeds:`; per-seed stages run as id@seed, seed-free stages
// once, and a `multiple` input gathers every replica (what a comparison across seeds needs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, workspace } from '../helpers/cli.js';

const EXP = `seeds: [1, 2, 3]
stages:
  data: { kind: t-source, params: { text: shared, files: 2 } }
  train: { kind: t-source, params: { text: "run-\${seed}", files: "\${seed}" } }
  eval: { kind: t-gather, inputs: { one: data, runs: train } }
  single: { kind: t-gather, inputs: { one: train } }
`;

test('per-seed stages are replicated, seed-free ones run once, multiple inputs gather replicas', () => {
  const w = workspace(EXP);
  const plan = JSON.parse(btf(['plan', w.file, '--json', '--store', w.store]).stdout) as { stages: Array<{ id: string; params: Record<string, unknown>; inputs: Record<string, unknown> }> };
  assert.deepEqual(plan.stages.map((s) => s.id), ['data', 'train@1', 'train@2', 'train@3', 'eval', 'single@1', 'single@2', 'single@3']);
  const t2 = plan.stages.find((s) => s.id === 'train@2')!;
  assert.equal(t2.params['text'], 'run-2');
  assert.equal(t2.params['files'], 2, 'an exact ${seed} becomes a number, validated as the schema says');
  assert.deepEqual(plan.stages.find((s) => s.id === 'eval')!.inputs, { one: 'data', runs: ['train@1', 'train@2', 'train@3'] });
  assert.deepEqual(plan.stages.find((s) => s.id === 'single@3')!.inputs, { one: 'train@3' });
  const r = btf(['run', w.file, '--store', w.store]);
  assert.equal(r.code, 0, r.stderr);
  const lock = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  assert.equal(lock.stages.eval.inputs.runs.length, 3);
  const counts = JSON.parse(readFileSync(join(w.store, 'a', lock.stages.eval.key, 'data', 'gathered.json'), 'utf8'));
  assert.deepEqual(counts, { one: 1, runs: 3 });
});

test('${seed} without seeds:, and a list fed to a single input, are located errors', () => {
  const a = workspace(`stages:\n  t: { kind: t-source, params: { text: "x-\${seed}" } }\n`);
  const ra = btf(['validate', a.file]);
  assert.equal(ra.code, 2);
  assert.equal(ra.stderr.trim(), `${a.file}:2:40: stages.t.params.text: uses \${seed} but the experiment declares no 'seeds:' list`);
  const b = workspace(`stages:\n  s: { kind: t-source }\n  g: { kind: t-gather, inputs: { one: [s, s] } }\n`);
  const rb = btf(['validate', b.file]);
  assert.equal(rb.code, 2);
  assert.match(rb.stderr.trim(), /:3:39: stages\.g\.inputs\.one: input 'one' of 't-gather' takes one stage, not a list$/);
});
