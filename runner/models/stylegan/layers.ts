/**
 * Building blocks shared by the StyleGAN mapping, synthesis and discriminator networks (NHWC).
 *
 * Scope: equalized-learning-rate dense/conv layers (weights stored as N(0, 1/lrmul) and scaled at
 * run time by he_std * lrmul), pixel norm, instance norm, style modulation (AdaIN), per-channel
 * noise strength, minibatch stddev, nearest upsample and box downsample, leaky ReLU.
 * Not here: network topology (mapping.ts, synthesis.ts, discriminator.ts), losses, training.
 *
 * Every op used here is twice differentiable in tfjs on cpu and wasm (checked op by op in
 * test/stylegan/second-derivative.test.ts) because the R1 / gradient penalties differentiate the
 * discriminator twice. That is why resize and pooling ops are written as reshape + tile / mean,
 * and why convolutions go through `convValid`, whose gradients are themselves forward
 * convolutions (the wasm backend has no Conv2DBackpropFilter kernel, and forward convolutions are
 * its fast path).
 */
import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from '../../compute/seed.js';
// The node build of tfjs-core registers no gradient functions; tfjs-layers' bundle registers them
// all in the global registry as a side effect (without it every tf.grad fails on 'Sum').
import '@tensorflow/tfjs-layers';

/** A named set of trainable variables with their equalized-lr runtime multipliers. */
export class ParamSet {
  readonly vars = new Map<string, tf.Variable>();
  /** Runtime multiplier applied to each stored variable before use. */
  readonly scales = new Map<string, number>();

  constructor(readonly seed: number) {}

  /** Registers a weight ~ N(0, 1/lrmul) used as w * (gain / sqrt(fanIn)) * lrmul. */
  weight(name: string, shape: number[], fanIn: number, gain: number, lrmul: number): void {
    const heStd = gain / Math.sqrt(fanIn);
    this.add(name, tf.randomNormal(shape, 0, 1 / lrmul, 'float32', tfjsSeed(hashSeed(this.seed, name))), heStd * lrmul);
  }

  /** Registers a bias (constant init) used as b * lrmul. */
  bias(name: string, n: number, lrmul = 1, init = 0): void {
    this.add(name, tf.fill([n], init / lrmul), lrmul);
  }

  /** Registers a plain variable with multiplier 1 (constants, noise strengths). */
  plain(name: string, init: tf.Tensor): void {
    this.add(name, init, 1);
  }

  private add(name: string, init: tf.Tensor, scale: number): void {
    if (this.vars.has(name)) throw new Error(`duplicate parameter ${name}`);
    // No tfjs variable name: names are global in the engine and several nets coexist (G, Gs, D).
    this.vars.set(name, tf.variable(init, true));
    init.dispose();
    this.scales.set(name, scale);
  }

  /** The effective (scaled) value of a parameter; call inside tf.tidy. */
  get(name: string): tf.Tensor {
    const v = this.vars.get(name);
    if (!v) throw new Error(`unknown parameter ${name}`);
    const s = this.scales.get(name)!;
    return s === 1 ? v : tf.mul(v, s);
  }

  list(): tf.Variable[] { return [...this.vars.values()]; }

  names(): string[] { return [...this.vars.keys()]; }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** FNV-1a of the name mixed with the seed: each parameter's init is independent of creation order. */
export function hashSeed(seed: number, name: string): number {
  let h = (2166136261 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

export const SQRT2 = Math.SQRT2;

/**
 * Leaky ReLU as x * step(x): tfjs's LeakyRelu / Maximum gradients build masks with Greater / Less,
 * which have no gradient, so a second derivative through them throws; Step's gradient is zero.
 */
export function lrelu(x: tf.Tensor, slope = 0.2): tf.Tensor {
  return tf.mul(x, tf.step(x, slope));
}

/**
 * Leaky ReLU with the stock kernel: one kernel instead of two, for paths differentiated once
 * only (its gradient's Greater/Select masks have no gradient themselves).
 */
export function lreluFirstOrder(x: tf.Tensor, slope = 0.2): tf.Tensor {
  return tf.leakyRelu(x, slope);
}

/** Normalizes each feature vector (last axis) to unit RMS. */
export function pixelNorm(x: tf.Tensor, eps = 1e-8): tf.Tensor {
  return tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)));
}

/** Per-sample, per-channel normalization over H and W (NHWC). */
export function instanceNorm(x: tf.Tensor4D, eps = 1e-8): tf.Tensor4D {
  const c = tf.sub(x, tf.mean(x, [1, 2], true));
  return tf.mul(c, tf.rsqrt(tf.add(tf.mean(tf.square(c), [1, 2], true), eps))) as tf.Tensor4D;
}

/**
 * Valid-padding stride-1 convolution whose gradients are expressed as forward `convValid` calls,
 * so the op is differentiable to any order with nothing but Conv2D kernels.
 */
export const convValid: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D = tf.customGrad(
  ((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'valid'),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const k = ws.shape[0];
        // dx: full correlation of dy with the spatially flipped, in/out-swapped kernel.
        const wFlip = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const dyPad = tf.pad(dy, [[0, 0], [k - 1, k - 1], [k - 1, k - 1], [0, 0]]) as tf.Tensor4D;
        const dx = convValid(dyPad, wFlip);
        // dw: channels of x become the batch, the batch becomes the contraction axis.
        const xt = tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D; // [C, H, W, N]
        const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, O]
        const dw = tf.transpose(convValid(xt, dyt), [1, 2, 0, 3]); // [K, K, C, O]
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/**
 * Same-padding stride-1 convolution for odd kernels; 1x1 goes through matMul. `firstOrder`: the
 * caller never differentiates twice (the generator), so the stock Conv2D gradient may be used when
 * the backend has its kernels (runner/compute registers fast ones for wasm); else `convValid`.
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, firstOrder = false): tf.Tensor4D {
  const [k, , cin, cout] = w.shape;
  if (k === 1) {
    const [n, h, wd] = x.shape;
    return tf.reshape(tf.matMul(tf.reshape(x, [n * h * wd, cin]), tf.reshape(w, [cin, cout])), [n, h, wd, cout]);
  }
  if (firstOrder && hasConvGradKernels()) return tf.conv2d(x, w, 1, 'same');
  const p = (k - 1) / 2;
  return convValid(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D, w);
}

function hasConvGradKernels(): boolean {
  const b = tf.getBackend();
  return tf.getKernel('Conv2DBackpropFilter', b) !== undefined && tf.getKernel('Conv2DBackpropInput', b) !== undefined;
}

/** Nearest-neighbour 2x upsample as rank-4 reshape + tile (tfjs differentiates both twice). */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const a = tf.tile(tf.reshape(x, [n * h, w, 1, c]), [1, 1, 2, 1]); // [NH, W, 2, C]
  const b = tf.tile(tf.reshape(a, [n, h, 1, 2 * w * c]), [1, 1, 2, 1]); // [N, H, 2, 2WC]
  return tf.reshape(b, [n, 2 * h, 2 * w, c]);
}

/**
 * Nearest-neighbour 2x upsample with the stock kernel: same values as `upsample2x` and ~4x faster
 * forward + backward on wasm, but its gradient is not differentiable again. For the generator only
 * (no penalty differentiates G twice) and for data preparation outside any gradient.
 */
export function upsample2xFirstOrder(x: tf.Tensor4D): tf.Tensor4D {
  return tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);
}

/** 2x2 box-filter downsample as reshape + mean (no pooling kernels: their grads are not differentiable). */
export function downsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const a = tf.mean(tf.reshape(x, [n * (h / 2), 2, w / 2, 2 * c]), 1); // [N H/2, W/2, 2C]
  const b = tf.mean(tf.reshape(a, [n * (h / 2), w / 2, 2, c]), 2); // [N H/2, W/2, C]
  return tf.reshape(b, [n, h / 2, w / 2, c]);
}

/** 2x2 box downsample with the stock AvgPool kernel (same values; its gradient is first order only). */
export function downsample2xFirstOrder(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, 'valid');
}

/** Repeated box downsample / nearest upsample to a power-of-two target size. */
export function resizePow2(x: tf.Tensor4D, size: number): tf.Tensor4D {
  let y = x;
  while (y.shape[1] > size) y = downsample2x(y);
  while (y.shape[1] < size) y = upsample2x(y);
  return y;
}

export interface EqOpts {
  gain?: number;
  lrmul?: number;
  biasInit?: number;
  /** Conv only: the layer is never differentiated twice (see conv2dSame). */
  firstOrder?: boolean;
}

/** Equalized-lr fully connected layer with bias. */
export class EqDense {
  constructor(private readonly p: ParamSet, readonly name: string, readonly inF: number, readonly outF: number, opts: EqOpts = {}) {
    const lrmul = opts.lrmul ?? 1;
    p.weight(`${name}/w`, [inF, outF], inF, opts.gain ?? SQRT2, lrmul);
    p.bias(`${name}/b`, outF, lrmul, opts.biasInit ?? 0);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.p.get(`${this.name}/w`) as tf.Tensor2D), this.p.get(`${this.name}/b`));
  }
}

/** Equalized-lr same-padding convolution with bias. */
export class EqConv {
  private readonly firstOrder: boolean;
  constructor(private readonly p: ParamSet, readonly name: string, readonly inC: number, readonly outC: number, readonly k: number, opts: EqOpts = {}) {
    const lrmul = opts.lrmul ?? 1;
    p.weight(`${name}/w`, [k, k, inC, outC], k * k * inC, opts.gain ?? SQRT2, lrmul);
    p.bias(`${name}/b`, outC, lrmul, opts.biasInit ?? 0);
    this.firstOrder = opts.firstOrder ?? false;
  }

  /** Convolution without bias (the synthesis network adds noise before the bias). */
  conv(x: tf.Tensor4D, firstOrder = this.firstOrder): tf.Tensor4D {
    return conv2dSame(x, this.p.get(`${this.name}/w`) as tf.Tensor4D, firstOrder);
  }

  addBias(x: tf.Tensor4D): tf.Tensor4D {
    return tf.add(x, this.p.get(`${this.name}/b`));
  }

  apply(x: tf.Tensor4D, firstOrder = this.firstOrder): tf.Tensor4D {
    return this.addBias(this.conv(x, firstOrder));
  }
}

/** AdaIN style modulation: x * (1 + scale(w)) + shift(w), the affine map from w being equalized-lr. */
export class StyleMod {
  private readonly affine: EqDense;
  constructor(p: ParamSet, name: string, wDim: number, readonly channels: number) {
    this.affine = new EqDense(p, name, wDim, 2 * channels, { gain: 1 });
  }

  apply(x: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor4D {
    const n = x.shape[0];
    const s = this.affine.apply(w);
    const scale = tf.reshape(tf.slice(s, [0, 0], [n, this.channels]), [n, 1, 1, this.channels]);
    const shift = tf.reshape(tf.slice(s, [0, this.channels], [n, this.channels]), [n, 1, 1, this.channels]);
    return tf.add(tf.mul(x, tf.add(scale, 1)), shift) as tf.Tensor4D;
  }
}

/** Adds single-channel noise [N,H,W,1] times a learned per-channel strength (init 0). */
export class NoiseInput {
  constructor(private readonly p: ParamSet, readonly name: string, channels: number) {
    p.plain(`${name}/strength`, tf.zeros([channels]));
  }

  apply(x: tf.Tensor4D, noise: tf.Tensor4D): tf.Tensor4D {
    return tf.add(x, tf.mul(noise, this.p.get(`${this.name}/strength`))) as tf.Tensor4D;
  }
}

/**
 * Minibatch standard deviation: appends one feature map holding the mean (over features and
 * pixels) of the per-group standard deviation. The batch must be a multiple of the group size
 * (or smaller than it).
 */
export function minibatchStddev(x: tf.Tensor4D, groupSize = 4): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const g = Math.min(groupSize, n);
  if (n % g !== 0) throw new Error(`minibatch stddev: batch ${n} is not a multiple of group ${g}`);
  const m = n / g;
  const y = tf.reshape(x, [g, m, h * w * c]);
  const centred = tf.sub(y, tf.mean(y, 0, true));
  const sd = tf.sqrt(tf.add(tf.mean(tf.square(centred), 0), 1e-8)); // [M, HWC]
  const s = tf.mean(sd, 1); // [M]
  // Sample i belongs to group member i / m, group i % m (same layout as the reshape above).
  const perSample = tf.tile(tf.reshape(s, [1, m]), [g, 1]); // [G, M]
  const fmap = tf.tile(tf.reshape(perSample, [n, 1, 1, 1]), [1, h, w, 1]);
  return tf.concat([x, fmap], 3) as tf.Tensor4D;
}
