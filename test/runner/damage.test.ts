// A damaged artifact (one byte flipped) is found by `btf fsck` and refused on read; --repair removes
// it and the next run recomputes the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, openSync, writeSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, workspace } from '../helpers/cli.js';

const EXP = (salt: string) => `stages:
  a: { kind: t-source, params: { text: A, files: 3, bytes: 64 } }
  c: { kind: t-combine, inputs: { a: a }, params: { salt: ${salt} } }
`;

function flipByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0x01;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
}

test('one flipped byte is reported by fsck, refused on read, repaired by fsck --repair', () => {
  const w = workspace(EXP('one'));
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  const lock = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  const keyA = lock.stages.a.key as string;
  assert.equal(btf(['fsck', '--store', w.store]).code, 0);

  flipByte(join(w.store, 'a', keyA, 'data', 'f', '00001.bin'), 10);
  const f = btf(['fsck', '--store', w.store]);
  assert.equal(f.code, 1);
  assert.match(f.stdout, new RegExp(`damaged ${keyA.slice(0, 12)} \\(t-source, produced by a\\): f/00001.bin \\(content changed\\)`));
  assert.match(f.stdout, /checked 2 artifacts .*: 1 damaged/);

  // A stage that must read the damaged artifact fails with one clear line, exit 2.
  writeFileSync(w.file, EXP('two'));
  const r = btf(['run', w.file, '--store', w.store]);
  assert.equal(r.code, 2);
  assert.match(r.stderr.trim(), new RegExp(`^store .*: artifact ${keyA.slice(0, 12)} \\(t-source\\) is damaged: f/00001.bin \\(content changed\\); run 'btf fsck --repair' and re-run$`));

  const rep = btf(['fsck', '--repair', '--store', w.store]);
  assert.equal(rep.code, 0, rep.stdout);
  assert.match(rep.stdout, /removed/);
  const again = btf(['run', w.file, '--store', w.store]);
  assert.equal(again.code, 0, again.stderr);
  const lock2 = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  assert.equal(lock2.stages.a.outputHash, lock.stages.a.outputHash, 'recomputed bytes are identical');
  assert.equal(btf(['fsck', '--store', w.store]).code, 0);
});

test('gc removes what no lock file references and keeps the rest (dry run first)', () => {
  const w = workspace(EXP('one'));
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  writeFileSync(w.file, EXP('two'));
  assert.equal(btf(['run', w.file, '--store', w.store]).code, 0);
  // The lock now names a and c('two'); c('one') is garbage.
  const dry = btf(['gc', '--dry-run', '--store', w.store]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would remove 1 artifacts, 1 objects/);
  assert.match(btf(['fsck', '--store', w.store]).stdout, /checked 3 artifacts/);
  const gc = btf(['gc', '--store', w.store]);
  assert.match(gc.stdout, /removed 1 artifacts, 1 objects/);
  assert.match(btf(['fsck', '--store', w.store]).stdout, /checked 2 artifacts .*: 0 damaged/);
  const r = btf(['run', w.file, '--store', w.store]);
  assert.match(r.stdout, /0 ran, 2 cached/);
});
