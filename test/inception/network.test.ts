/**
 * The building blocks of the FID network and the offline fallback, without the big checkpoints:
 * - resize / pooling helpers equal PyTorch's F.interpolate(bilinear, align_corners=False),
 *   avg_pool2d(count_include_pad=False) and max_pool2d(padding=1) (expected.json `small`), on wasm and cpu;
 * - the conv layer list has the size of Inception v3 (21,751,136 conv weights in 94 units, which with
 *   BatchNorm and the 1008-way fc gives torchvision's 23,834,568 parameters for aux_logits=False);
 * - `inception-random` is deterministic per seed, seed-sensitive, flagged not comparable, and frees its tensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { Interrupted, UserError } from '../../runner/errors.js';
import { avgPool3ExcludePad, convSpecs, maxPool3Pad1, resizeLikeTorch } from '../../runner/metrics/inception/architecture.js';
import { featuresFromUint8, loadInception, FEATURE_DIM, type FeatureNetwork } from '../../runner/metrics/inception/index.js';
import { fixturesDir } from './synthetic-checkpoints.js';

const small = JSON.parse(readFileSync(join(fixturesDir, 'expected.json'), 'utf8')).small;

function maxAbsDiff(a: ArrayLike<number>, b: number[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const backend of ['wasm', 'cpu']) {
  test(`${backend}: resize and pools match PyTorch's`, async () => {
    await tf.setBackend(backend);
    const x = tf.tensor4d(small.input.values, small.input.shape);
    const cases: Array<[string, tf.Tensor4D, number[]]> = [
      ['resize 5x7 -> 9x4', resizeLikeTorch(x, 9, 4), small.resize9x4],
      ['resize 5x7 -> 3x2', resizeLikeTorch(x, 3, 2), small.resize3x2],
      ['avg pool, padding excluded', avgPool3ExcludePad(x), small.avgPoolExcludePad],
      ['max pool, padding 1', maxPool3Pad1(x), small.maxPoolPad1],
    ];
    for (const [name, got, want] of cases) {
      assert.ok(maxAbsDiff(got.dataSync(), want) < 1e-6, `${name}: ${maxAbsDiff(got.dataSync(), want)}`);
    }
    tf.dispose([x, ...cases.map((c) => c[1])]);
  });
}

test('conv units: 94, with the parameter count of Inception v3', () => {
  const specs = convSpecs();
  assert.equal(specs.length, 94);
  assert.equal(new Set(specs.map((s) => s.name)).size, 94);
  assert.equal(specs.reduce((n, s) => n + s.kh * s.kw * s.cin * s.cout, 0), 21_751_136);
  assert.equal(specs.reduce((n, s) => n + s.cout, 0), 17_216);
  // Output channels of the last block feed the 2048-d pool3 features.
  const last = specs.filter((s) => s.name.startsWith('Mixed_7c.') && !/_1$|dbl_2$/.test(s.name));
  assert.equal(last.reduce((n, s) => n + s.cout, 0), FEATURE_DIM);
});

test('inception-random: seeded, deterministic, not comparable, disposes cleanly; batch helper honours abort', async () => {
  await tf.setBackend('wasm');
  const base = tf.memory().numTensors;
  const x = tf.tensor4d(Float32Array.from({ length: 32 * 32 * 3 }, (_, i) => (i % 97) / 96), [1, 32, 32, 3]);
  const run = async (seed: number) => {
    const net = await loadInception({ features: 'inception-random', seed });
    assert.equal(net.comparable, false);
    assert.equal(net.network, 'inception-random');
    const f = net.features(x);
    const v = f.dataSync().slice();
    f.dispose();
    net.dispose();
    return v;
  };
  const net = await loadInception({ features: 'inception-random', seed: 1 });
  const shape = { count: 3, height: 8, width: 8, channels: 3 };
  await assert.rejects(featuresFromUint8(net, new Uint8Array(3 * 8 * 8 * 3), shape, { signal: AbortSignal.abort() }), Interrupted);
  await assert.rejects(featuresFromUint8(net, new Uint8Array(8 * 8 * 4), { ...shape, count: 1, channels: 4 }), UserError);
  net.dispose();
  const a = await run(1);
  const b = await run(1);
  const c = await run(2);
  assert.equal(a.length, FEATURE_DIM);
  assert.ok(a.every(Number.isFinite) && a.some((v) => v > 0), 'features finite and not all zero');
  assert.deepStrictEqual(a, b, 'same seed, same features');
  assert.ok(maxAbsDiff(a, [...c]) > 1e-3, 'another seed gives other features');
  x.dispose();
  assert.equal(tf.memory().numTensors, base, 'dispose() frees every parameter tensor');
});

test('an unknown feature network is a UserError', async () => {
  await assert.rejects(loadInception({ features: 'vgg' as FeatureNetwork, where: 'x.yaml: fid.features' }), (e: unknown) =>
    e instanceof UserError && /x\.yaml: fid\.features: unknown feature network 'vgg'/.test(e.message));
});
