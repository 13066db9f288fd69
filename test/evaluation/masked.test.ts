/**
 * Masked FID: reals composited onto grey with a mask artifact (fid-stats input mask), samples masked
 * in-process by the same ISNet model and composited the same way (fid stage masked.enabled).
 * Asserts that the samples really are masked by that model (the in-process masker reproduces the
 * mask stage's masks on the reals bit for bit), that the pipeline yields finite rows, and that a
 * different mask model is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PackedReader } from '../../runner/datasets/packed.js';
import { UserError } from '../../runner/errors.js';
import { openMasker, samplePrecision } from '../../runner/evaluation/masker.js';
import { greyComposite } from '../../runner/evaluation/reals.js';
import { checkMaskedReals, type RealsSummary } from '../../runner/evaluation/score.js';
import { fidStage } from '../../runner/stages/fid.js';
import { maskStage } from '../../runner/stages/mask.js';
import { trainVaeKind } from '../../runner/stages/train-vae.js';
import { applyDefaults, runStage } from '../helpers/run-stage.js';
import { faces, realStats } from './helpers.js';

const SIZE = 64; // reduced ISNet input: cheap on CPU; the test is about wiring, not mask quality
const data = await faces(12, 8);
// float32: the mask stage's int8 route calibrates on its own input, which samples cannot share.
const mask = (await runStage(maskStage, { model: { inputSize: SIZE, precision: 'float32' }, gridCount: 0, threads: 1 }, { dataset: data })).ref;
const reals = await realStats(data, {}, mask);

test('the in-process masker reproduces the mask stage: same composite as fid-stats uses', async () => {
  const p = applyDefaults(fidStage, { masked: { enabled: true, model: { inputSize: SIZE }, batchSize: 1, threads: 1 } });
  const m = await openMasker(p.masked, 'test');
  try {
    const r = new PackedReader(data.dir), mr = new PackedReader(mask.dir, 'masks.json');
    const px = r.readRange(0, 4), masks = mr.readRange(0, 4);
    r.close(); mr.close();
    assert.deepEqual(await m.composite(px, 4, 32, 128), greyComposite(px, masks, 4, 32, 128));
    assert.equal(m.modelSha256, mask.summary.modelSha256);
    assert.equal(m.precision, 'float32');
  } finally {
    await m.dispose();
  }
  assert.deepEqual((reals.summary.masked as Record<string, unknown>).grey, 128);
});

test('masked FID of a VAE against masked reals; unmasked samples or another model are refused', async () => {
  const vae = (await runStage(trainVaeKind, { epochs: 1, batchSize: 4, model: { channels: 4, maxChannels: 8, latentDim: 8 } }, { data })).ref;
  const FAST = { samples: 8, kid: { subsets: 5, subsetSize: 6 }, gridCount: 4 };
  const masked = { enabled: true, model: { inputSize: SIZE }, threads: 1 };
  const { ref } = await runStage(fidStage, { ...FAST, masked }, { model: vae, reals });
  const rows = JSON.parse(readFileSync(join(ref.dir, 'fid.json'), 'utf8')).rows;
  assert.equal(rows.length, 1);
  assert.ok(Number.isFinite(rows[0].fid) && rows[0].fid > 0);
  await assert.rejects(runStage(fidStage, FAST, { model: vae, reals }), (e: unknown) => e instanceof UserError && /masked\.enabled is false/.test(e.message));
  await assert.rejects(runStage(fidStage, { ...FAST, masked: { ...masked, model: { name: 'isnet-quint8', inputSize: SIZE } } }, { model: vae, reals }),
    (e: unknown) => e instanceof UserError && /same segmentation model/.test(e.message));
  assert.throws(() => samplePrecision('int8', 'stage f: params.masked'), (e: unknown) => e instanceof UserError && /params\.masked\.model\.precision: int8 is calibrated on the masked images/.test(e.message));
  assert.deepEqual(['auto', 'float32', 'as-is'].map((x) => samplePrecision(x, 'w')), ['float32', 'float32', 'as-is']);
  await assert.rejects(runStage(fidStage, { ...FAST, masked: { ...masked, threshold: 0.5 } }, { model: vae, reals }),
    (e: unknown) => e instanceof UserError && /masked with threshold null, params\.masked gives 0\.5/.test(e.message));
  await assert.rejects(runStage(fidStage, { ...FAST, masked: { ...masked, model: { inputSize: 96 } } }, { model: vae, reals }),
    (e: unknown) => e instanceof UserError && /masked with inputSize 64, params\.masked gives 96/.test(e.message));
});

test('reals masked with int8 (or another grey) are refused for float32-masked samples', () => {
  const base = reals.summary as unknown as RealsSummary;
  const m = { modelSha256: String(mask.summary.modelSha256), inputSize: SIZE, precision: 'float32', threshold: null, cleanup: false };
  checkMaskedReals([base], m, 'stage f');
  const int8 = { ...base, masked: { ...base.masked!, precision: 'int8' } };
  assert.throws(() => checkMaskedReals([int8], m, 'stage f'), (e: unknown) => e instanceof UserError && /masked with precision int8, params\.masked gives float32/.test(e.message));
  const grey64 = { ...base, masked: { ...base.masked!, grey: 64 } };
  assert.throws(() => checkMaskedReals([base, grey64], m, 'stage f'), (e: unknown) => e instanceof UserError && /grey 64/.test(e.message));
});
