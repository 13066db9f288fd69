/**
 * StyleGAN synthesis network, progressive: a learned 4x4 constant, then per level two style
 * layers (level 0: const + conv; level > 0: nearest upsample + conv, conv), each followed by the
 * layer epilogue noise -> bias -> leaky ReLU -> instance norm -> AdaIN(w_layer), and a ToRGB per
 * level. Layer k (0-based, 2 per level) takes its own w, so callers can blend styles per layer.
 *
 * image(l, alpha) = alpha * ToRGB_l(h_l) + (1 - alpha) * upsample(ToRGB_{l-1}(h_{l-1})).
 * Scope: the function of (w per layer, level, alpha, noise). Not: mapping, truncation, mixing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from '../../compute/seed.js';
// The generator is only differentiated once (penalties differentiate D twice), so it may use the
// faster stock nearest-neighbour kernel and stock conv gradients.
import { EqConv, NoiseInput, ParamSet, StyleMod, instanceNorm, lrelu, upsample2xFirstOrder as upsample2x } from './layers.js';
import { channels, levelResolution, numLevels, type StyleGanConfig } from './config.js';

/** Supplies the [N, res, res, 1] noise image of style layer `layer`, or null for no noise. */
export type NoiseFn = (layer: number, n: number, res: number) => tf.Tensor4D | null;

/** Seeded normal noise: layer k of a call keyed by `seed` (deterministic on every backend). */
export function seededNoise(seed: number): NoiseFn {
  return (layer, n, res) => tf.randomNormal([n, res, res, 1], 0, 1, 'float32', tfjsSeed(seed * 64 + layer)) as tf.Tensor4D;
}

export const noNoise: NoiseFn = () => null;

class Epilogue {
  private readonly noise: NoiseInput;
  private readonly style: StyleMod;
  constructor(private readonly p: ParamSet, private readonly name: string, ch: number, wDim: number, readonly layer: number) {
    this.noise = new NoiseInput(p, `${name}/noise`, ch);
    p.bias(`${name}/b`, ch);
    this.style = new StyleMod(p, `${name}/style`, wDim, ch);
  }

  apply(x: tf.Tensor4D, w: tf.Tensor2D, noise: NoiseFn): tf.Tensor4D {
    const nz = noise(this.layer, x.shape[0], x.shape[1]);
    let y = nz ? this.noise.apply(x, nz) : x;
    y = lrelu(tf.add(y, this.p.get(`${this.name}/b`))) as tf.Tensor4D;
    return this.style.apply(instanceNorm(y), w);
  }
}

interface Block { conv0?: EqConv; conv1: EqConv; epi0: Epilogue; epi1: Epilogue; toRgb: EqConv }

export class Synthesis {
  readonly levels: number;
  readonly numLayers: number;
  private readonly blocks: Block[] = [];

  constructor(private readonly p: ParamSet, cfg: StyleGanConfig) {
    this.levels = numLevels(cfg);
    this.numLayers = 2 * this.levels;
    let prevCh = 0;
    for (let l = 0; l < this.levels; l++) {
      const res = levelResolution(l);
      const ch = channels(cfg, res);
      const pre = `g/syn/${res}`;
      if (l === 0) p.plain(`${pre}/const`, tf.ones([1, 4, 4, ch]));
      this.blocks.push({
        conv0: l === 0 ? undefined : new EqConv(p, `${pre}/conv0`, prevCh, ch, 3, { firstOrder: true }),
        epi0: new Epilogue(p, `${pre}/epi0`, ch, cfg.wDim, 2 * l),
        conv1: new EqConv(p, `${pre}/conv1`, ch, ch, 3, { firstOrder: true }),
        epi1: new Epilogue(p, `${pre}/epi1`, ch, cfg.wDim, 2 * l + 1),
        toRgb: new EqConv(p, `${pre}/torgb`, ch, 3, 1, { gain: 1, firstOrder: true }),
      });
      prevCh = ch;
    }
  }

  /** Features after level l's two style layers. */
  private features(ws: tf.Tensor2D[], level: number, noise: NoiseFn): tf.Tensor4D[] {
    const n = ws[0]!.shape[0];
    const out: tf.Tensor4D[] = [];
    let x: tf.Tensor4D | null = null;
    for (let l = 0; l <= level; l++) {
      const b = this.blocks[l]!;
      const h: tf.Tensor4D = l === 0
        ? tf.tile(this.p.get(`g/syn/4/const`), [n, 1, 1, 1]) as tf.Tensor4D
        : b.conv0!.conv(upsample2x(x!));
      x = b.epi0.apply(h, ws[2 * l]!, noise);
      x = b.epi1.apply(b.conv1.conv(x), ws[2 * l + 1]!, noise);
      out.push(x);
    }
    return out;
  }

  /**
   * Image at `level` (index) with fade-in `alpha` in [0, 1]; `ws` holds one w [N, wDim] per style
   * layer (at least 2 * (level + 1)). Output [N, res, res, 3], roughly in [-1, 1].
   */
  apply(ws: tf.Tensor2D[], level: number, alpha: number, noise: NoiseFn = noNoise): tf.Tensor4D {
    if (level < 0 || level >= this.levels) throw new Error(`level ${level} outside 0..${this.levels - 1}`);
    if (ws.length < 2 * (level + 1)) throw new Error(`synthesis at level ${level} needs ${2 * (level + 1)} w, got ${ws.length}`);
    const feats = this.features(ws, level, noise);
    const img = this.blocks[level]!.toRgb.apply(feats[level]!);
    if (level === 0 || alpha >= 1) return img;
    const prev = upsample2x(this.blocks[level - 1]!.toRgb.apply(feats[level - 1]!));
    return tf.add(tf.mul(img, alpha), tf.mul(prev, 1 - alpha)) as tf.Tensor4D;
  }
}
