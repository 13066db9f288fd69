/**
 * StyleGAN networks: shapes per level, the fade-in equations (generator and both critic blends),
 * per-layer w, truncation, and a few training steps at 8x8 and 16x16 with finite losses and no
 * tensor leaks across steps and levels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../runner/compute/kernels/index.js';
import { Generator } from '../../runner/models/stylegan/generator.js';
import { Discriminator } from '../../runner/models/stylegan/discriminator.js';
import { StyleGanTrainer } from '../../runner/models/stylegan/trainer.js';
import { downsample2x, upsample2x } from '../../runner/models/stylegan/layers.js';
import { defaultLoss, discriminatorLoss } from '../../runner/models/stylegan/losses.js';
import type { StyleGanConfig } from '../../runner/models/stylegan/config.js';
import { seededNoise } from '../../runner/models/stylegan/synthesis.js';

export const tiny: StyleGanConfig = {
  maxResolution: 16, zDim: 16, wDim: 16, mappingLayers: 2, mappingWidth: 16, mappingLrMul: 0.01,
  fmapBase: 64, fmapMax: 16, mbstdGroup: 4, dBlend: 'output',
};

// As in production (runner/compute): wasm gets our conv-gradient kernels, so the critic's
// first-order path runs the stock Conv2D gradient there.
registerWasmKernels();

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test('generator and critic shapes at every level', async () => {
  await tf.setBackend('cpu');
  const G = new Generator(tiny, 1);
  const D = new Discriminator(tiny, 2);
  assert.equal(G.numLayers, 6);
  tf.tidy(() => {
    const z = tf.randomNormal([4, 16], 0, 1, 'float32', 3) as tf.Tensor2D;
    for (const [level, res] of [[0, 4], [1, 8], [2, 16]] as const) {
      const img = G.sample(z, level, 0.5);
      assert.deepEqual(img.shape, [4, res, res, 3]);
      assert.deepEqual(D.apply(img, level, 0.5).shape, [4, 1]);
    }
    assert.throws(() => D.apply(tf.zeros([4, 8, 8, 3]) as tf.Tensor4D, 2, 1), /expects 16x16/);
  });
  G.dispose();
  D.dispose();
});

test('fade-in: image(l, a) = a * image_l + (1 - a) * up(image_{l-1}); critic blends as configured', async () => {
  await tf.setBackend('cpu');
  const G = new Generator(tiny, 1);
  const D = new Discriminator(tiny, 2);
  const Df = new Discriminator({ ...tiny, dBlend: 'features' }, 2);
  tf.tidy(() => {
    // Non-zero noise strengths and random constant so the check is not trivially symmetric.
    for (const [n, v] of G.params.vars) if (n.endsWith('/strength')) v.assign(tf.fill(v.shape, 0.3));
    const z = tf.randomNormal([4, 16], 0, 1, 'float32', 4) as tf.Tensor2D;
    const ws = G.broadcast(G.mapping.apply(z));
    const noise = seededNoise(7);
    const full = G.synthesis.apply(ws, 2, 1, noise);
    const prev = G.synthesis.apply(ws, 1, 1, noise);
    const mixed = G.synthesis.apply(ws, 2, 0.3, noise);
    assert.ok(maxAbsDiff(mixed, tf.add(tf.mul(full, 0.3), tf.mul(upsample2x(prev), 0.7))) < 1e-5);
    assert.ok(maxAbsDiff(full, prev.shape[1] === 8 ? full : prev) === 0);
    // Paper critic: a * critic_l(x) + (1 - a) * critic_{l-1}(down(x)).
    const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const want = tf.add(tf.mul(D.apply(x, 2, 1), 0.25), tf.mul(D.apply(downsample2x(x), 1, 1), 0.75));
    assert.ok(maxAbsDiff(D.apply(x, 2, 0.25), want) < 1e-5);
    // Feature blend: alpha = 0 is exactly the previous level's critic on the downscaled image.
    assert.ok(maxAbsDiff(Df.apply(x, 2, 0), Df.apply(downsample2x(x), 1, 1)) < 1e-5);
    assert.ok(maxAbsDiff(Df.apply(x, 2, 0.5), Df.apply(x, 2, 1)) > 1e-6);
  });
  G.dispose(); D.dispose(); Df.dispose();
});

test('per-layer w: changing only the last layer\'s w changes the image; truncation psi=0 gives the w_avg image', async () => {
  await tf.setBackend('cpu');
  const G = new Generator(tiny, 1);
  tf.tidy(() => {
    const w1 = G.mapping.apply(tf.randomNormal([2, 16], 0, 1, 'float32', 1) as tf.Tensor2D);
    const w2 = G.mapping.apply(tf.randomNormal([2, 16], 0, 1, 'float32', 2) as tf.Tensor2D);
    const a = G.synthesis.apply(G.broadcast(w1), 2, 1);
    const b = G.synthesis.apply(G.mix(w1, w2, 5), 2, 1);
    const c = G.synthesis.apply(G.mix(w1, w2, 6), 2, 1);
    assert.ok(maxAbsDiff(a, b) > 1e-6, 'last layer style has an effect');
    assert.equal(maxAbsDiff(a, c), 0, 'crossover at numLayers means no mixing');
    G.wAvg.assign(tf.mean(w2, 0));
    const t0 = G.truncate(G.broadcast(w1), 0);
    assert.ok(maxAbsDiff(t0[0]!, tf.tile(tf.reshape(G.wAvg, [1, 16]), [2, 1])) < 1e-6);
    const t1 = G.truncate(G.broadcast(w1), 0, 2);
    assert.equal(maxAbsDiff(t1[3]!, w1), 0, 'layers past the cutoff are untouched');
  });
  G.dispose();
});

test('equalized lr: stored weights ~ N(0, 1/lrmul), runtime scale gain/sqrt(fanIn)*lrmul; mapping uses lrmul 0.01', async () => {
  await tf.setBackend('cpu');
  const G = new Generator({ ...tiny, mappingWidth: 64, zDim: 64 }, 1);
  const w = G.params.vars.get('g/map/1/w')!; // 64 x 64 hidden layer
  const d = Array.from(w.dataSync());
  const std = Math.sqrt(d.reduce((a, v) => a + v * v, 0) / d.length);
  assert.ok(Math.abs(std - 100) < 5, `stored std ${std} (1 / 0.01)`);
  assert.ok(Math.abs(G.params.scales.get('g/map/1/w')! - (Math.SQRT2 / 8) * 0.01) < 1e-12);
  assert.ok(Math.abs(G.params.scales.get('g/syn/8/conv1/w')! - Math.SQRT2 / Math.sqrt(9 * 16)) < 1e-12);
  assert.equal(G.params.scales.get('g/syn/8/torgb/w'), 1 / Math.sqrt(16), 'ToRGB gain 1');
  G.dispose();
});

test('w_avg and Gs follow their moving-average definitions', async () => {
  await tf.setBackend('cpu');
  const tr = new StyleGanTrainer(tiny, { level: 0, batchSize: 4, seed: 1, loss: defaultLoss, mixingProb: 0, wAvgBeta: 0.9, emaBeta: 0.75, adam: { beta1: 0, beta2: 0.99, epsilon: 1e-8 } });
  tr.syncEma();
  tf.tidy(() => {
    const w = tf.randomNormal([4, 16], 0, 1, 'float32', 3) as tf.Tensor2D;
    tr.G.wAvg.assign(tf.ones([16]));
    tr.G.updateWAvg(w, 0.9);
    assert.ok(maxAbsDiff(tr.G.wAvg, tf.add(tf.mul(tf.mean(w, 0), 0.1), 0.9)) < 1e-6);
    const g = tr.G.params.vars.get('g/syn/4/const')!;
    const before = tr.Gs.params.vars.get('g/syn/4/const')!.clone();
    g.assign(tf.add(g, 1));
    tr.updateEma();
    assert.ok(maxAbsDiff(tr.Gs.params.vars.get('g/syn/4/const')!, tf.add(before, 0.25)) < 1e-6, 'Gs = lerp(G, Gs, 0.75)');
    assert.equal(maxAbsDiff(tr.Gs.wAvg, tr.G.wAvg), 0, 'Gs copies w_avg');
  });
  tr.dispose();
});

for (const backend of ['cpu', 'wasm']) {
  test(`R1 loss (first-order critic for fakes, scores from inside the gradient pass) has the gradients of the plain all-twice formula (${backend})`, async () => {
    await tf.setBackend(backend);
    const D = new Discriminator(tiny, 2);
    const vars = D.params.list();
    const reals = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const fakes = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const critic = (x: tf.Tensor4D) => D.apply(x, 1, 0.6);
    const critics = { once: (x: tf.Tensor4D) => D.apply(x, 1, 0.6, true), twice: critic };
    // The two op sets compute the same scores and the same input gradients.
    assert.ok(maxAbsDiff(critics.once(reals), critic(reals)) < 1e-5);
    const gOnce = tf.grad((x: tf.Tensor) => tf.sum(critics.once(x as tf.Tensor4D)))(reals);
    const gTwice = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor4D)))(reals);
    assert.ok(maxAbsDiff(gOnce, gTwice) < 1e-5);
    const grads = (penaltyWeight: number) => tf.variableGrads(() => discriminatorLoss(critics, reals, fakes, defaultLoss, undefined, penaltyWeight).total, vars);
    const ref = (r1Weight: number) => tf.variableGrads(() => {
      const sr = critic(reals);
      const sf = critic(fakes);
      const g = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor4D)))(reals);
      const r1 = tf.mean(tf.sum(tf.square(g), [1, 2, 3]));
      return tf.addN([tf.mean(tf.softplus(sf)), tf.mean(tf.softplus(tf.neg(sr))), tf.mul(r1, r1Weight)]) as tf.Scalar;
    }, vars);
    // Weight 1: gamma/2 = 5; lazy weight 4: 20; weight 0 (a step without the penalty): none.
    for (const [w, r1Weight] of [[1, 5], [4, 20], [0, 0]] as const) {
      const ours = grads(w), want = ref(r1Weight);
      assert.ok(Math.abs(ours.value.dataSync()[0]! - want.value.dataSync()[0]!) < 1e-4, `loss at penalty weight ${w}`);
      assert.deepEqual(Object.keys(ours.grads).sort(), Object.keys(want.grads).sort());
      assert.ok(Object.keys(ours.grads).length > 10);
      for (const v of vars) {
        const a = ours.grads[v.name], b = want.grads[v.name];
        if (!a || !b) continue; // level-16 layers: unused at level 1 in both
        const scale = Math.max(1e-6, tf.max(tf.abs(b)).dataSync()[0]!);
        assert.ok(maxAbsDiff(a, b) <= 1e-4 * scale + 1e-7, `gradient of ${v.name} at penalty weight ${w}`);
      }
      tf.dispose([ours.value, want.value, ...Object.values(ours.grads), ...Object.values(want.grads)]);
    }
    tf.dispose([reals, fakes, gOnce, gTwice]);
    D.dispose();
  });
}

// cpu is the slow pure-JS backend: one loss there keeps the file short; wasm runs both.
for (const backend of ['cpu', 'wasm']) {
  for (const loss of (backend === 'cpu' ? ['logistic-r1'] : ['logistic-r1', 'wgan-gp']) as Array<'logistic-r1' | 'wgan-gp'>) {
    test(`training steps at 8 and 16 px on ${backend} (${loss}): finite, no tensor leaks, parameters move`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      for (const level of [1, 2]) {
        const res = 4 << level;
        const tr = new StyleGanTrainer(tiny, {
          level, batchSize: 4, seed: 5, loss: { ...defaultLoss, kind: loss }, mixingProb: 0.9, wAvgBeta: 0.995,
          emaBeta: 0.9, adam: { beta1: 0, beta2: 0.99, epsilon: 1e-8 },
        });
        tr.syncEma();
        const reals = tf.tidy(() => tf.tanh(tf.randomNormal([4, res, res, 3], 0, 1, 'float32', 9))) as tf.Tensor4D;
        const w0 = tr.G.params.vars.get(`g/syn/${res}/conv1/w`)!.dataSync().slice();
        let count = -1, bytes = -1;
        for (let s = 0; s < 3; s++) {
          const terms = tr.step(reals, s, 0.5, 0.002);
          for (const [k, v] of Object.entries(terms)) assert.ok(Number.isFinite(v), `${k} = ${v} at step ${s}`);
          assert.ok(loss === 'logistic-r1' ? 'r1' in terms : 'gp' in terms);
          // Adam state is created on the first step; after that the count must stay flat.
          if (s === 1) { count = tf.memory().numTensors; bytes = tf.memory().numBytes; }
          if (s > 1) {
            assert.equal(tf.memory().numTensors, count, `tensor count grew at step ${s}`);
            assert.equal(tf.memory().numBytes, bytes, `tensor bytes grew at step ${s}`);
          }
        }
        const w1 = tr.G.params.vars.get(`g/syn/${res}/conv1/w`)!.dataSync();
        assert.notDeepEqual(Array.from(w1), Array.from(w0));
        const names = new Set(tr.optG.vars.keys());
        assert.equal(names.has('g/syn/16/conv1/w'), level === 2, 'only levels <= the current one are optimised');
        assert.ok(names.has('g/map/0/w') && names.has('g/syn/4/const'));
        reals.dispose();
        tr.dispose();
      }
      assert.equal(tf.memory().numTensors, before, 'tensors left behind after two levels');
    });
  }
}
