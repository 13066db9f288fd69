/**
 * Same input, same mask bytes; a batched graph (with a padded short last batch) agrees with batch 1;
 * the int8 graph (default for ISNet) agrees with float32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskStage } from '../../runner/stages/mask.js';
import { maskIoU } from '../../runner/masking/quality.js';
import { runStage } from '../helpers/run-stage.js';
import { syntheticDataset } from './synthetic.js';

test('two runs give identical masks; batch 2 over 3 images matches batch 1', async () => {
  const ds = syntheticDataset(3, 96, { seed: 11, groundTruth: false });
  const params = { model: { inputSize: 192 }, gridCount: 0 };
  const a = readFileSync(join((await runStage(maskStage, params, { dataset: ds })).ref.dir, 'masks.u8'));
  const b = readFileSync(join((await runStage(maskStage, params, { dataset: ds })).ref.dir, 'masks.u8'));
  assert.ok(a.equals(b), 'same params and input must give the same bytes');
  const c = readFileSync(join((await runStage(maskStage, { ...params, batchSize: 2 }, { dataset: ds })).ref.dir, 'masks.u8'));
  const px = 96 * 96;
  for (let i = 0; i < 3; i++) {
    const iou = maskIoU(c.subarray(i * px, (i + 1) * px), a.subarray(i * px, (i + 1) * px));
    assert.ok(iou > 0.99, `image ${i}: batch-2 vs batch-1 IoU ${iou}`);
  }
  const f = readFileSync(join((await runStage(maskStage, { ...params, model: { inputSize: 192, precision: 'float32' } }, { dataset: ds })).ref.dir, 'masks.u8'));
  for (let i = 0; i < 3; i++) {
    const iou = maskIoU(f.subarray(i * px, (i + 1) * px), a.subarray(i * px, (i + 1) * px));
    assert.ok(iou > 0.97, `image ${i}: int8 vs float32 IoU ${iou}`);
  }
});
