/**
 * StyleGAN mapping network: z -> pixel norm -> `mappingLayers` equalized-lr dense layers with
 * leaky ReLU and a learning-rate multiplier (0.01) -> w. Scope: the function only; the running
 * average of w, truncation and style mixing live in generator.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EqDense, ParamSet, lrelu, pixelNorm } from './layers.js';
import type { StyleGanConfig } from './config.js';

export class Mapping {
  private readonly layers: EqDense[] = [];

  constructor(p: ParamSet, cfg: StyleGanConfig) {
    let inF = cfg.zDim;
    for (let i = 0; i < cfg.mappingLayers; i++) {
      const outF = i === cfg.mappingLayers - 1 ? cfg.wDim : cfg.mappingWidth;
      this.layers.push(new EqDense(p, `g/map/${i}`, inF, outF, { lrmul: cfg.mappingLrMul }));
      inF = outF;
    }
  }

  apply(z: tf.Tensor2D): tf.Tensor2D {
    let x = pixelNorm(z) as tf.Tensor2D;
    for (const l of this.layers) x = lrelu(l.apply(x)) as tf.Tensor2D;
    return x;
  }
}
