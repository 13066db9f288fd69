/**
 * BTF_LONG=1 only: progressive training 4 -> 8 -> 16 -> 32 px on a synthetic blob dataset (coloured
 * disc on a shaded background), through the real stage chain. Writes the final sample grid to
 * $BTF_SAMPLES_DIR (default /tmp/btf-stylegan-long)/samples-32.png for a person to look at, and
 * asserts that the samples moved toward the data (env knobs: BTF_LONG_EPOCHS, BTF_LONG_R1): a Frechet distance between per-image colour
 * statistics of Gs samples and real images drops well below its value for the untrained generator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { runStage } from '../helpers/run-stage.js';
import { dataRef, makeBlobDataset } from '../training/helpers.js';
import { trainStyleGanKind } from '../../runner/stages/train-stylegan.js';
import { PackedReader } from '../../runner/datasets/packed.js';
import { loadTensors } from '../../runner/training/model-files.js';
import { Generator } from '../../runner/models/stylegan/generator.js';
import { assignParams } from '../../runner/models/stylegan/trainer.js';
import { downsample2x } from '../../runner/models/stylegan/layers.js';
import { toSigned } from '../../runner/training/batches.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import type { StyleGanConfig } from '../../runner/models/stylegan/config.js';

const LONG = process.env['BTF_LONG'] === '1';
const model: StyleGanConfig = { maxResolution: 32, zDim: 32, wDim: 32, mappingLayers: 4, mappingWidth: 32, mappingLrMul: 0.01, fmapBase: 128, fmapMax: 32, mbstdGroup: 4, dBlend: 'output' };

/** Per-image features: 4x4 box-downsampled image (48 numbers), a cheap stand-in for Inception. */
function features(x: tf.Tensor4D): number[][] {
  return tf.tidy(() => {
    let y = x;
    while (y.shape[1] > 4) y = downsample2x(y);
    return tf.reshape(y, [y.shape[0], -1]).arraySync() as number[][];
  });
}

/** Frechet distance with diagonal covariances (robust with few samples). */
function frechetDiag(a: number[][], b: number[][]): number {
  const d = a[0]!.length;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const ma = a.reduce((t, r) => t + r[j]!, 0) / a.length, mb = b.reduce((t, r) => t + r[j]!, 0) / b.length;
    const va = a.reduce((t, r) => t + (r[j]! - ma) ** 2, 0) / a.length, vb = b.reduce((t, r) => t + (r[j]! - mb) ** 2, 0) / b.length;
    s += (ma - mb) ** 2 + va + vb - 2 * Math.sqrt(va * vb);
  }
  return s;
}

function samples(G: Generator, n: number): number[][] {
  return tf.tidy(() => features(G.sample(tf.randomNormal([n, model.zDim], 0, 1, 'float32', 77) as tf.Tensor2D, 3, 1)));
}

test('progressive 4 -> 32 px on blobs: samples approach the data', { skip: !LONG && 'set BTF_LONG=1' }, async () => {
  const outDir = process.env['BTF_SAMPLES_DIR'] ?? '/tmp/btf-stylegan-long';
  mkdirSync(outDir, { recursive: true });
  const data = makeBlobDataset(256, 32, 11);
  // BTF_LONG_EPOCHS="a,b,c,d": epochs at 4, 8, 16, 32 px (default 6 each, ~5 min under load).
  const ep = (process.env['BTF_LONG_EPOCHS'] ?? '6,6,6,6').split(',').map(Number);
  const levels: Array<[number, number]> = [[4, ep[0]!], [8, ep[1]!], [16, ep[2]!], [32, ep[3]!]];
  const r1Gamma = Number(process.env['BTF_LONG_R1'] ?? 10);
  let prev: ArtifactRef | undefined;
  const log: string[] = [];
  for (const [level, epochs] of levels) {
    const t0 = performance.now();
    const r = await runStage(trainStyleGanKind, {
      level, epochs, fadeInEpochs: level === 4 ? 0 : 2, batchSize: 16, lr: 0.002, schedule: { type: 'constant' },
      // Short run: an EMA half-life of 10 kimg (StyleGAN) would leave Gs near its initialisation.
      model, samples: 64, logEvery: 8, seed: 3, emaHalfLifeKimg: 0.3, r1Gamma,
    }, prev ? { data: dataRef(data), previous: prev } : { data: dataRef(data) }, { backend: 'wasm' });
    prev = r.ref;
    copyFileSync(join(r.ref.dir, 'samples.png'), join(outDir, `samples-${level}.png`));
    copyFileSync(join(r.ref.dir, 'metrics.csv'), join(outDir, `metrics-${level}.csv`));
    log.push(`level ${level}: ${epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(0)} s, last ${JSON.stringify(r.result && r.result.summary?.['last'])}`);
    writeFileSync(join(outDir, 'log.txt'), log.join('\n') + '\n');
  }
  const reader = new PackedReader(data);
  const reals = tf.tidy(() => features(toSigned(reader.readRange(0, 256), 256, 32, 3)));
  reader.close();
  const fresh = new Generator(model, 7);
  const trained = new Generator(model, 7);
  const w = loadTensors(prev!.dir, 'weights');
  assignParams(trained.params, 'Gs', w, 'weights');
  trained.wAvg.assign(w['Gs/w_avg']!);
  tf.dispose(Object.values(w));
  const before = frechetDiag(samples(fresh, 256), reals);
  const after = frechetDiag(samples(trained, 256), reals);
  log.push(`4x4-feature Frechet distance to data: untrained ${before.toFixed(3)}, trained ${after.toFixed(3)}`);
  writeFileSync(join(outDir, 'log.txt'), log.join('\n') + '\n');
  fresh.dispose();
  trained.dispose();
  assert.ok(after < 0.3 * before, log.join('\n'));
});
