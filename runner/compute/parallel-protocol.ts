/**
 * Types shared by the data-parallel trainer (parallel.ts) and its worker (parallel-worker.ts):
 * the user-facing module contract (model factory, loss functions) and the wire messages.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** What a model factory returns: trainable variables in named groups (e.g. {all}, or {g, d} for a GAN). */
export interface ReplicaModel {
  /** Variable order inside a group is the wire order: the factory must build them in a fixed order. */
  groups: Record<string, tf.Variable[]>;
}

/** `export function makeModel(args): ReplicaModel | Promise<ReplicaModel>`; args must be structured-cloneable. */
export type ModelFactory = (args: unknown) => ReplicaModel | Promise<ReplicaModel>;

export interface LossContext {
  /** Trainer step counter (per phase), 0-based. */
  step: number;
  /** This shard's index and the number of shards (= workers). */
  shard: number;
  shards: number;
  /** Seed for this (step, shard): use it for noise/latents so runs are reproducible. */
  seed: number;
}

/** Scalar loss (mean over this shard), optionally with scalar metrics averaged like the loss. */
export type LossResult = tf.Scalar | { loss: tf.Scalar; metrics?: Record<string, tf.Scalar> };

/** `export function vaeLoss(model, batch, ctx): LossResult`, called inside tf.variableGrads. */
export type LossFn = (model: ReplicaModel, batch: Record<string, tf.Tensor>, ctx: LossContext) => LossResult;

/** A module export by path (absolute path or file: URL) and name. */
export interface ModuleRef {
  module: string;
  export: string;
}

export interface PhaseSpec {
  loss: ModuleRef;
  /** The variable group this phase trains. */
  group: string;
}

/** One array travelling to a worker (a shard of one batch input). */
export interface WireArray {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface InitMessage {
  type: 'init';
  backend: 'wasm' | 'cpu';
  model: ModuleRef & { args?: unknown };
  phases: Record<string, PhaseSpec>;
  /** Shared weights (all groups, layout order) and this worker's gradient buffer. */
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
}

export interface StepMessage {
  type: 'step';
  phase: string;
  ctx: LossContext;
  inputs: Record<string, WireArray>;
  /** Groups whose weights changed since this worker last read them. */
  refresh: string[];
}

export type WorkerReply =
  | { type: 'ready'; layout: LayoutEntry[]; backend: string; reason: string }
  | { type: 'done'; loss: number; metrics: Record<string, number> }
  | { type: 'error'; message: string };

/** Where a variable lives in the flat shared buffers. */
export interface LayoutEntry {
  group: string;
  index: number;
  shape: number[];
  offset: number;
  size: number;
}

export function layoutOf(model: ReplicaModel): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  let offset = 0;
  for (const group of Object.keys(model.groups).sort()) {
    model.groups[group]!.forEach((v, index) => {
      const size = v.size;
      out.push({ group, index, shape: v.shape.slice(), offset, size });
      offset += size;
    });
  }
  return out;
}
