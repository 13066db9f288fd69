/**
 * The ops our models (VAE, progressive StyleGAN, metrics) run, as small differentiable cases.
 *
 * Used by `audit.ts` (which kernels are missing or slow on a backend) and by the tests that check
 * our wasm kernels numerically against the `cpu` backend. Each case builds its inputs from a fixed
 * seed so two backends see the same numbers. Not a model: shapes are small on purpose.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface OpCase {
  name: string;
  /** Input shapes; inputs are uniform in [-1, 1) from a seeded generator (positive when `positive`). */
  shapes: number[][];
  positive?: boolean;
  /** The op under test; the audit differentiates sum(f(xs) * w) for a fixed random w. */
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** False for ops without a gradient (forward only). */
  grad?: boolean;
  /** The audit must not scale the batch (the op has a shape baked in). */
  fixedShape?: boolean;
}

const c4 = (xs: tf.Tensor[]) => xs as [tf.Tensor4D, tf.Tensor4D];

/** Conv cases for the strides/paddings/dilations the models use (and dilation 2 for generality). */
export function convCases(): OpCase[] {
  const out: OpCase[] = [];
  const geoms: Array<[number, number, 'same' | 'valid', number]> = [
    // [kernel, stride, pad, dilation]
    [3, 1, 'same', 1], [3, 2, 'same', 1], [4, 2, 'same', 1], [3, 1, 'valid', 1], [4, 2, 'valid', 1],
    [1, 1, 'same', 1], [3, 1, 'same', 2], [5, 2, 'same', 1], [3, 2, 'valid', 1],
  ];
  for (const [k, s, pad, d] of geoms) {
    // Odd spatial sizes exercise the asymmetric 'same' padding and leftover rows at stride 2.
    for (const hw of [8, 9]) {
      out.push({
        name: `conv2d k${k} s${s} ${pad} d${d} ${hw}px`,
        shapes: [[2, hw, hw, 3], [k, k, 3, 4]],
        f: (...xs) => { const [x, w] = c4(xs); return tf.conv2d(x, w, s, pad, 'NHWC', d); },
        // tfjs-core's Conv2D gradient asserts dilation 1; our kernels' dilation support is tested directly.
        grad: d === 1,
      });
    }
  }
  return out;
}

export function opCases(): OpCase[] {
  const x4 = [2, 6, 6, 3];
  return [
    ...convCases(),
    { name: 'conv2dTranspose k4 s2 same', shapes: [[2, 4, 4, 4], [4, 4, 3, 4]], fixedShape: true,
      f: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 3], 2, 'same') },
    // Batch 1: the cpu backend's ResizeNearestNeighborGrad (4.22) offsets dy by the *input's* batch
    // stride, so it is wrong for batch > 1 (wasm is right; see test/compute/kernels.test.ts).
    // R1 / gradient penalties differentiate a gradient: Conv2DBackpropInput's own gradient runs.
    // Leaky ReLU as x * step(x, a): tf.leakyRelu's gradient uses Greater, which has no gradient.
    { name: 'double backprop conv (R1-style)', shapes: [[2, 8, 8, 3], [3, 3, 3, 4]],
      f: (x, w) => {
        const lrelu = (t: tf.Tensor) => tf.mul(t, tf.step(t, 0.2));
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(lrelu(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')))))(x);
        return tf.sum(tf.square(gx), [1, 2, 3]);
      } },
    { name: 'double backprop conv s1 (R1-style)', shapes: [[2, 8, 8, 3], [3, 3, 3, 4]],
      f: (x, w) => {
        // softplus, not sigmoid: sigmoid's gradient reads its saved output, which tfjs cannot
        // differentiate again ("Cannot compute gradient of y=f(x)"), on every backend.
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.softplus(tf.conv2d(xx as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'))))(x);
        return tf.sum(tf.square(gx), [1, 2, 3]);
      } },
    { name: 'resizeNearestNeighbor x2', shapes: [[1, 6, 6, 3]], fixedShape: true, f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [12, 12]) },
    { name: 'resizeBilinear x2', shapes: [x4], f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [12, 12]) },
    { name: 'resizeBilinear /2', shapes: [x4], f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [3, 3]) },
    { name: 'avgPool 2x2 s2', shapes: [x4], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
    { name: 'maxPool 2x2 s2', shapes: [x4], f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid') },
    { name: 'maxPool 3x3 s1 same', shapes: [x4], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 1, 'same') },
    { name: 'avgPool 3x3 s2 same', shapes: [x4], f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same') },
    { name: 'leakyRelu 0.2', shapes: [x4], f: (x) => tf.leakyRelu(x, 0.2) },
    { name: 'prelu', shapes: [x4, [3]], f: (x, a) => tf.prelu(x, a) },
    { name: 'relu', shapes: [x4], f: (x) => tf.relu(x) },
    { name: 'sigmoid', shapes: [x4], f: (x) => tf.sigmoid(x) },
    { name: 'tanh', shapes: [x4], f: (x) => tf.tanh(x) },
    { name: 'softplus', shapes: [x4], f: (x) => tf.softplus(x) },
    { name: 'exp', shapes: [x4], f: (x) => tf.exp(x) },
    { name: 'log', shapes: [x4], positive: true, f: (x) => tf.log(x) },
    { name: 'moments (mean/variance)', shapes: [x4], f: (x) => { const m = tf.moments(x, [1, 2]); return tf.add(m.mean, m.variance); } },
    { name: 'mean', shapes: [x4], f: (x) => tf.mean(x, [1, 2, 3]) },
    { name: 'batchMatMul', shapes: [[2, 3, 4], [2, 4, 5]], f: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D) },
    { name: 'matMul transposeB', shapes: [[3, 4], [5, 4]], f: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true) },
    { name: 'square', shapes: [x4], f: (x) => tf.square(x) },
    { name: 'sqrt', shapes: [x4], positive: true, f: (x) => tf.sqrt(x) },
    { name: 'rsqrt', shapes: [x4], positive: true, f: (x) => tf.rsqrt(x) },
    { name: 'pad', shapes: [x4], f: (x) => tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]]) },
    { name: 'mirrorPad', shapes: [x4], f: (x) => tf.mirrorPad(x as tf.Tensor4D, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect') },
    { name: 'transpose', shapes: [x4], f: (x) => tf.transpose(x, [0, 3, 1, 2]) },
    { name: 'concat', shapes: [x4, x4], f: (a, b) => tf.concat([a, b], 3) },
    { name: 'slice', shapes: [x4], f: (x) => tf.slice(x, [0, 1, 1, 0], [2, 4, 3, 2]) },
    // tfjs-core 4.22 registers no gradient for StridedSlice or DepthToSpace (any backend): forward only.
    { name: 'stridedSlice', shapes: [x4], grad: false, f: (x) => tf.stridedSlice(x, [0, 0, 1, 0], [2, 6, 6, 3], [1, 2, 2, 1]) },
    { name: 'tile', shapes: [[2, 1, 1, 3]], f: (x) => tf.tile(x, [1, 4, 4, 1]) },
    { name: 'gather', shapes: [[5, 4]], f: (x) => tf.gather(x, tf.tensor1d([0, 2, 2, 4], 'int32')) },
    { name: 'unsortedSegmentSum', shapes: [[5, 4]], f: (x) => tf.unsortedSegmentSum(x, tf.tensor1d([0, 1, 0, 2, 1], 'int32'), 3) },
    { name: 'broadcast mul/add/sub/div', shapes: [x4, [3]], f: (x, b) => tf.div(tf.sub(tf.add(tf.mul(x, b), b), 0.5), tf.add(tf.abs(b), 1)) },
    { name: 'sum/max', shapes: [x4], f: (x) => tf.add(tf.sum(x, 3), tf.max(x, 3)) },
    { name: 'clipByValue', shapes: [x4], f: (x) => tf.clipByValue(x, -0.5, 0.5) },
    { name: 'pow', shapes: [x4], positive: true, f: (x) => tf.pow(x, 1.5) },
    { name: 'softmax/logSoftmax', shapes: [[4, 5]], f: (x) => tf.add(tf.softmax(x), tf.logSoftmax(x)) },
    { name: 'sigmoidCrossEntropy', shapes: [[4, 5], [4, 5]], positive: true,
      f: (l, z) => tf.losses.sigmoidCrossEntropy(tf.step(tf.sub(l, 0.5)), z) },
    { name: 'depthToSpace', shapes: [[2, 3, 3, 4]], grad: false, f: (x) => tf.depthToSpace(x as tf.Tensor4D, 2) },
    { name: 'reverse', shapes: [x4], f: (x) => tf.reverse(x, [1, 2]) },
  ];
}

/** Deterministic inputs for a case (mulberry32; identical numbers on every backend). */
export function caseInputs(c: OpCase, seed = 1): tf.Tensor[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return c.shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = c.positive ? 0.1 + rand() : rand() * 2 - 1;
    return tf.tensor(v, shape);
  });
}

/** Forward value and gradients of sum(f(xs) * w) (w random, fixed by seed), as plain arrays. */
export function runCase(c: OpCase, seed = 1): { y: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const xs = caseInputs(c, seed);
    const y = c.f(...xs);
    const w = caseInputs({ name: 'w', shapes: [y.shape], f: (t) => t }, seed + 7)[0]!;
    const yv = y.dataSync() as Float32Array;
    if (c.grad === false) return { y: yv, grads: [] };
    const g = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(c.f(...ins), w)));
    return { y: yv, grads: g(xs).map((t) => t.dataSync() as Float32Array) };
  });
}
