/**
 * Pieces both sides of the data-parallel trainer run: loading a module export by path, and one
 * loss + gradient evaluation returning plain arrays (so the in-process path and the worker path
 * compute exactly the same thing).
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { LossContext, LossFn, ModuleRef, ReplicaModel } from './parallel-protocol.js';

export async function importExport<T>(ref: ModuleRef): Promise<T> {
  const url = /^[a-z]+:/i.test(ref.module) ? ref.module : isAbsolute(ref.module) ? pathToFileURL(ref.module).href : undefined;
  if (!url) throw new Error(`parallel: module path must be absolute or a URL: ${ref.module}`);
  const mod = (await import(url)) as Record<string, unknown>;
  const fn = mod[ref.export];
  if (typeof fn !== 'function') throw new Error(`parallel: ${ref.module} has no function export '${ref.export}'`);
  return fn as T;
}

export interface LossEval {
  loss: number;
  metrics: Record<string, number>;
  /** Gradients in `vars` order (zeros for a variable the loss does not touch). */
  grads: Float32Array[];
}

export function runLoss(fn: LossFn, model: ReplicaModel, batch: Record<string, tf.Tensor>, ctx: LossContext, vars: tf.Variable[]): LossEval {
  const metricTensors: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const r = fn(model, batch, ctx);
    if (r instanceof tf.Tensor) return r;
    for (const [k, m] of Object.entries(r.metrics ?? {})) metricTensors[k] = tf.keep(m);
    return r.loss;
  }, vars);
  const out: LossEval = {
    loss: value.dataSync()[0]!,
    metrics: Object.fromEntries(Object.entries(metricTensors).map(([k, t]) => [k, t.dataSync()[0]!])),
    grads: vars.map((v) => (grads[v.name] ? (grads[v.name]!.dataSync() as Float32Array) : new Float32Array(v.size))),
  };
  tf.dispose([value, ...Object.values(grads), ...Object.values(metricTensors)]);
  return out;
}
