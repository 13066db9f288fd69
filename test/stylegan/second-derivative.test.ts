/**
 * Op-by-op check that tfjs differentiates twice, correctly, through every op the StyleGAN
 * discriminator and losses use (R1 and WGAN-GP need d/dtheta of a gradient), on cpu and wasm.
 *
 * For an op f(x[, p]) the probe is L = sum(s * d/dx sum(r * f(..)^3)). The cube keeps the second
 * derivative non-zero for linear ops (the ^3 is written as multiplications: see the tanh gap
 * below). dL/dx (and dL/dp for parameterised ops, the R1 case) from tf.grad of tf.grad is compared
 * with a central finite difference of L along a random direction, in float32.
 *
 * A second block pins the tfjs 4.22 gaps the workarounds in runner/models/stylegan/layers.ts exist
 * for; if one of those starts passing, the workaround can go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  lrelu, pixelNorm, instanceNorm, conv2dSame, convValid, upsample2x, downsample2x, minibatchStddev,
  ParamSet, EqDense, EqConv, StyleMod, NoiseInput,
} from '../../runner/models/stylegan/layers.js';

const cube = (y: tf.Tensor): tf.Tensor => tf.mul(y, tf.mul(y, y));

/** Returns [analytic, finite-difference] directional second-order derivative of the probe. */
function probe(f: (x: tf.Tensor, p: tf.Tensor) => tf.Tensor, xShape: number[], pShape: number[], wrt: 'x' | 'p'): [number, number] {
  return tf.tidy(() => {
    const x0 = tf.randomNormal(xShape, 0, 1, 'float32', 11);
    const p0 = tf.randomNormal(pShape, 0, 1, 'float32', 12);
    const r = tf.randomNormal(f(x0, p0).shape, 0, 1, 'float32', 13);
    const s = tf.randomNormal(xShape, 0, 1, 'float32', 14);
    const L = (x: tf.Tensor, p: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(cube(f(xx, p)), r)))(x), s));
    const dirShape = wrt === 'x' ? xShape : pShape;
    const v = tf.randomNormal(dirShape, 0, 1, 'float32', 15);
    const g = wrt === 'x' ? tf.grad((x: tf.Tensor) => L(x, p0))(x0) : tf.grad((p: tf.Tensor) => L(x0, p))(p0);
    const an = tf.sum(tf.mul(g, v)).dataSync()[0]!;
    const h = 4e-3;
    const at = (t: number): number => (wrt === 'x' ? L(tf.add(x0, tf.mul(v, t)), p0) : L(x0, tf.add(p0, tf.mul(v, t)))).dataSync()[0]!;
    const fd = (at(h) - at(-h)) / (2 * h);
    return [an, fd];
  });
}

function close(name: string, [an, fd]: [number, number]): void {
  assert.ok(Number.isFinite(an), `${name}: analytic ${an}`);
  const tol = 2e-2 * Math.max(1, Math.abs(fd));
  assert.ok(Math.abs(an - fd) <= tol, `${name}: analytic ${an} vs finite difference ${fd}`);
}

/** Builds a ParamSet-backed layer whose parameter tensor is replaced by `p` (to differentiate wrt it). */
function withParam(make: (ps: ParamSet) => (x: tf.Tensor) => tf.Tensor, param: string): { f: (x: tf.Tensor, p: tf.Tensor) => tf.Tensor; shape: number[]; dispose: () => void } {
  const ps = new ParamSet(3);
  const apply = make(ps);
  const v = ps.vars.get(param)!;
  const scale = ps.scales.get(param)!;
  const get = ps.get.bind(ps);
  let current: tf.Tensor | null = null;
  ps.get = (name: string) => (name === param && current ? tf.mul(current, scale) : get(name));
  return {
    f: (x, p) => { current = p; try { return apply(x); } finally { current = null; } },
    shape: v.shape,
    dispose: () => ps.dispose(),
  };
}

const X = [4, 4, 4, 3];
const pure: Array<[string, (x: tf.Tensor) => tf.Tensor, number[]]> = [
  ['lrelu', (x) => lrelu(x), X],
  ['pixelNorm', (x) => pixelNorm(x), [3, 5]],
  ['instanceNorm', (x) => instanceNorm(x as tf.Tensor4D), X],
  ['upsample2x', (x) => upsample2x(x as tf.Tensor4D), X],
  ['downsample2x', (x) => downsample2x(x as tf.Tensor4D), X],
  ['minibatchStddev', (x) => minibatchStddev(x as tf.Tensor4D, 4), [8, 2, 2, 3]],
  ['softplus', (x) => tf.softplus(x), [3, 5]],
  ['sqrt', (x) => tf.sqrt(tf.add(tf.square(x), 1)), [3, 5]],
];
const param: Array<[string, (ps: ParamSet) => (x: tf.Tensor) => tf.Tensor, string, number[]]> = [
  ['EqConv 3x3', (ps) => { const c = new EqConv(ps, 'c', 3, 2, 3); return (x) => c.apply(x as tf.Tensor4D); }, 'c/w', X],
  ['EqConv 1x1', (ps) => { const c = new EqConv(ps, 'c', 3, 2, 1); return (x) => c.apply(x as tf.Tensor4D); }, 'c/w', X],
  ['EqConv bias', (ps) => { const c = new EqConv(ps, 'c', 3, 2, 3); return (x) => lrelu(c.apply(x as tf.Tensor4D)); }, 'c/b', X],
  ['EqDense', (ps) => { const d = new EqDense(ps, 'd', 5, 4, { lrmul: 0.01 }); return (x) => d.apply(x as tf.Tensor2D); }, 'd/w', [3, 5]],
  ['StyleMod', (ps) => { const m = new StyleMod(ps, 's', 5, 3); const w = tf.keep(tf.randomNormal([4, 5], 0, 1, 'float32', 9)); return (x) => m.apply(x as tf.Tensor4D, w as tf.Tensor2D); }, 's/w', X],
  ['NoiseInput', (ps) => { const n = new NoiseInput(ps, 'n', 3); const z = tf.keep(tf.randomNormal([4, 4, 4, 1], 0, 1, 'float32', 8)); return (x) => lrelu(n.apply(x as tf.Tensor4D, z as tf.Tensor4D)); }, 'n/strength', X],
];

for (const backend of ['cpu', 'wasm']) {
  test(`second derivatives of StyleGAN ops on ${backend}`, async (t) => {
    assert.ok(await tf.setBackend(backend));
    for (const [name, f, shape] of pure) {
      await t.test(`${name} (d/dx)`, () => close(`${backend} ${name}`, probe((x) => f(x), shape, [1], 'x')));
    }
    await t.test('convValid 3x3 (d/dx, d/dw)', () => {
      const f = (x: tf.Tensor, w: tf.Tensor) => convValid(x as tf.Tensor4D, w as tf.Tensor4D);
      close(`${backend} convValid x`, probe(f, [2, 5, 5, 3], [3, 3, 3, 2], 'x'));
      close(`${backend} convValid w`, probe(f, [2, 5, 5, 3], [3, 3, 3, 2], 'p'));
    });
    await t.test('conv2dSame 3x3 (d/dw, R1 case)', () => {
      const f = (x: tf.Tensor, w: tf.Tensor) => lrelu(conv2dSame(x as tf.Tensor4D, w as tf.Tensor4D));
      close(`${backend} conv2dSame w`, probe(f, X, [3, 3, 3, 2], 'p'));
    });
    for (const [name, make, pname, shape] of param) {
      await t.test(`${name} (d/d${pname}, R1 case)`, () => {
        const l = withParam(make, pname);
        try { close(`${backend} ${name}`, probe(l.f, shape, l.shape, 'p')); } finally { l.dispose(); }
      });
    }
    await t.test('lrelu equals leaky ReLU 0.2', () => {
      const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3]);
      assert.deepEqual(Array.from(lrelu(x).dataSync()), Array.from(tf.leakyRelu(x, 0.2).dataSync()));
    });
  });
}

test('tfjs 4.22 second-derivative gaps the workarounds avoid (cpu)', async (t) => {
  assert.ok(await tf.setBackend('cpu'));
  const throwsOrWrong = (f: (x: tf.Tensor) => tf.Tensor, shape: number[]): boolean => {
    try {
      const [an, fd] = probe((x) => f(x), shape, [1], 'x');
      return Math.abs(an - fd) > 2e-2 * Math.max(1, Math.abs(fd));
    } catch {
      return true;
    }
  };
  await t.test('tf.leakyRelu (mask via Greater, no gradient)', () => assert.ok(throwsOrWrong((x) => tf.leakyRelu(x, 0.2), X)));
  await t.test('tf.maximum (mask via Less/GreaterEqual)', () => assert.ok(throwsOrWrong((x) => tf.maximum(x, tf.mul(x, 0.2)), X)));
  await t.test('resizeNearestNeighbor (grad kernel has no gradient)', () => assert.ok(throwsOrWrong((x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 8]), X)));
  await t.test('avgPool (AvgPoolGrad has no gradient)', () => assert.ok(throwsOrWrong((x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid'), X)));
  // Ops whose gradient reads their saved *output* silently lose the second-order term.
  await t.test('tanh (saved output: wrong, not an error)', () => assert.ok(throwsOrWrong((x) => tf.tanh(x), [3, 5])));
  await t.test('sigmoid (saved output: wrong, not an error)', () => assert.ok(throwsOrWrong((x) => tf.sigmoid(x), [3, 5])));
});
