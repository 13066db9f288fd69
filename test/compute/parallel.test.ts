/**
 * Data-parallel trainer: 2 workers give the same training trajectory as in-process training (up to
 * float summation order), are bit-reproducible run to run, keep replicas in sync, and report
 * worker failures as errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ParallelTrainer, planWorkers, splitRows, type GradientApplier, type ReplicaModel } from '../../runner/compute/parallel.js';
import { tinyBatch } from './fixtures/tiny-conv.js';

const fixture = fileURLToPath(new URL('./fixtures/tiny-conv.js', import.meta.url));

/** A hand-written applier (not a tf.Optimizer): what wrapping runner/training/adam.ts looks like. */
const sgd = (lr: number) => (master: ReplicaModel) => {
  const byName = new Map(master.groups.all!.map((v) => [v.name, v]));
  return {
    applyGradients: (g: Record<string, tf.Variable>) => tf.tidy(() => {
      for (const [name, grad] of Object.entries(g)) {
        const v = byName.get(name)!;
        v.assign(tf.sub(v, tf.mul(grad, lr)));
      }
    }),
  };
};

async function train(workers: number, steps: number, lossExport = 'tinyConvLoss', optimizer: (m: ReplicaModel) => GradientApplier = () => tf.train.adam(1e-2)) {
  const t = await ParallelTrainer.create({
    workers, backend: 'wasm', seed: 1,
    model: { module: fixture, export: 'makeTinyConv', args: { seed: 7, width: 8 } },
    phases: { fit: { loss: { module: fixture, export: lossExport }, group: 'all', optimizer } },
  });
  try {
    const losses: number[] = [];
    let tensors = 0;
    for (let i = 0; i < steps; i++) {
      if (i === 1) tensors = tf.memory().numTensors; // after step 0 created the optimizer slots
      const x = tinyBatch(6, 100 + i, 16);
      const r = await t.step('fit', { x });
      assert.equal(r.n, 6);
      assert.ok(Number.isFinite(r.metrics.meanOut!));
      losses.push(r.loss);
      x.dispose();
    }
    if (steps > 1) assert.equal(tf.memory().numTensors, tensors, 'no tensors leak per step on the main thread');
    const weights = t.model.groups.all!.map((v) => Array.from(v.dataSync()));
    return { losses, weights, workers: t.workers };
  } finally {
    await t.dispose();
  }
}

test('splitRows: contiguous, covering, near-equal shards', () => {
  assert.deepEqual(splitRows(7, 2), [[0, 3], [3, 7]]);
  assert.deepEqual(splitRows(6, 3), [[0, 2], [2, 4], [4, 6]]);
  assert.throws(() => splitRows(1, 2), /cannot feed 2 workers/);
});

test('planWorkers: 1 on tensorflow, capped at the cores otherwise', () => {
  assert.equal(planWorkers(4, 'tensorflow', 16).workers, 1);
  assert.deepEqual(planWorkers(4, 'wasm', 2), { workers: 2, reason: '4 requested, capped at 2 cores' });
  assert.deepEqual(planWorkers(2, 'wasm', 8), { workers: 2, reason: '2 as requested' });
  assert.equal(planWorkers(0, 'cpu', 8).workers, 1);
});

test('2 workers follow the in-process trajectory and are bit-reproducible', async () => {
  const one = await train(1, 4);
  const a = await train(2, 4);
  const b = await train(2, 4);
  assert.equal(one.workers, 1);
  assert.equal(a.workers, 2);
  assert.ok(one.losses[3]! < one.losses[0]!, `loss decreases: ${one.losses.join(', ')}`);
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - one.losses[i]!) < 1e-4 * Math.max(1, Math.abs(l)), `step ${i}: ${l} vs ${one.losses[i]}`));
  a.weights.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - one.weights[i]![j]!) < 1e-3, `weight ${i}[${j}]`)));
  assert.deepEqual(a.losses, b.losses, 'same bits run to run');
  assert.deepEqual(a.weights, b.weights, 'same weights run to run');
});

test('a custom gradient applier (plain SGD) trains the same with 1 and 2 workers', async () => {
  const one = await train(1, 3, 'tinyConvLoss', sgd(0.05));
  const two = await train(2, 3, 'tinyConvLoss', sgd(0.05));
  assert.ok(one.losses[2]! < one.losses[0]!, `loss decreases: ${one.losses.join(', ')}`);
  two.losses.forEach((l, i) => assert.ok(Math.abs(l - one.losses[i]!) < 1e-4 * Math.max(1, Math.abs(l)), `step ${i}`));
});

test('a missing loss export fails at creation, naming it', async () => {
  await assert.rejects(train(2, 1, 'noSuchExport'), /no function export 'noSuchExport'/);
});

test('a loss that throws rejects that step with its message (main shard and worker shard)', async () => {
  await assert.rejects(train(2, 2, 'failingLoss'), /boom at step 1 shard 0/);
  await assert.rejects(train(2, 2, 'failingLossShard1'), /parallel worker 1: Error: boom at step 1 shard 1/);
});
