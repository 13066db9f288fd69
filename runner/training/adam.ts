/**
 * Adam with a per-step learning rate and exactly restorable state, for any set of named
 * tf.Variables (VAE, StyleGAN generator or discriminator).
 *
 * Why not tf.train.adam: its bias-correction accumulators are float32 running products that
 * `setWeights` rebuilds with pow(), so a restored optimiser drifts from an uninterrupted one in the
 * last bits, and its learning rate is fixed at construction. Here the bias correction is computed
 * in float64 from the step count, and the state is just (step, m, v), saved bit-exactly.
 *
 * Update (Kingma & Ba, with the "epsilon hat" form tf/keras use):
 *   t = step + 1, m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
 *   w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export class Adam {
  /** Number of updates applied so far. */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  /** tf.Variable.name -> our stable name, to map variableGrads' result. */
  private readonly byVarName = new Map<string, string>();

  constructor(readonly vars: Map<string, tf.Variable>, readonly opts: AdamOptions) {
    for (const [name, w] of vars) {
      // tidy: disposes the zerosLike temporaries (variables survive a tidy).
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(w), false)));
      this.byVarName.set(w.name, name);
    }
  }

  /** The variables to pass to tf.variableGrads, in a fixed order. */
  varList(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Applies one update from tf.variableGrads' `grads` (keyed by tf.Variable.name); disposes nothing it did not create. */
  apply(grads: tf.NamedTensorMap, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon } = this.opts;
    const t = this.step + 1;
    const lrT = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
    tf.tidy(() => {
      for (const [varName, g] of Object.entries(grads)) {
        const name = this.byVarName.get(varName);
        if (!name) throw new Error(`Adam: gradient for unknown variable ${varName}`);
        const w = this.vars.get(name)!, m = this.m.get(name)!, v = this.v.get(name)!;
        const m1 = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(m1);
        v.assign(v1);
        w.assign(tf.sub(w, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsilon)), lrT)));
      }
    });
    this.step = t;
  }

  /** Moments keyed "m/<name>" and "v/<name>" (the step travels in the snapshot's position). */
  state(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [name, t] of this.m) out[`m/${name}`] = t;
    for (const [name, t] of this.v) out[`v/${name}`] = t;
    return out;
  }

  /** Restores moments saved by `state()` and the step count. */
  load(state: tf.NamedTensorMap, step: number): void {
    for (const [prefix, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, t] of map) {
        const s = state[`${prefix}/${name}`];
        if (!s) throw new Error(`optimizer state lacks ${prefix}/${name}`);
        t.assign(s);
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
