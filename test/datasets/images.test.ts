/**
 * The images source end to end: outputs agree with each other (PackedReader batches equal the PNG
 * decodes, in order), limit and subset pick deterministic images and replace bad files, the sample
 * grid exists, and repeated runs are byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStage } from '../../runner/stages/dataset.js';
import { PackedReader } from '../../runner/datasets/packed.js';
import { walkOrder } from '../../runner/datasets/images.js';
import { fingerprintSource } from '../../runner/datasets/files.js';
import { decodeRaw } from '../../runner/imaging/png.js';
import { runStage } from '../helpers/run-stage.js';
import { png, put, tempDir } from './corpus.js';

const dir = tempDir('images');
const ready = (async () => {
  for (let i = 0; i < 10; i++) put(dir, `${String.fromCharCode(97 + i)}.png`, await png(30 + i, 34, i));
  put(dir, 'c2-broken.png', (await png(30, 30, 99)).subarray(0, 100));
})();

test('PackedReader batches equal the PNG decodes, in dataset order', async () => {
  await ready;
  const { ref } = await runStage(datasetStage, { source: 'images', path: dir, resolution: 16 }, {}, { workers: 2 });
  const reader = new PackedReader(ref.dir);
  assert.equal(reader.count, 10);
  assert.deepEqual(reader.meta.names, ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png', 'g.png', 'h.png', 'i.png', 'j.png']);
  for (let start = 0; start < 10; start += 3) {
    const n = Math.min(3, 10 - start);
    const batch = reader.readRange(start, n);
    for (let k = 0; k < n; k++) {
      const img = await decodeRaw(join(ref.dir, `png/${String(start + k).padStart(6, '0')}.png`));
      assert.equal(img.channels, 3);
      assert.deepEqual(batch.subarray(k * 768, (k + 1) * 768), img.data, `image ${start + k}`);
    }
  }
  const shuffled = reader.readIndices([7, 2]);
  assert.deepEqual(shuffled.subarray(0, 768), reader.readRange(7, 1));
  reader.close();
  assert.ok(existsSync(join(ref.dir, 'sample-grid.png')));
  assert.equal(ref.summary['bad'], 1);
});

test('limit stops after that many good images; a bad file is replaced by the next', async () => {
  await ready;
  const { ref } = await runStage(datasetStage, { source: 'images', path: dir, resolution: 16, limit: 4 });
  const meta = JSON.parse(readFileSync(join(ref.dir, 'dataset.json'), 'utf8'));
  assert.deepEqual(meta.names, ['a.png', 'b.png', 'c.png', 'd.png']);
  // c2-broken.png sorts between c.png and d.png: examined, listed as bad, not counted.
  const bad = JSON.parse(readFileSync(join(ref.dir, 'bad.json'), 'utf8'));
  assert.deepEqual(bad.bad.map((b: { name: string }) => b.name), ['c2-broken.png']);
  assert.equal(ref.summary['examined'], 5);
});

test('subset is a seeded draw: same seed same images, other seed other images, prefix-stable', async () => {
  await ready;
  const run = async (count: number, seed: number): Promise<string[]> => {
    const { ref } = await runStage(datasetStage, { source: 'images', path: dir, resolution: 8, subset: { count, seed } });
    return JSON.parse(readFileSync(join(ref.dir, 'dataset.json'), 'utf8')).names;
  };
  const a = await run(5, 1);
  assert.equal(a.length, 5);
  assert.deepEqual(await run(5, 1), a);
  assert.notDeepEqual(await run(5, 2), a);
  assert.deepEqual((await run(3, 1)), a.slice(0, 3));
  assert.ok(!a.includes('c2-broken.png'));
  // The order is a permutation of all files, independent of how many are wanted.
  assert.deepEqual([...walkOrder(11, { seed: 1 })].sort((x, y) => x - y), Array.from({ length: 11 }, (_, i) => i));
});

test('two runs produce byte-identical packed data and PNGs', async () => {
  await ready;
  const r1 = await runStage(datasetStage, { source: 'images', path: dir, resolution: 12 });
  const r2 = await runStage(datasetStage, { source: 'images', path: dir, resolution: 12 }, {}, { workers: 4 });
  assert.equal(r1.ref.hash, r2.ref.hash);
  assert.deepEqual(readFileSync(join(r1.ref.dir, 'images.u8')), readFileSync(join(r2.ref.dir, 'images.u8')));
});

test('an aborted signal stops the images source with Interrupted', async () => {
  await ready;
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runStage(datasetStage, { source: 'images', path: dir, resolution: 8 }, {}, { signal: ac.signal }), { name: 'Interrupted' });
});

test('fingerprintSource follows content, not location; zip and folder each stable', async () => {
  await ready;
  const copy = tempDir('images-copy');
  for (const f of readdirSync(dir)) put(copy, f, readFileSync(join(dir, f)));
  const a = await fingerprintSource(dir);
  assert.equal(await fingerprintSource(copy), a, 'same files elsewhere: same fingerprint');
  put(copy, 'a.png', await png(30, 34, 42));
  assert.notEqual(await fingerprintSource(copy), a, 'edited file: new fingerprint');
  put(copy, 'notes.txt', 'not an image');
  const b = await fingerprintSource(copy);
  put(copy, 'notes.txt', 'still not an image');
  assert.equal(await fingerprintSource(copy), b, 'non-candidate files do not count');
});
