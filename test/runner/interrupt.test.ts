// Ctrl-C stops a run cleanly: exit 130, nothing partial committed, locks released, re-run completes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { btf, btfAsync, workspace } from '../helpers/cli.js';

test('SIGINT mid-stage: exit 130, no partial artifact, no lock left, re-run finishes', async () => {
  const w = workspace(`stages:
  fast: { kind: t-source, params: { text: F, files: 1 } }
  slow: { kind: t-source, params: { text: S, files: 200, delayMs: 20 } }
  after: { kind: t-combine, inputs: { a: slow, b: fast } }
`);
  const run = btfAsync(['run', w.file, '--store', w.store]);
  // Wait until the slow stage is running (its tmp folder exists), then interrupt.
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    if (existsSync(join(w.store, 'tmp')) && readdirSync(join(w.store, 'tmp')).length) break;
  }
  await new Promise((r) => setTimeout(r, 300));
  run.child.kill('SIGINT');
  const res = await run.done;
  assert.equal(res.code, 130, res.stderr);
  assert.match(res.stderr, /interrupted/);
  assert.doesNotMatch(res.stderr, /^\s+at /m);
  assert.deepEqual(readdirSync(join(w.store, 'tmp')), [], 'private folders removed');
  assert.deepEqual(readdirSync(join(w.store, 'locks')).filter((f) => f.endsWith('.lock')), [], 'locks released');
  const arts = readdirSync(join(w.store, 'a'));
  assert.equal(arts.length, 1, 'only the finished stage was committed');
  const again = btf(['run', w.file, '--store', w.store]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /2 ran, 1 cached/);
});
