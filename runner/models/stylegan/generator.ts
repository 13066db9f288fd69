/**
 * The style-based generator: mapping + synthesis + the running average of w (w_avg, for the
 * truncation trick), style mixing for training, and truncation (psi, cutoff) for sampling.
 *
 * Scope: forward functions and the w bookkeeping. Not: losses, optimisers, EMA of weights
 * (training.ts), file formats (checkpoint.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParamSet } from './layers.js';
import { Mapping } from './mapping.js';
import { Synthesis, noNoise, type NoiseFn } from './synthesis.js';
import type { StyleGanConfig } from './config.js';

export interface SampleOptions {
  /** Truncation strength: w' = w_avg + psi (w - w_avg); 1 = off. */
  psi?: number;
  /** Truncate only style layers < cutoff (StyleGAN: 8, the coarse layers); default all. */
  cutoff?: number;
  /** Noise images; default none (deterministic). Pass `seededNoise(seed)` for the trained distribution (FID). */
  noise?: NoiseFn;
}

export class Generator {
  readonly params: ParamSet;
  readonly mapping: Mapping;
  readonly synthesis: Synthesis;
  /** Running average of w (not trained by gradients; updated by `updateWAvg`). */
  readonly wAvg: tf.Variable;

  constructor(readonly cfg: StyleGanConfig, seed: number) {
    this.params = new ParamSet(seed);
    this.mapping = new Mapping(this.params, cfg);
    this.synthesis = new Synthesis(this.params, cfg);
    const zero = tf.zeros([cfg.wDim]);
    this.wAvg = tf.variable(zero, false);
    zero.dispose();
  }

  get numLayers(): number { return this.synthesis.numLayers; }

  /** Same w for every style layer. */
  broadcast(w: tf.Tensor2D): tf.Tensor2D[] {
    return Array.from({ length: this.numLayers }, () => w);
  }

  /**
   * Style mixing regularisation: layers < crossover take w1, the rest w2. `crossover` is drawn by
   * the caller (seeded) in [1, layersInUse) with probability mixingProb, else numLayers (no mix).
   */
  mix(w1: tf.Tensor2D, w2: tf.Tensor2D, crossover: number): tf.Tensor2D[] {
    return Array.from({ length: this.numLayers }, (_, k) => (k < crossover ? w1 : w2));
  }

  /** Truncation toward w_avg for layers < cutoff. */
  truncate(ws: tf.Tensor2D[], psi: number, cutoff = this.numLayers): tf.Tensor2D[] {
    if (psi === 1) return ws;
    return ws.map((w, k) => (k < cutoff ? tf.add(this.wAvg, tf.mul(tf.sub(w, this.wAvg), psi)) as tf.Tensor2D : w));
  }

  /** w_avg <- lerp(mean_batch(w), w_avg, beta) (StyleGAN's dlatent_avg, beta 0.995). */
  updateWAvg(w: tf.Tensor2D, beta = 0.995): void {
    tf.tidy(() => { this.wAvg.assign(tf.add(tf.mean(w, 0), tf.mul(tf.sub(this.wAvg, tf.mean(w, 0)), beta))); });
  }

  /** Images from z at a level, with optional truncation (evaluation and sample grids). */
  sample(z: tf.Tensor2D, level: number, alpha: number, opts: SampleOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const ws = this.truncate(this.broadcast(this.mapping.apply(z)), opts.psi ?? 1, opts.cutoff);
      return this.synthesis.apply(ws, level, alpha, opts.noise ?? noNoise);
    });
  }

  dispose(): void {
    this.params.dispose();
    this.wAvg.dispose();
  }
}
