/** Memory discipline: constant tensor count across steps and epochs; peak memory independent of dataset size. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initTrainingBackend } from '../../runner/training/backend.js';
import { trainVae } from '../../runner/training/vae-loop.js';
import { makeBlobDataset, vaeParams } from './helpers.js';

async function profile(images: number): Promise<{ tensors: number[]; peakBytes: number; peakRss: number; rss0: number; afterTensors: number; beforeTensors: number }> {
  const data = makeBlobDataset(images, 32, 31);
  const p = vaeParams({ epochs: 3, batchSize: 8, snapshotEvery: 1, model: { channels: 4, maxChannels: 8, latentDim: 8, beta: 1 } });
  const tensors: number[] = [];
  let peakBytes = 0, peakRss = 0;
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const beforeTensors = tf.memory().numTensors;
  await trainVae(p, {
    dataDir: data, workDir: mkdtempSync(join(tmpdir(), 'btf-mem-w-')), outDir: mkdtempSync(join(tmpdir(), 'btf-mem-o-')),
    signal: new AbortController().signal, progress: () => {}, log: () => {},
    limitStepsPerEpoch: 4,
    onStep: (s) => {
      tensors.push(s.numTensors);
      peakBytes = Math.max(peakBytes, s.numBytes);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  });
  return { tensors, peakBytes, peakRss, rss0, afterTensors: tf.memory().numTensors, beforeTensors };
}

test('tensor count is constant across steps and epochs and nothing leaks; peak memory does not grow with dataset size', async (t) => {
  await initTrainingBackend('wasm');
  const a = await profile(200);
  const b = await profile(4000);
  for (const r of [a, b]) {
    assert.equal(r.tensors.length, 12);
    assert.ok(r.tensors.every((n) => n === r.tensors[0]), `tensor counts vary: ${r.tensors.join(',')}`);
    assert.equal(r.afterTensors, r.beforeTensors, 'model and optimiser tensors disposed at the end');
  }
  assert.equal(b.peakBytes, a.peakBytes, 'tensor bytes identical for 200 and 4,000 images');
  // 3,800 more 32x32x3 images are 11.7 MB; streaming keeps the RSS peak well below that difference.
  const growth = (b.peakRss - b.rss0) - (a.peakRss - a.rss0);
  t.diagnostic(`tensors/step ${a.tensors[0]}, peak tensor bytes ${a.peakBytes} vs ${b.peakBytes}, RSS peak growth 200 -> 4000 images: ${(growth / 1e6).toFixed(2)} MB`);
  assert.ok(growth < 6e6, `peak RSS grew by ${(growth / 1e6).toFixed(1)} MB with the dataset`);
});
