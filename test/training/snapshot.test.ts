/** Snapshots, metrics logs and Adam state: atomic, exact, resumable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { Adam } from '../../runner/training/adam.js';
import { MetricsLog } from '../../runner/training/metrics-log.js';
import { exportSnapshotModels, latestSnapshot, listSnapshots, restoreSnapshot, snapshotName, writeSnapshot } from '../../runner/training/snapshot.js';
import { namedWeights } from '../../runner/models/vae.js';

const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `btf-${p}-`));
const bytes = (t: tf.Tensor): Buffer => Buffer.from(t.dataSync().buffer);

function tinyModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [4] });
  const y = tfl.layers.dense({ units: 3, name: 'fc', kernelInitializer: 'glorotUniform' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: y, name: 'tiny' });
}

/** n Adam steps on a fixed quadratic-ish loss, from the model's current weights. */
function steps(model: tfl.LayersModel, adam: Adam, from: number, n: number): void {
  for (let s = from; s < from + n; s++) {
    const x = tf.tensor2d([[1, 2, 3, 4], [s, -1, 0.5, 2]]);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(model.apply(x) as tf.Tensor, 1))) as tf.Scalar, adam.varList());
    adam.apply(grads, 0.01 * (1 - s / 100));
    tf.dispose([x, value, ...Object.values(grads)]);
  }
}

test('setup: cpu backend', async () => { assert.ok(await tf.setBackend('cpu')); });

test('Adam restored from a snapshot continues bit-identically', async () => {
  const root = tmp('snap');
  const a = tinyModel();
  const adamA = new Adam(namedWeights(a), { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  const b = tinyModel();
  b.setWeights(a.getWeights());
  steps(a, adamA, 0, 5);
  await writeSnapshot(root, snapshotName(5), { models: { m: a }, tensors: { optimizer: adamA.state() }, position: { epoch: 5, step: 5 } });
  steps(a, adamA, 5, 7);
  // Fresh model and optimiser restored from the snapshot.
  const adamB = new Adam(namedWeights(b), { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  const last = latestSnapshot(root)!;
  const { position, tensors } = restoreSnapshot(last.dir, { models: { m: b }, tensorGroups: ['optimizer'] });
  assert.deepEqual(position, { epoch: 5, step: 5 });
  adamB.load(tensors.optimizer!, position.step);
  steps(b, adamB, 5, 7);
  a.getWeights().forEach((w, i) => assert.ok(bytes(w).equals(bytes(b.getWeights()[i]!)), `weight ${i} differs`));
  assert.equal(adamA.step, adamB.step);
  adamA.dispose(); adamB.dispose();
});

test('half-written snapshots are ignored; latest is by step; export copies models only', async () => {
  const root = tmp('snap2');
  const m = tinyModel();
  await writeSnapshot(root, snapshotName(1), { models: { m }, position: { epoch: 1, step: 10 } });
  await writeSnapshot(root, snapshotName(2), { models: { m }, position: { epoch: 2, step: 20 } });
  mkdirSync(join(root, '.tmp-epoch-003'));
  writeFileSync(join(root, '.tmp-epoch-003', 'position.json'), '{"epoch":3,"step":30}');
  mkdirSync(join(root, 'epoch-004')); // no position.json: a folder without a finished snapshot
  assert.deepEqual(listSnapshots(root).map((s) => s.name), ['epoch-001', 'epoch-002']);
  assert.equal(latestSnapshot(root)!.name, 'epoch-002');
  const dest = join(tmp('export'), 'snapshots', 'epoch-002');
  exportSnapshotModels(latestSnapshot(root)!.dir, dest, ['m']);
  assert.ok(existsSync(join(dest, 'm', 'model.json')) && existsSync(join(dest, 'm', 'weights.bin')));
  assert.ok(readFileSync(join(dest, 'm', 'weights.bin')).equals(readFileSync(join(root, 'epoch-002', 'm', 'weights.bin'))));
  assert.equal(latestSnapshot(tmp('empty')), undefined);
});

test('metrics log: JSONL and CSV rows; reopening keeps chosen rows and drops a torn line', () => {
  const dir = tmp('metrics');
  const cols = ['step', 'loss', 'note'];
  let log = MetricsLog.open(dir, 'm', cols);
  for (let s = 1; s <= 5; s++) log.append({ step: s, loss: 1 / s, note: s === 2 ? 'a,"b"' : 'x' });
  appendFileSync(join(dir, 'm.jsonl'), '{"step": 6, "lo'); // killed mid-write
  log = MetricsLog.open(dir, 'm', cols, (r) => Number(r.step) <= 3);
  log.append({ step: 4, loss: 0.4, note: 'y' });
  assert.deepEqual(MetricsLog.read(join(dir, 'm.jsonl')).map((r) => r.step), [1, 2, 3, 4]);
  const csv = readFileSync(join(dir, 'm.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'step,loss,note');
  assert.equal(csv[2], '2,0.5,"a,""b"""');
  assert.equal(csv.at(-1), '4,0.4,y');
  assert.equal(csv.length, 5);
});
