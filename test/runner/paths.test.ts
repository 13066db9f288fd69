// Path params: resolved against the experiment file, keyed by content (not path): moving the data
// keeps the key, changing one byte changes it, a missing path is a located error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, renameSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { btf, workspace } from '../helpers/cli.js';

async function makeImages(dir: string, n: number, shade = 0): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 20 * i + shade, g: 100, b: 200 } } }).png().toFile(join(dir, `${i}.png`));
  }
}

const EXP = (path: string) => `stages:
  data: { kind: dataset, params: { source: images, path: ${path}, resolution: 32 } }
`;

function key(file: string, store: string): string {
  const r = btf(['plan', file, '--json', '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { stages: Array<{ key: string }> }).stages[0]!.key;
}

test('a dataset folder is keyed by content: relative to the experiment, stable under moves', async () => {
  const w = workspace(EXP('faces'));
  await makeImages(join(w.dir, 'faces'), 3);
  const k1 = key(w.file, w.store);
  const r = btf(['run', w.file, '--store', w.store]);
  assert.equal(r.code, 0, r.stderr);
  const lock = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  assert.equal(lock.stages.data.params.path, join(w.dir, 'faces'), 'resolved against the experiment file, not the cwd');
  renameSync(join(w.dir, 'faces'), join(w.dir, 'moved'));
  writeFileSync(w.file, EXP('moved'));
  assert.equal(key(w.file, w.store), k1, 'same content, other path: same key');
  assert.match(btf(['run', w.file, '--store', w.store]).stdout, /0 ran, 1 cached/);
  await makeImages(join(w.dir, 'moved'), 3, 1);
  assert.notEqual(key(w.file, w.store), k1, 'changed content: new key');
});

test('a missing data folder is a located error', () => {
  const w = workspace(EXP('nowhere'));
  const r = btf(['plan', w.file, '--store', w.store]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), `${w.file}:2:58: stages.data.params.path: no such file or folder: ${join(w.dir, 'nowhere')}`);
});

test('btf diff compares path params by content: other folders, same images, another param changed', async () => {
  const a = workspace(EXP('faces'));
  const b = workspace(EXP('elsewhere').replace('resolution: 32', 'resolution: 16'));
  await makeImages(join(a.dir, 'faces'), 3);
  await makeImages(join(b.dir, 'elsewhere'), 3);
  assert.equal(btf(['run', a.file, '--store', a.store]).code, 0);
  assert.equal(btf(['run', b.file, '--store', b.store]).code, 0);
  const lock = JSON.parse(readFileSync(join(a.dir, 'exp.lock.json'), 'utf8'));
  assert.match(lock.stages.data.keyParams.path, /^dir:[0-9a-f]{64}$/, 'the lock file records the keyed fingerprint');
  const d = btf(['diff', join(a.dir, 'exp.lock.json'), join(b.dir, 'exp.lock.json')]);
  assert.match(d.stdout, /^data \(dataset\): params differ: resolution +<- first divergence$/m, d.stdout);
});
