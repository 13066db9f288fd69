// Crash safety: kill -9 at random moments inside stages, then check that the store holds no partial
// artifact, that `btf run` completes, and that every output hash equals an uninterrupted run's.
// Also: two concurrent runs of one experiment on one store compute each key once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, btfAsync, workspace } from '../helpers/cli.js';
import { Store } from '../../runner/store/store.js';

const EXP = `stages:
  a: { kind: t-source, params: { text: A, files: 25, bytes: 4096, delayMs: 8 } }
  b: { kind: t-source, params: { text: B, files: 25, bytes: 1000, delayMs: 8 } }
  c: { kind: t-combine, inputs: { a: a, b: b }, params: { delayMs: 40 } }
  d: { kind: t-source, params: { text: D, files: 12, delayMs: 10 } }
  e: { kind: t-combine, inputs: { a: c, b: d } }
`;

function hashes(lockFile: string): Record<string, string> {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { stages: Record<string, { outputHash: string }> };
  return Object.fromEntries(Object.entries(lock.stages).map(([id, s]) => [id, s.outputHash]));
}

/** No partial artifacts: every folder under a/ is a complete, undamaged, committed artifact. */
function assertStoreConsistent(root: string): number {
  const store = new Store(root);
  const dir = join(root, 'a');
  if (!existsSync(dir)) return 0;
  const entries = readdirSync(dir);
  for (const e of entries) {
    assert.match(e, /^[0-9a-f]{64}$/, `only committed artifacts in a/ (found ${e})`);
    assert.ok(store.has(e), `artifact ${e} has its manifest`);
    assert.deepEqual(store.damagedFiles(e, true), [], `artifact ${e} is intact`);
  }
  return entries.length;
}

let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

test('20 kill -9 trials at random moments leave a consistent store and converge to the same hashes', async () => {
  const ref = workspace(EXP);
  const r0 = btf(['run', ref.file, '--store', ref.store]);
  assert.equal(r0.code, 0, r0.stderr);
  const want = hashes(join(ref.dir, 'exp.lock.json'));
  const w = workspace(EXP); // one store across all trials: damage would accumulate
  let killedInside = 0;
  for (let trial = 0; trial < 20; trial++) {
    if (trial % 4 === 0) {
      // Start over now and then so kills also land in the early stages.
      btf(['gc', '--store', w.store]);
      writeFileSync(join(w.dir, 'exp.lock.json'), '{"btfLock":1,"experiment":"x","environment":{},"order":[],"stages":{}}');
      btf(['gc', '--store', w.store]);
    }
    const run = btfAsync(['run', w.file, '--store', w.store]);
    const delay = 150 + Math.floor(rand() * 700);
    await new Promise((r) => setTimeout(r, delay));
    const killed = run.child.kill('SIGKILL');
    const res = await run.done;
    if (killed && res.code === 137) killedInside++;
    const n = assertStoreConsistent(w.store);
    assert.ok(n <= 5);
    const again = btf(['run', w.file, '--store', w.store]);
    assert.equal(again.code, 0, `trial ${trial}: ${again.stderr}`);
    assert.deepEqual(hashes(join(w.dir, 'exp.lock.json')), want, `trial ${trial} (killed after ${delay} ms)`);
    assert.equal(assertStoreConsistent(w.store), 5);
    assert.deepEqual(readdirSync(join(w.store, 'tmp')), [], 'leftovers of the killed run were swept');
  }
  assert.ok(killedInside >= 10, `most kills landed while the run was still going (${killedInside}/20)`);
});

test('two concurrent runs of one experiment on one store compute each stage once', async () => {
  const w = workspace(EXP);
  const log = join(w.dir, 'runs.log');
  const env = { BTF_TEST_RUNLOG: log };
  const [r1, r2] = await Promise.all([btfAsync(['run', w.file, '--store', w.store], { env }).done, btfAsync(['run', w.file, '--store', w.store], { env }).done]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(r2.code, 0, r2.stderr);
  const ids = readFileSync(log, 'utf8').trim().split('\n').filter((l) => l.split(' ')[2] === 'start').map((l) => l.split(' ')[0]).sort();
  assert.deepEqual(ids, ['a', 'b', 'c', 'd', 'e']);
  assert.equal(assertStoreConsistent(w.store), 5);
  assert.deepEqual(readdirSync(join(w.store, 'locks')).filter((f) => f.endsWith('.lock')), [], 'all locks released');
});
