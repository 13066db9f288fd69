/**
 * GAN losses on critic scores, each returning the scalar to minimise plus named terms for logging.
 *
 * 'logistic-r1' (StyleGAN): G = softplus(-D(fake)); D = softplus(D(fake)) + softplus(-D(real))
 *   + r1Gamma/2 * |dD(real)/dreal|^2 (R1 on reals only).
 * 'wgan-gp' (ProGAN): G = -D(fake); D = D(fake) - D(real)
 *   + gpLambda * (|dD(x_hat)/dx_hat| - gpTarget)^2 / gpTarget^2 + driftEps * D(real)^2,
 *   x_hat = lerp(real, fake, u), u ~ U(0,1) per sample (passed in, so it is seeded by the caller).
 * All terms are batch means. The penalties differentiate D twice; every op D uses is checked for
 * that in test/stylegan/second-derivative.test.ts. Terms differentiated once go through the
 * critic's first-order op set (`Critics.once`, faster kernels), the penalties through `twice`.
 * Lazy regularisation (StyleGAN2): with `penalty.weight` = N the caller applies the penalty on
 * every N-th step only, weighted by N, so its expected contribution per step is unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';

export type LossKind = 'logistic-r1' | 'wgan-gp';

export interface LossOptions {
  kind: LossKind;
  r1Gamma: number;
  gpLambda: number;
  gpTarget: number;
  driftEps: number;
}

export const defaultLoss: LossOptions = { kind: 'logistic-r1', r1Gamma: 10, gpLambda: 10, gpTarget: 1, driftEps: 0.001 };

export type Critic = (x: tf.Tensor4D) => tf.Tensor2D;

/** The same critic as two op sets: `once` for terms differentiated once, `twice` for penalties. */
export interface Critics {
  once: Critic;
  twice: Critic;
}

export interface LossResult {
  total: tf.Scalar;
  terms: Record<string, tf.Scalar>;
  /** Tensors kept alive past tidy scopes; the caller disposes them after the gradient step. */
  kept?: tf.Tensor[];
}

export function generatorLoss(critic: Critic, fakes: tf.Tensor4D, opts: LossOptions): LossResult {
  const s = critic(fakes);
  const total = (opts.kind === 'wgan-gp' ? tf.neg(tf.mean(s)) : tf.mean(tf.softplus(tf.neg(s)))) as tf.Scalar;
  return { total, terms: { g_loss: total } };
}

/** Per-sample squared gradient norm of the critic at x: [N]. */
function gradNormSq(critic: Critic, x: tf.Tensor4D): tf.Tensor1D {
  const g = tf.grad((xx: tf.Tensor) => tf.sum(critic(xx as tf.Tensor4D)))(x);
  return tf.sum(tf.square(g), [1, 2, 3]) as tf.Tensor1D;
}

/**
 * Critic scores at x and the per-sample squared norm of their input gradient, from one critic
 * evaluation: the scores are taken (and kept) from inside the gradient's forward pass, where they
 * are on the tape, so the outer gradient flows through them too.
 */
function scoresAndGradNormSq(critic: Critic, x: tf.Tensor4D): { scores: tf.Tensor2D; normSq: tf.Tensor1D } {
  let scores: tf.Tensor2D | undefined;
  const g = tf.grad((xx: tf.Tensor) => {
    scores = tf.keep(critic(xx as tf.Tensor4D));
    return tf.sum(scores);
  })(x);
  return { scores: scores!, normSq: tf.sum(tf.square(g), [1, 2, 3]) as tf.Tensor1D };
}

/**
 * `mixU` [N,1,1,1] in [0,1): only used by wgan-gp. `penaltyWeight`: 0 skips the R1 / gradient
 * penalty this step (lazy regularisation), k > 0 multiplies it by k.
 */
export function discriminatorLoss(critics: Critics, reals: tf.Tensor4D, fakes: tf.Tensor4D, opts: LossOptions, mixU?: tf.Tensor4D, penaltyWeight = 1): LossResult {
  if (opts.kind === 'logistic-r1') {
    const sf = critics.once(fakes);
    const withR1 = opts.r1Gamma > 0 && penaltyWeight > 0 ? scoresAndGradNormSq(critics.twice, reals) : null;
    const sr = withR1 ? withR1.scores : critics.once(reals);
    const adv = tf.add(tf.mean(tf.softplus(sf)), tf.mean(tf.softplus(tf.neg(sr)))) as tf.Scalar;
    const terms: Record<string, tf.Scalar> = { d_loss: adv, real_score: tf.mean(sr), fake_score: tf.mean(sf) };
    if (!withR1) return { total: adv, terms };
    const r1 = (terms['r1'] = tf.mean(withR1.normSq) as tf.Scalar);
    return { total: tf.add(adv, tf.mul(r1, opts.r1Gamma * 0.5 * penaltyWeight)) as tf.Scalar, terms, kept: [sr] };
  }
  const sr = critics.once(reals);
  const sf = critics.once(fakes);
  const wdist = tf.sub(tf.mean(sf), tf.mean(sr)) as tf.Scalar;
  const drift = tf.mean(tf.square(sr)) as tf.Scalar;
  const terms: Record<string, tf.Scalar> = { d_loss: wdist, drift, real_score: tf.mean(sr), fake_score: tf.mean(sf) };
  const base = tf.add(wdist, tf.mul(drift, opts.driftEps)) as tf.Scalar;
  if (penaltyWeight <= 0 || opts.gpLambda <= 0) return { total: base, terms };
  if (!mixU) throw new Error('wgan-gp needs per-sample interpolation weights');
  const xHat = tf.add(reals, tf.mul(tf.sub(fakes, reals), mixU)) as tf.Tensor4D;
  const norm = tf.sqrt(tf.add(gradNormSq(critics.twice, xHat), 1e-12));
  const gp = (terms['gp'] = tf.div(tf.mean(tf.square(tf.sub(norm, opts.gpTarget))), opts.gpTarget ** 2) as tf.Scalar);
  return { total: tf.add(base, tf.mul(gp, opts.gpLambda * penaltyWeight)) as tf.Scalar, terms };
}
