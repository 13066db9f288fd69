/**
 * Progressive discriminator (critic): FromRGB per level (1x1 conv + leaky ReLU), per level > 0 a
 * block conv3x3 -> conv3x3 -> 2x box downsample, and at 4x4 minibatch stddev -> conv3x3 ->
 * dense -> dense(1). All layers equalized-lr.
 *
 * Fade-in (config.dBlend): 'output' is the paper's critic equation,
 *   critic(x, alpha) = alpha * critic_l(x) + (1 - alpha) * critic_{l-1}(downscale(x)),
 * 'features' is ProGAN's implementation (blend FromRGB_{l-1}(down(x)) into block l's output).
 *
 * Two op sets compute the same function: the twice-differentiable one (layers.ts: convValid,
 * x * step(x), reshape + mean) for the R1 / gradient-penalty terms, and `firstOrder` (stock
 * Conv2D, LeakyRelu and AvgPool kernels and their gradients) for every term differentiated once:
 * the fake scores, the generator loss, and reals on steps without R1. Fewer, bigger kernels.
 * Scope: forward only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EqConv, EqDense, ParamSet, downsample2x, downsample2xFirstOrder, lrelu, lreluFirstOrder, minibatchStddev } from './layers.js';
import { channels, levelResolution, numLevels, type StyleGanConfig } from './config.js';

interface Ops {
  firstOrder: boolean;
  act: (x: tf.Tensor) => tf.Tensor;
  down: (x: tf.Tensor4D) => tf.Tensor4D;
}

const TWICE: Ops = { firstOrder: false, act: lrelu, down: downsample2x };
const ONCE: Ops = { firstOrder: true, act: lreluFirstOrder, down: downsample2xFirstOrder };

export class Discriminator {
  readonly params: ParamSet;
  readonly levels: number;
  private readonly fromRgb: EqConv[] = [];
  private readonly blocks: Array<{ conv0: EqConv; conv1: EqConv } | null> = [];
  private readonly finalConv: EqConv;
  private readonly dense0: EqDense;
  private readonly dense1: EqDense;

  constructor(readonly cfg: StyleGanConfig, seed: number) {
    const p = (this.params = new ParamSet(seed));
    this.levels = numLevels(cfg);
    for (let l = 0; l < this.levels; l++) {
      const res = levelResolution(l);
      const ch = channels(cfg, res);
      this.fromRgb.push(new EqConv(p, `d/${res}/fromrgb`, 3, ch, 1));
      this.blocks.push(l === 0 ? null : {
        conv0: new EqConv(p, `d/${res}/conv0`, ch, ch, 3),
        conv1: new EqConv(p, `d/${res}/conv1`, ch, channels(cfg, res / 2), 3),
      });
    }
    const c4 = channels(cfg, 4);
    this.finalConv = new EqConv(p, 'd/final/conv', c4 + 1, c4, 3);
    this.dense0 = new EqDense(p, 'd/final/dense0', 16 * c4, channels(cfg, 2));
    this.dense1 = new EqDense(p, 'd/final/dense1', channels(cfg, 2), 1, { gain: 1 });
  }

  private block(l: number, h: tf.Tensor4D, o: Ops): tf.Tensor4D {
    const b = this.blocks[l]!;
    return o.down(o.act(b.conv1.apply(o.act(b.conv0.apply(h, o.firstOrder)) as tf.Tensor4D, o.firstOrder)) as tf.Tensor4D);
  }

  private head(h: tf.Tensor4D, o: Ops): tf.Tensor2D {
    const y = o.act(this.finalConv.apply(minibatchStddev(h, this.cfg.mbstdGroup), o.firstOrder)) as tf.Tensor4D;
    const flat = tf.reshape(y, [y.shape[0], -1]) as tf.Tensor2D;
    return this.dense1.apply(o.act(this.dense0.apply(flat)) as tf.Tensor2D);
  }

  private fromRgbAct(level: number, x: tf.Tensor4D, o: Ops): tf.Tensor4D {
    return o.act(this.fromRgb[level]!.apply(x, o.firstOrder)) as tf.Tensor4D;
  }

  /** Critic without fade-in: FromRGB_l, blocks l..1, head. */
  private critic(x: tf.Tensor4D, level: number, o: Ops): tf.Tensor2D {
    let h = this.fromRgbAct(level, x, o);
    for (let l = level; l > 0; l--) h = this.block(l, h, o);
    return this.head(h, o);
  }

  /**
   * Scores [N, 1] for images [N, res, res, 3] at `level` (index) with fade-in `alpha`.
   * `firstOrder`: the caller differentiates the result at most once (faster kernels).
   */
  apply(x: tf.Tensor4D, level: number, alpha: number, firstOrder = false): tf.Tensor2D {
    if (level < 0 || level >= this.levels) throw new Error(`level ${level} outside 0..${this.levels - 1}`);
    const res = levelResolution(level);
    if (x.shape[1] !== res || x.shape[2] !== res) throw new Error(`critic at level ${level} expects ${res}x${res}, got ${x.shape[1]}x${x.shape[2]}`);
    const o = firstOrder ? ONCE : TWICE;
    if (level === 0 || alpha >= 1) return this.critic(x, level, o);
    if (this.cfg.dBlend === 'output') {
      return tf.add(tf.mul(this.critic(x, level, o), alpha), tf.mul(this.critic(o.down(x), level - 1, o), 1 - alpha)) as tf.Tensor2D;
    }
    const hNew = this.block(level, this.fromRgbAct(level, x, o), o);
    const hOld = this.fromRgbAct(level - 1, o.down(x), o);
    let h = tf.add(tf.mul(hNew, alpha), tf.mul(hOld, 1 - alpha)) as tf.Tensor4D;
    for (let l = level - 1; l > 0; l--) h = this.block(l, h, o);
    return this.head(h, o);
  }

  dispose(): void { this.params.dispose(); }
}
