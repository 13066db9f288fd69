/**
 * The zip reader and zip input: stored and deflate entries, ZIP64 records, folders and non-images
 * inside the archive, a corrupted entry (CRC), and byte-identical results to the same files in a folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipReader, ZipEntryError } from '../../runner/datasets/zip.js';
import { datasetStage } from '../../runner/stages/dataset.js';
import { UserError } from '../../runner/errors.js';
import { runStage } from '../helpers/run-stage.js';
import { png, put, tempDir } from './corpus.js';
import { writeZip } from './zip-writer.js';

test('reads stored and deflate entries, with and without ZIP64 records', async () => {
  const dir = tempDir('zipr');
  const a = Buffer.from('hello '.repeat(200));
  const b = Buffer.from([0, 1, 2, 3, 255]);
  for (const zip64 of [false, true]) {
    const path = join(dir, `t${zip64 ? 64 : 32}.zip`);
    writeZip(path, [{ name: 'dir/a.txt', data: a, method: 8 }, { name: 'b.bin', data: b, method: 0 }, { name: 'bad.bin', data: a, badCrc: true }], { zip64 });
    const z = new ZipReader(path);
    assert.deepEqual(z.entries.map((e) => [e.name, e.size, e.method]), [['dir/a.txt', a.length, 8], ['b.bin', 5, 0], ['bad.bin', a.length, 8]]);
    assert.deepEqual(await z.readEntry(z.entries[0]!), a);
    assert.deepEqual(await z.readEntry(z.entries[1]!), b);
    await assert.rejects(z.readEntry(z.entries[2]!), (e: unknown) => e instanceof ZipEntryError && e.code === 'zip-corrupt');
    z.close();
  }
});

test('a file that is not a zip is a UserError', () => {
  const dir = tempDir('zipbad');
  put(dir, 'x.zip', 'definitely not a zip archive');
  assert.throws(() => new ZipReader(join(dir, 'x.zip')), UserError);
});

test('zip input gives the same dataset bytes as the same files in a folder', async () => {
  const dir = tempDir('zipin');
  const files: { name: string; data: Buffer }[] = [];
  for (let i = 0; i < 6; i++) files.push({ name: `faces/${i % 2 ? 'odd' : 'even'}/${i}.png`, data: await png(40 + i * 3, 36, i) });
  for (const f of files) put(join(dir, 'folder'), f.name, f.data);
  writeZip(join(dir, 'faces.zip'), [
    ...files.map((f, i) => ({ ...f, method: (i % 2 ? 0 : 8) as 0 | 8 })),
    { name: 'faces/README.txt', data: Buffer.from('ignored') },
    { name: 'faces/broken.png', data: files[0]!.data, badCrc: true },
  ]);
  const fromFolder = await runStage(datasetStage, { source: 'images', path: join(dir, 'folder'), resolution: 24 });
  const fromZip = await runStage(datasetStage, { source: 'images', path: join(dir, 'faces.zip'), resolution: 24 });
  assert.equal(fromZip.ref.summary['count'], 6);
  assert.equal(fromZip.ref.summary['sourceKind'], 'zip');
  assert.deepEqual(readFileSync(join(fromZip.ref.dir, 'images.u8')), readFileSync(join(fromFolder.ref.dir, 'images.u8')));
  const meta = JSON.parse(readFileSync(join(fromZip.ref.dir, 'dataset.json'), 'utf8'));
  assert.deepEqual(meta.names, files.map((f) => f.name).sort());
  const bad = JSON.parse(readFileSync(join(fromZip.ref.dir, 'bad.json'), 'utf8'));
  assert.deepEqual(bad.bad.map((b: { name: string; reason: string }) => [b.name, b.reason]), [['faces/broken.png', 'zip-corrupt']]);
  assert.deepEqual(bad.ignored.map((b: { name: string }) => b.name), ['faces/README.txt']);
});
