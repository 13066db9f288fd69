/**
 * train-stylegan stage on a tiny blob dataset: levels 4 -> 8 chained through 'previous', the
 * artifact files, alpha fading linearly to 1 over fadeInEpochs, real-image blending, user errors,
 * and a kill + resume that ends bit-identical to an uninterrupted run (wasm and cpu).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { applyDefaults, runStage } from '../helpers/run-stage.js';
import { dataRef, makeBlobDataset } from '../training/helpers.js';
import { trainStyleGanKind } from '../../runner/stages/train-stylegan.js';
import { emaBetaAt, realBatch } from '../../runner/models/stylegan/loop.js';
import { loadTensors } from '../../runner/training/model-files.js';
import { downsample2x, upsample2x } from '../../runner/models/stylegan/layers.js';
import { Interrupted } from '../../runner/errors.js';
import type { ArtifactRef, StageContext } from '../../runner/stages/types.js';
import type { TrainStyleGanParams } from '../../runner/models/stylegan/loop.js';

const model = { maxResolution: 16, zDim: 16, wDim: 16, mappingLayers: 2, mappingWidth: 16, fmapBase: 32, fmapMax: 16 };
const data = makeBlobDataset(16, 16, 3);
const base = { epochs: 2, fadeInEpochs: 1, batchSize: 4, logEvery: 1, samples: 4, model, schedule: { type: 'constant' } };

function rows(dir: string, f = 'metrics.jsonl'): Array<Record<string, number>> {
  return readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('levels 4 -> 8: artifact files, finite losses, alpha fades linearly to 1', async () => {
  const l4 = await runStage(trainStyleGanKind, { ...base, level: 4 }, { data: dataRef(data) }, { backend: 'wasm' });
  for (const f of ['config.json', 'weights.json', 'weights.bin', 'metrics.jsonl', 'metrics.csv', 'samples.png', 'snapshots/epoch-001/Gs.json', 'snapshots/epoch-002/position.json']) {
    assert.ok(existsSync(join(l4.ref.dir, f)), `level 4 wrote ${f}`);
  }
  assert.ok(existsSync(join(l4.ref.logDir!, 'timing.csv')) && !existsSync(join(l4.ref.dir, 'timing.csv')), 'timings go to logDir, outside the hash');
  assert.ok(rows(l4.ref.dir).every((r) => r['alpha'] === 1), 'no fade at 4x4');
  const l8 = await runStage(trainStyleGanKind, { ...base, level: 8 }, { data: dataRef(data), previous: l4.ref }, { backend: 'wasm' });
  const m = rows(l8.ref.dir);
  assert.equal(m.length, 8, 'one row per step (16 images / batch 4 = 4 steps per epoch)');
  assert.deepEqual(m.map((r) => r['alpha']), [0, 0.25, 0.5, 0.75, 1, 1, 1, 1]);
  for (const r of m) for (const k of ['d_loss', 'g_loss', 'r1', 'real_score', 'fake_score']) assert.ok(Number.isFinite(r[k]), `${k} finite at step ${r['step']}`);
  assert.equal(l8.result && l8.result.summary?.['level'], 8);
  assert.equal(l8.env['tfjs.backend'], 'wasm');
  // Adam starts afresh at each level: level 8's optimisers count only its own 8 steps.
  const pos = JSON.parse(readFileSync(join(l8.ref.dir, 'snapshots/epoch-002/position.json'), 'utf8'));
  assert.deepEqual([pos.step, pos.optGStep, pos.optDStep, pos.level, pos.alpha], [8, 8, 8, 8, 1]);
  // Level 8 started from level 4's weights: w_avg (fresh: zeros, decay 0.995) keeps accumulating,
  // about (1 - 0.995^16) / (1 - 0.995^8) ~ 2x level 4's after 8 more steps (1x if it restarted).
  const w4 = loadTensors(l4.ref.dir, 'weights')['G/w_avg']!.dataSync();
  const w8 = loadTensors(l8.ref.dir, 'weights')['G/w_avg']!.dataSync();
  const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
  assert.ok(norm(w4) > 0);
  assert.ok(norm(w8) > 1.5 * norm(w4), `w_avg carried over from level 4 (${norm(w8)} vs ${norm(w4)})`);
  // The EMA ramp-up counts images from the start at 4x4: level 8 starts after level 4's 2 x 16.
  assert.equal(JSON.parse(readFileSync(join(l8.ref.dir, 'config.json'), 'utf8')).imagesBefore, 32);
});

test('Gs EMA ramp-up: half-life min(emaHalfLifeKimg, emaRampup x images seen); 0 seen copies G', () => {
  const p = { emaHalfLifeKimg: 10, emaRampup: 0.05, batchSize: 32 };
  assert.equal(emaBetaAt(p, 0), 0);
  assert.equal(emaBetaAt(p, 20_000), 0.5 ** (32 / 1000), 'ramp: 5% of 20k images = 1 kimg half-life');
  assert.equal(emaBetaAt(p, 10_000_000), 0.5 ** (32 / 10_000), 'capped at 10 kimg');
  assert.equal(emaBetaAt({ ...p, emaRampup: 0 }, 0), 0.5 ** (32 / 10_000), 'ramp-up off: StyleGAN fixed half-life');
  assert.equal(emaBetaAt({ ...p, emaHalfLifeKimg: 0 }, 1e9), 0, 'half-life 0: Gs copies G');
});

test('real images are blended like the generator: alpha 0 gives up(down(x))', () => {
  const px = new Uint8Array(2 * 8 * 8 * 3).map((_, i) => (i * 37) % 256);
  tf.tidy(() => {
    const x = realBatch(px, 2, 8, 8, 1);
    const blended = realBatch(px, 2, 8, 8, 0.25);
    const want = tf.add(tf.mul(x, 0.25), tf.mul(upsample2x(downsample2x(x)), 0.75));
    assert.ok(tf.max(tf.abs(tf.sub(blended, want))).dataSync()[0]! < 1e-6);
    const small = realBatch(px, 2, 8, 4, 1);
    assert.deepEqual(small.shape, [2, 4, 4, 3]);
  });
});

test('loss: wgan-gp reaches the trainer (gradient penalty and drift logged)', async () => {
  const r = await runStage(trainStyleGanKind, { ...base, level: 4, epochs: 1, loss: 'wgan-gp', samples: 0 }, { data: dataRef(data) }, { backend: 'wasm' });
  const m = rows(r.ref.dir);
  assert.equal(m.length, 4);
  for (const row of m) for (const k of ['gp', 'drift', 'd_loss', 'g_loss']) assert.ok(Number.isFinite(row[k]), `${k} at step ${row['step']}`);
  assert.ok(m.every((row) => !('r1' in row)));
});

test('penaltyInterval: the R1 term is computed on every N-th step only and logged as its mean over those steps', async () => {
  const every = await runStage(trainStyleGanKind, { ...base, level: 4, epochs: 1, samples: 0, logEvery: 1 }, { data: dataRef(data) }, { backend: 'wasm' });
  const lazy = await runStage(trainStyleGanKind, { ...base, level: 4, epochs: 1, samples: 0, logEvery: 1, penaltyInterval: 2 }, { data: dataRef(data) }, { backend: 'wasm' });
  const a = rows(every.ref.dir), b = rows(lazy.ref.dir);
  assert.equal(a.length, 4);
  assert.ok(a.every((r) => Number.isFinite(r['r1'])));
  // Steps 0 and 2 carry the penalty (weighted x2), steps 1 and 3 do not.
  assert.deepEqual(b.map((r) => 'r1' in r), [true, false, true, false]);
  // Step 0 starts from the same weights: same R1 value, different D update (penalty weight 2).
  assert.equal(b[0]!['r1'], a[0]!['r1']);
  assert.notEqual(b[2]!['d_loss'], a[2]!['d_loss']);
});

test('user errors name the stage and the param', async () => {
  await assert.rejects(runStage(trainStyleGanKind, { ...base, level: 8 }, { data: dataRef(data) }, { backend: 'cpu' }), /needs input 'previous'/);
  await assert.rejects(runStage(trainStyleGanKind, { ...base, level: 4, fadeInEpochs: 3 }, { data: dataRef(data) }, { backend: 'cpu' }), /params.fadeInEpochs/);
  await assert.rejects(runStage(trainStyleGanKind, { ...base, level: 32 }, { data: dataRef(data) }, { backend: 'cpu' }), /exceeds params.model.maxResolution/);
  await assert.rejects(runStage(trainStyleGanKind, { ...base, level: 4, batchSize: 6 }, { data: dataRef(data) }, { backend: 'cpu' }), /multiple of params.model.mbstdGroup/);
});

function ctxFor(params: TrainStyleGanParams, workDir: string, backend: 'cpu' | 'wasm', signal: AbortSignal, onStep?: (done: number) => void): StageContext<TrainStyleGanParams> {
  return {
    id: 'sg', params, inputs: { data: dataRef(data) } as Record<string, ArtifactRef>, inputLists: { data: [dataRef(data)] },
    outDir: mkdtempSync(join(tmpdir(), 'btf-sg-out-')), logDir: mkdtempSync(join(tmpdir(), 'btf-sg-logs-')), workDir, signal,
    progress: (u) => onStep?.(u.done ?? 0), log: () => {}, setEnv: () => {}, compute: { backend, workers: 1 },
  };
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`kill after epoch 1 + resume is bit-identical to an uninterrupted run (${backend})`, async () => {
    const params = applyDefaults(trainStyleGanKind, { ...base, level: 4, epochs: 2, samples: 0 }) as TrainStyleGanParams;
    const straight = ctxFor(params, mkdtempSync(join(tmpdir(), 'btf-sg-work-')), backend, new AbortController().signal);
    await trainStyleGanKind.run(straight);

    const work = mkdtempSync(join(tmpdir(), 'btf-sg-work-'));
    const ac = new AbortController();
    // Abort during epoch 2 (after step 6 of 8): the resume point of epoch 1 is the restart.
    const killed = ctxFor(params, work, backend, ac.signal, (done) => { if (done === 6) ac.abort(); });
    await assert.rejects(trainStyleGanKind.run(killed), Interrupted);
    const resumed = ctxFor(params, work, backend, new AbortController().signal);
    await trainStyleGanKind.run(resumed);

    assert.ok(readFileSync(join(straight.outDir, 'weights.bin')).equals(readFileSync(join(resumed.outDir, 'weights.bin'))), 'final weights identical');
    assert.equal(readFileSync(join(resumed.outDir, 'metrics.jsonl'), 'utf8'), readFileSync(join(straight.outDir, 'metrics.jsonl'), 'utf8'));
    assert.ok(readFileSync(join(straight.outDir, 'snapshots/epoch-001/Gs.bin')).equals(readFileSync(join(resumed.outDir, 'snapshots/epoch-001/Gs.bin'))));
  });
}
