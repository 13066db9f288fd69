/**
 * The fid stage on a tiny VAE trained in the test (train-vae, 2 epochs, 32 px): one row per
 * snapshot with finite FID/KID, files, deterministic rows; the adjusted FID from two real weigh
 * artifacts (raw and grey composite); extractor, level and input mismatches as UserErrors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../runner/errors.js';
import { compositeStage } from '../../runner/stages/composite.js';
import { fidStage } from '../../runner/stages/fid.js';
import { trainVaeKind } from '../../runner/stages/train-vae.js';
import { weighStage } from '../../runner/stages/weigh.js';
import { runStage } from '../helpers/run-stage.js';
import { faces, realStats } from './helpers.js';

const data = await faces(32, 4);
const vae = (await runStage(trainVaeKind, { epochs: 2, batchSize: 8, snapshotEvery: 1, model: { channels: 4, maxChannels: 8, latentDim: 8 } }, { data })).ref;
const reals = await realStats(data);
const FAST = { samples: 16, kid: { subsets: 20, subsetSize: 12 }, gridCount: 8 };

test('one row per snapshot with FID, KID and the files', async () => {
  const before = tf.memory().numTensors;
  const { ref, logs } = await runStage(fidStage, FAST, { model: vae, reals });
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind (decoders, extractor)');
  const out = JSON.parse(readFileSync(join(ref.dir, 'fid.json'), 'utf8'));
  assert.deepEqual(out.rows.map((r: { snapshot: string }) => r.snapshot), ['epoch-001', 'epoch-002']);
  for (const r of out.rows) {
    assert.ok(Number.isFinite(r.fid) && r.fid > 0, `fid ${r.fid}`);
    assert.ok(Number.isFinite(r.kid) && Number.isFinite(r.kidStd));
    // Diversity: the reals' own spread, the samples', and their ratio (runner/metrics/diversity.ts).
    assert.ok(r.realDiversity > 0 && r.diversity > 0, `diversity ${r.diversity} / ${r.realDiversity}`);
    assert.ok(Math.abs(r.diversityRatio - r.diversity / r.realDiversity) < 1e-12);
    assert.deepEqual([r.level, r.alpha, r.n, r.nReals, r.comparable], [32, 1, 16, 32, false]);
    assert.equal(r.adjustedFid, undefined);
  }
  const csv = readFileSync(join(ref.dir, 'fid.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'snapshot,epoch,step,level,alpha,fid,kid,kidStd,diversity,realDiversity,diversityRatio,n,nReals,comparable');
  assert.equal(csv.length, 3);
  assert.ok(existsSync(join(ref.dir, 'fid.svg')) && existsSync(join(ref.dir, 'samples.png')));
  assert.equal(ref.summary.fid, out.rows[1].fid);
  assert.ok(logs.some((l) => /img\/s/.test(l)));
  // Same params -> same bytes (seeded latents, deterministic extractor and float64 maths).
  const again = await runStage(fidStage, { ...FAST, points: 'final' }, { model: vae, reals });
  assert.equal(again.ref.summary.fid, out.rows[1].fid);
});

test('adjusted FID = FID * (1 - d) with d measured by two weigh artifacts', async () => {
  const grey = (await runStage(compositeStage, { mode: 'grey', strip: 0 }, { images: data })).ref;
  const rawW = (await runStage(weighStage, {}, { images: data })).ref;
  const greyW = (await runStage(weighStage, {}, { images: grey })).ref;
  const rawB = rawW.summary.meanBytes as number, greyB = greyW.summary.meanBytes as number;
  assert.ok(greyB < rawB, `grey ${greyB} B should weigh less than raw ${rawB} B`);
  const { ref } = await runStage(fidStage, { ...FAST, points: 'final' }, { model: vae, reals, rawWeight: rawW, greyWeight: greyW });
  const file = JSON.parse(readFileSync(join(ref.dir, 'fid.json'), 'utf8'));
  const row = file.rows[0];
  assert.equal(file.weightDrop, ref.summary.weightDrop);
  assert.deepEqual(file.weighed, { rawMeanBytes: rawB, greyMeanBytes: greyB });
  const d = 1 - greyB / rawB;
  assert.ok(Math.abs(row.adjustedFid - row.fid * (1 - d)) <= 1e-12 * row.fid);
  assert.ok(Math.abs((ref.summary.weightDrop as number) - d) < 1e-15);
  assert.match(readFileSync(join(ref.dir, 'fid.csv'), 'utf8').split('\n')[0]!, /,fid,adjustedFid,/);
  await assert.rejects(runStage(fidStage, FAST, { model: vae, reals, rawWeight: rawW }), (e: unknown) => e instanceof UserError && /greyWeight/.test(e.message));
});

test('extractor or level mismatches between model, params and reals are UserErrors', async () => {
  const reals107 = await realStats(data, { inputSize: 107, maxImages: 8 });
  const reals16 = await realStats(data, { level: 16, maxImages: 8 });
  const isUser = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);
  await assert.rejects(runStage(fidStage, { ...FAST, inputSize: 107 }, { model: vae, reals }), isUser(/params\.inputSize is 107 but inputs\.reals was computed at 75 px/));
  await assert.rejects(runStage(fidStage, { ...FAST, features: 'inception' }, { model: vae, reals }), isUser(/params\.features is inception/));
  await assert.rejects(runStage(fidStage, FAST, { model: vae, reals: [reals, reals107] }), isUser(/inputSize 75 vs 107/));
  await assert.rejects(runStage(fidStage, FAST, { model: vae, reals: [reals, reals] }), isUser(/inputs\.reals\[0\] and inputs\.reals\[1\] are both at level 32 alpha 1/));
  await assert.rejects(runStage(fidStage, FAST, { model: vae, reals: reals16 }), isUser(/generates 32 px images but inputs\.reals are at level 16/));
  await assert.rejects(runStage(fidStage, { ...FAST, masked: { enabled: true } }, { model: vae, reals }), isUser(/masked reals/));
});
