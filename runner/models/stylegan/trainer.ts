/**
 * One StyleGAN training level's state and step: G, D, the EMA generator Gs, one Adam per network,
 * and the per-step randomness (z, style-mixing crossover, noise images, WGAN-GP mix weights), all
 * derived from (seed, level, step) so a resumed run repeats the uninterrupted one bit for bit.
 *
 * A step is StyleGAN's: one D update on (reals, G(z1)) then one G update on G(z2), then w_avg and
 * Gs updates. Variables of levels above the current one exist (networks are built for all levels)
 * but get no gradient. Scope: tensors in, numbers out; data loading and files are the stage's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { rngFor, Stream } from '../../training/rng.js';
import { Adam, type AdamOptions } from '../../training/adam.js';
import { Discriminator } from './discriminator.js';
import { Generator } from './generator.js';
import { discriminatorLoss, generatorLoss, type LossOptions, type LossResult } from './losses.js';
import { seededNoise } from './synthesis.js';
import { levelResolution, type StyleGanConfig } from './config.js';
import type { ParamSet } from './layers.js';
import { UserError } from '../../errors.js';

export interface TrainerOptions {
  level: number;
  batchSize: number;
  seed: number;
  loss: LossOptions;
  /** Probability of style mixing per batch (StyleGAN: 0.9). */
  mixingProb: number;
  /** w_avg decay (StyleGAN: 0.995). */
  wAvgBeta: number;
  /** Gs <- lerp(G, Gs, emaBeta) after each step. */
  emaBeta: number;
  /** Apply the R1 / gradient penalty every this many steps, weighted by it (1 = every step). */
  penaltyInterval?: number;
  adam: AdamOptions;
}

const S_ZD = Stream.user + 1;
const S_ZG = Stream.user + 2;
const S_MIX = Stream.user + 3;
const S_NOISE = Stream.user + 4;
const S_GP = Stream.user + 5;

export type StepTerms = Record<string, number>;

/** Trainable parameter names of a network at `level`: shared layers plus levels <= level. */
export function namesAtLevel(ps: ParamSet, level: number): string[] {
  const maxRes = levelResolution(level);
  return ps.names().filter((n) => {
    const m = /^[gd]\/(?:syn\/)?(\d+)\//.exec(n);
    return m ? Number(m[1]) <= maxRes : true;
  });
}

export function paramTensors(ps: ParamSet, prefix: string): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [n, v] of ps.vars) out[`${prefix}/${n}`] = v;
  return out;
}

/** Assigns every `prefix/name` tensor to the ParamSet; all of the set's names must be present. */
export function assignParams(ps: ParamSet, prefix: string, tensors: tf.NamedTensorMap, where: string): void {
  for (const [n, v] of ps.vars) {
    const t = tensors[`${prefix}/${n}`];
    if (!t) throw new UserError(`${where}: missing tensor ${prefix}/${n} (saved with a different model config?)`);
    if (t.shape.join('x') !== v.shape.join('x')) throw new UserError(`${where}: ${prefix}/${n} has shape ${t.shape} but the model needs ${v.shape}`);
    v.assign(t);
  }
}

export class StyleGanTrainer {
  readonly G: Generator;
  readonly D: Discriminator;
  readonly Gs: Generator;
  /** Optimisers over this level's parameters only (fresh per level: state reset, as in ProGAN). */
  readonly optG: Adam;
  readonly optD: Adam;

  constructor(readonly cfg: StyleGanConfig, readonly opts: TrainerOptions) {
    this.G = new Generator(cfg, opts.seed * 2 + 1);
    this.D = new Discriminator(cfg, opts.seed * 2 + 2);
    this.Gs = new Generator(cfg, opts.seed * 2 + 1);
    const pick = (ps: ParamSet): Map<string, tf.Variable> => new Map(namesAtLevel(ps, opts.level).map((n) => [n, ps.vars.get(n)!]));
    // In a tidy: Adam's constructor leaves its zerosLike initialisers as stray tensors otherwise.
    let optG: Adam | undefined, optD: Adam | undefined;
    tf.tidy(() => {
      optG = new Adam(pick(this.G.params), opts.adam);
      optD = new Adam(pick(this.D.params), opts.adam);
    });
    this.optG = optG!;
    this.optD = optD!;
  }

  private z(stream: number, step: number): tf.Tensor2D {
    const data = rngFor(this.opts.seed, stream, this.opts.level, step).normals(new Float32Array(this.opts.batchSize * this.cfg.zDim));
    return tf.tensor2d(data, [this.opts.batchSize, this.cfg.zDim]);
  }

  /** Per-layer w for a training batch, with style mixing (layers in use only decide the crossover). */
  private trainingWs(step: number, stream: number): tf.Tensor2D[] {
    const w1 = this.G.mapping.apply(this.z(stream, step));
    const rng = rngFor(this.opts.seed, S_MIX, this.opts.level, step, stream);
    const inUse = 2 * (this.opts.level + 1);
    if (this.opts.mixingProb > 0 && inUse > 1 && rng.next() < this.opts.mixingProb) {
      const w2 = this.G.mapping.apply(this.z(stream + 100, step));
      return this.G.mix(w1, w2, 1 + rng.int(inUse - 1));
    }
    return this.G.broadcast(w1);
  }

  private fakes(step: number, stream: number, alpha: number): tf.Tensor4D {
    const ws = this.trainingWs(step, stream);
    return this.G.synthesis.apply(ws, this.opts.level, alpha, seededNoise(rngFor(this.opts.seed, S_NOISE, this.opts.level, step, stream).int(2 ** 26)));
  }

  private update(opt: Adam, lossFn: () => LossResult, lr: number, keepTerms: (t: Record<string, tf.Scalar>) => void): void {
    const kept: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const r = lossFn();
      keepTerms(r.terms);
      kept.push(...(r.kept ?? []));
      return r.total;
    }, opt.varList());
    opt.apply(grads, lr);
    tf.dispose([value, ...Object.values(grads), ...kept]);
  }

  /**
   * One D + G step on `reals` ([N, res, res, 3] in [-1, 1], already alpha-blended). `emaBeta`
   * overrides the options' Gs decay for this step (the loop's EMA ramp-up).
   */
  step(reals: tf.Tensor4D, step: number, alpha: number, lr: number, emaBeta = this.opts.emaBeta): StepTerms {
    const level = this.opts.level;
    const terms: Record<string, tf.Scalar> = {};
    const keepTerms = (t: Record<string, tf.Scalar>): void => { for (const [k, v] of Object.entries(t)) terms[k] = tf.keep(tf.clone(v)); };
    const critics = {
      once: (x: tf.Tensor4D): tf.Tensor2D => this.D.apply(x, level, alpha, true),
      twice: (x: tf.Tensor4D): tf.Tensor2D => this.D.apply(x, level, alpha),
    };
    const every = this.opts.penaltyInterval ?? 1;
    const penaltyWeight = step % every === 0 ? every : 0;

    // D update: fakes are constants here (computed outside the tape).
    const fakesD = tf.tidy(() => this.fakes(step, S_ZD, alpha));
    let mixU: tf.Tensor4D | undefined;
    if (this.opts.loss.kind === 'wgan-gp' && penaltyWeight > 0) {
      const r = rngFor(this.opts.seed, S_GP, level, step);
      mixU = tf.tensor4d(Float32Array.from({ length: this.opts.batchSize }, () => r.next()), [this.opts.batchSize, 1, 1, 1]);
    }
    this.update(this.optD, () => discriminatorLoss(critics, reals, fakesD, this.opts.loss, mixU, penaltyWeight), lr, keepTerms);
    fakesD.dispose();
    mixU?.dispose();

    // G update.
    this.update(this.optG, () => generatorLoss(critics.once, this.fakes(step, S_ZG, alpha), this.opts.loss), lr, keepTerms);

    // w_avg from a fresh batch of w (no gradient), then the EMA generator.
    tf.tidy(() => this.G.updateWAvg(this.G.mapping.apply(this.z(S_ZG, step)), this.opts.wAvgBeta));
    this.updateEma(emaBeta);

    const out: StepTerms = {};
    for (const [k, v] of Object.entries(terms)) { out[k] = v.dataSync()[0]!; v.dispose(); }
    return out;
  }

  updateEma(beta = this.opts.emaBeta): void {
    tf.tidy(() => {
      for (const [n, g] of this.G.params.vars) {
        const s = this.Gs.params.vars.get(n)!;
        s.assign(tf.add(g, tf.mul(tf.sub(s, g), beta)));
      }
      this.Gs.wAvg.assign(this.G.wAvg);
    });
  }

  /** Copies G into Gs exactly (start of training at 4x4). */
  syncEma(): void {
    tf.tidy(() => {
      for (const [n, g] of this.G.params.vars) this.Gs.params.vars.get(n)!.assign(g);
      this.Gs.wAvg.assign(this.G.wAvg);
    });
  }

  /** Network weights (no optimiser state), keyed G/..., D/..., Gs/...: what a level hands to the next. */
  weights(): tf.NamedTensorMap {
    return { ...paramTensors(this.G.params, 'G'), ...paramTensors(this.D.params, 'D'), ...paramTensors(this.Gs.params, 'Gs'),
      'G/w_avg': this.G.wAvg, 'Gs/w_avg': this.Gs.wAvg };
  }

  /** EMA generator only (snapshots for FID curves and sampling). */
  samplerWeights(): tf.NamedTensorMap {
    return { ...paramTensors(this.Gs.params, 'Gs'), 'Gs/w_avg': this.Gs.wAvg };
  }

  /** Restores weights saved by `weights()`; `where` names the file in errors. */
  loadWeights(tensors: tf.NamedTensorMap, where: string): void {
    assignParams(this.G.params, 'G', tensors, where);
    assignParams(this.D.params, 'D', tensors, where);
    assignParams(this.Gs.params, 'Gs', tensors, where);
    for (const [k, v] of [['G/w_avg', this.G.wAvg], ['Gs/w_avg', this.Gs.wAvg]] as const) {
      const t = tensors[k];
      if (!t) throw new UserError(`${where}: missing ${k}`);
      v.assign(t);
    }
  }

  dispose(): void {
    this.G.dispose();
    this.D.dispose();
    this.Gs.dispose();
    this.optG.dispose();
    this.optD.dispose();
  }
}
