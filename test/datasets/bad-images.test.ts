/**
 * The bad-image policy of the images source: every file of a generated corpus ends up written,
 * converted (written, with reasons) or bad (listed with its reason), nothing silently dropped;
 * onBadImage: fail stops with a UserError naming the file and the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStage } from '../../runner/stages/dataset.js';
import { UserError } from '../../runner/errors.js';
import { PackedReader } from '../../runner/datasets/packed.js';
import { inspectImage, ImageProblem } from '../../runner/imaging/decode.js';
import { runStage } from '../helpers/run-stage.js';
import { BAD_CORPUS_EXPECTED, hugeHeaderPng, put, tempDir, writeBadCorpus } from './corpus.js';

const corpus = tempDir('bad-corpus');
const ready = writeBadCorpus(corpus);

test('skip: bad files are listed with reasons, converted files are used and listed, others ignored', async () => {
  await ready;
  const { ref } = await runStage(datasetStage, { source: 'images', path: corpus, resolution: 16, maxPixels: 1_000_000 });
  const report = JSON.parse(readFileSync(join(ref.dir, 'bad.json'), 'utf8'));
  const bad = Object.fromEntries(report.bad.map((b: { name: string; reason: string }) => [b.name, b.reason]));
  assert.deepEqual(bad, BAD_CORPUS_EXPECTED.bad);
  const converted = Object.fromEntries(report.converted.map((c: { name: string; reasons: string[] }) => [c.name, c.reasons]));
  assert.deepEqual(converted, BAD_CORPUS_EXPECTED.converted);
  assert.deepEqual(report.ignored.map((i: { name: string }) => i.name), ['notes.txt']);
  const reader = new PackedReader(ref.dir);
  const expectedNames = [...BAD_CORPUS_EXPECTED.good, ...Object.keys(BAD_CORPUS_EXPECTED.converted)].sort();
  assert.deepEqual(reader.meta.names, expectedNames);
  assert.equal(reader.count, expectedNames.length);
  // Each converted record points at the image it became.
  for (const c of report.converted) assert.equal(reader.meta.names![c.index], c.name);
  // RGBA: the left half is transparent red -> flattened on white; the right half is opaque red.
  const rgba = reader.readRange(reader.meta.names!.indexOf('g-rgba.png'), 1);
  const px = (x: number, y: number): number[] => Array.from(rgba.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3));
  assert.deepEqual(px(1, 8), [255, 255, 255]);
  assert.ok(px(14, 8)[0]! > 180 && px(14, 8)[1]! < 40, `opaque side stays red: ${px(14, 8)}`);
  // Grayscale is replicated: R = G = B everywhere.
  const grey = reader.readRange(reader.meta.names!.indexOf('f-grey.png'), 1);
  for (let i = 0; i < grey.length; i += 3) assert.ok(grey[i] === grey[i + 1] && grey[i] === grey[i + 2]);
  reader.close();
  assert.equal(ref.summary['bad'], 5);
  assert.equal(ref.summary['converted'], 5);
  assert.equal(ref.summary['count'], 7);
});

test('fail: the first bad file in order stops the stage with its path and reason', async () => {
  await ready;
  await assert.rejects(
    runStage(datasetStage, { source: 'images', path: corpus, resolution: 16, maxPixels: 1_000_000, onBadImage: 'fail' }),
    (e: unknown) => e instanceof UserError && e.message.includes('b-truncated.png') && e.message.includes('truncated'),
  );
});

test('fail does not fire on convertible files', async () => {
  await ready;
  const dir = tempDir('convertible');
  for (const f of ['a-good.png', 'd-cmyk.jpg', 'e-16bit.png', 'f-grey.png', 'g-rgba.png']) put(dir, f, readFileSync(join(corpus, f)));
  const { ref } = await runStage(datasetStage, { source: 'images', path: dir, resolution: 16, onBadImage: 'fail' });
  assert.equal(ref.summary['count'], 5);
  assert.equal(ref.summary['converted'], 4);
});

test('the pixel limit is checked from the header, before decoding', async () => {
  const huge = await hugeHeaderPng(100000, 100000);
  await assert.rejects(inspectImage(huge, 50_000_000), (e: unknown) => e instanceof ImageProblem && e.code === 'too-large' && e.detail.includes('100000x100000'));
  // The same header under a larger limit passes inspection (it would then fail to decode as truncated data).
  const h = await inspectImage(huge, 1e11);
  assert.equal(h.width, 100000);
});

test('a folder with no candidate images is a UserError', async () => {
  const dir = tempDir('empty');
  put(dir, 'readme.txt', 'nothing here');
  await assert.rejects(runStage(datasetStage, { source: 'images', path: dir }), (e: unknown) => e instanceof UserError && /no \.png/.test(e.message));
  await assert.rejects(runStage(datasetStage, { source: 'images', path: join(dir, 'missing') }), (e: unknown) => e instanceof UserError && /does not exist/.test(e.message));
});
