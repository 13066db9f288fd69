/**
 * Adam over a ParamSet's variables with explicit, serialisable state (StyleGAN: beta1 0,
 * beta2 0.99, eps 1e-8). A new level starts a new Adam (state reset), as in ProGAN/StyleGAN.
 * Own implementation rather than tf.train.adam so the moments can be snapshotted by parameter
 * name and restored bit for bit on resume.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions { beta1: number; beta2: number; eps: number }

export class Adam {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  /** Number of updates applied (for bias correction). */
  t = 0;

  constructor(readonly opts: AdamOptions) {}

  /** Applies one update to `vars` (by name) from `grads` (by the same names). */
  apply(vars: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.t++;
    const { beta1, beta2, eps } = this.opts;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      for (const [name, g] of grads) {
        const p = vars.get(name)!;
        if (!this.m.has(name)) {
          this.m.set(name, tf.variable(tf.zerosLike(p), false));
          this.v.set(name, tf.variable(tf.zerosLike(p), false));
        }
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const step = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        p.assign(tf.sub(p, tf.mul(step, lr)));
      }
    });
  }

  /** Moments as named tensors (prefix/m/name, prefix/v/name) for snapshots. */
  state(prefix: string): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [n, t] of this.m) out.set(`${prefix}/m/${n}`, t);
    for (const [n, t] of this.v) out.set(`${prefix}/v/${n}`, t);
    return out;
  }

  load(prefix: string, tensors: Map<string, { shape: number[]; data: Float32Array }>, t: number): void {
    this.dispose();
    this.t = t;
    for (const [key, val] of tensors) {
      for (const which of ['m', 'v'] as const) {
        const pre = `${prefix}/${which}/`;
        if (key.startsWith(pre)) (which === 'm' ? this.m : this.v).set(key.slice(pre.length), variableFrom(val.data, val.shape));
      }
    }
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
    this.t = 0;
  }
}

/** A non-trainable variable holding a copy of `data` (no stray tensor left behind). */
export function variableFrom(data: Float32Array, shape: number[], trainable = false): tf.Variable {
  const t = tf.tensor(data, shape, 'float32');
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}
