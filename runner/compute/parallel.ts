/**
 * Data-parallel training on CPU cores: the wasm backend is single-threaded in Node, so with
 * `workers: W` the batch is split into W contiguous shards; the main thread computes shard 0 on its
 * master model and W-1 worker_threads (each its own wasm backend and model replica) the others.
 * The main thread sums the shard gradients in shard order
 * (weights n_k/N, Float32, fixed order: bit-reproducible for a fixed worker count), applies the
 * phase's optimizer to its master copy, and publishes the new weights through a SharedArrayBuffer;
 * workers re-read only the groups that changed. `workers <= 1` runs the same computation in
 * process, without threads or copies.
 *
 * Plug a model in with two modules (see docs/compute.md, "Data-parallel training"): a factory
 * export returning {groups: {name: Variable[]}} and one loss export per phase. Not here: data
 * loading, schedules, checkpoints (the training stage owns them; it can read `model` on main).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendInfo, type BackendRequest } from './backend.js';
import { importExport, runLoss } from './parallel-shared.js';
import {
  layoutOf, type LayoutEntry, type LossContext, type LossFn, type ModelFactory, type ModuleRef, type PhaseSpec,
  type ReplicaModel, type StepMessage, type WireArray, type WorkerReply,
} from './parallel-protocol.js';

export type { LossContext, LossFn, LossResult, ModelFactory, ModuleRef, PhaseSpec, ReplicaModel } from './parallel-protocol.js';

/**
 * What applies a phase's averaged gradients (keyed by the main model's tf.Variable.name): a
 * tf.Optimizer, or a wrapper such as `{ applyGradients: (g) => adam.apply(g, lrNow()) }`.
 */
export interface GradientApplier {
  /** Typed like tf.Optimizer's (tfjs declares the gradients as Variables; they are plain tensors). */
  applyGradients(grads: Record<string, tf.Variable>): void;
  dispose?(): void;
}

export interface ParallelOptions {
  /** Shards per step = 1 (main thread) + worker threads; 0 or 1 computes in process only. */
  workers: number;
  /** Any backend request (default 'wasm'); worker threads need it to resolve to wasm or cpu. */
  backend?: BackendRequest;
  model: ModuleRef & { args?: unknown };
  /**
   * Training phases by name (e.g. {vae: ...} or {d: ..., g: ...}) with a factory for the optimizer
   * each uses, given the main thread's master model (called once after the backend is up: tfjs
   * optimizers allocate tensors when built).
   */
  phases: Record<string, PhaseSpec & { optimizer: (master: ReplicaModel) => GradientApplier }>;
  /** Seed mixed into every LossContext.seed. */
  seed?: number;
}

export interface StepResult {
  /** Batch-weighted mean of the shard losses (and metrics). */
  loss: number;
  metrics: Record<string, number>;
  /** Rows in the batch. */
  n: number;
}

/** A batch: every input shares its first dimension (rows), which is what gets split. */
export type Batch = Record<string, tf.Tensor>;

interface Slot {
  worker: Worker;
  grads: Float32Array;
  dirty: Set<string>;
  pending?: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };
}

export class ParallelTrainer {
  private steps = new Map<string, number>();
  /** The optimizer of each phase (on the main thread; read its state for checkpoints). */
  readonly optimizers: Record<string, GradientApplier>;
  private constructor(
    private readonly opts: ParallelOptions,
    /** The master model on the main thread (read it for sampling, evaluation, checkpoints). */
    readonly model: ReplicaModel,
    private readonly layout: LayoutEntry[],
    private readonly losses: Record<string, LossFn>,
    private readonly slots: Slot[],
    private readonly weights: Float32Array | undefined,
    readonly backend: BackendInfo,
  ) {
    this.optimizers = Object.fromEntries(Object.entries(opts.phases).map(([k, p]) => [k, p.optimizer(model)]));
  }

  static async create(opts: ParallelOptions): Promise<ParallelTrainer> {
    const backend = await initBackend(opts.backend ?? 'wasm');
    const model = await (await importExport<ModelFactory>(opts.model))(opts.model.args);
    const layout = layoutOf(model);
    const losses: Record<string, LossFn> = {};
    for (const [name, p] of Object.entries(opts.phases)) {
      if (!model.groups[p.group]) throw new Error(`parallel: phase ${name} trains unknown group '${p.group}'`);
      losses[name] = await importExport<LossFn>(p.loss);
    }
    if (opts.workers <= 1) return new ParallelTrainer(opts, model, layout, losses, [], undefined, backend);
    if (backend.backend !== 'wasm' && backend.backend !== 'cpu') {
      throw new Error(`parallel: worker threads need the wasm or cpu backend, not '${backend.backend}' (use planWorkers)`);
    }
    const threadBackend = backend.backend;

    const total = layout.reduce((a, e) => a + e.size, 0);
    const weightsSab = new SharedArrayBuffer(total * 4);
    const weights = new Float32Array(weightsSab);
    const slots: Slot[] = [];
    const phases = Object.fromEntries(Object.entries(opts.phases).map(([k, p]) => [k, { loss: p.loss, group: p.group }]));
    const t = new ParallelTrainer(opts, model, layout, losses, slots, weights, backend);
    t.publish(Object.keys(model.groups));
    for (let k = 0; k < opts.workers - 1; k++) {
      const gradsSab = new SharedArrayBuffer(total * 4);
      const worker = new Worker(new URL('./parallel-worker.js', import.meta.url));
      const slot: Slot = { worker, grads: new Float32Array(gradsSab), dirty: new Set(Object.keys(model.groups)) };
      worker.on('message', (m: WorkerReply) => { const p = slot.pending; slot.pending = undefined; p?.resolve(m); });
      worker.on('error', (e) => { const p = slot.pending; slot.pending = undefined; p?.reject(e); });
      worker.on('exit', (code) => { const p = slot.pending; slot.pending = undefined; p?.reject(new Error(`parallel worker ${k + 1} exited (${code})`)); });
      slots.push(slot);
    }
    try {
      const ready = await Promise.all(slots.map((s) => t.send(s, { type: 'init', backend: threadBackend, model: opts.model, phases, weights: weightsSab, grads: s.grads.buffer as SharedArrayBuffer })));
      for (const r of ready) {
        if (r.type === 'error') throw new Error(`parallel worker failed to initialise: ${r.message}`);
        if (r.type !== 'ready') throw new Error('parallel: worker did not initialise');
        if (JSON.stringify(r.layout) !== JSON.stringify(layout)) throw new Error('parallel: worker model layout differs from the main thread (non-deterministic factory?)');
      }
    } catch (e) {
      await t.dispose();
      throw e;
    }
    return t;
  }

  /** Shards per step: the main thread plus the worker threads. */
  get workers(): number { return this.slots.length + 1; }

  /** One optimizer step of `phase` on `batch` (split by rows across workers). Does not dispose `batch`. */
  async step(phase: string, batch: Batch): Promise<StepResult> {
    const spec = this.opts.phases[phase];
    if (!spec) throw new Error(`parallel: unknown phase '${phase}'`);
    const step = this.steps.get(phase) ?? 0;
    this.steps.set(phase, step + 1);
    const n = rowsOf(batch);
    const vars = this.model.groups[spec.group]!;
    // The main thread computes shard 0 itself (it would idle otherwise); worker k computes shard k+1.
    const shards = this.slots.length + 1;
    const ctx = (shard: number): LossContext => ({ step, shard, shards, seed: mixSeed(this.opts.seed ?? 0, phase, step, shard) });
    const bounds = splitRows(n, shards);
    const pending = this.slots.map((s, k) => {
      const inputs = sliceRows(batch, ...bounds[k + 1]!);
      const refresh = [...s.dirty];
      s.dirty.clear();
      const msg: StepMessage = { type: 'step', phase, ctx: ctx(k + 1), inputs, refresh };
      return this.send(s, msg, Object.values(inputs).map((a) => a.data.buffer as ArrayBuffer));
    });
    let local;
    try {
      const mine = shards === 1 ? batch : sliceTensors(batch, ...bounds[0]!);
      try {
        local = runLoss(this.losses[phase]!, this.model, mine, ctx(0), vars);
      } finally {
        if (mine !== batch) tf.dispose(Object.values(mine));
      }
    } catch (e) {
      await Promise.allSettled(pending); // no late reply may resolve a later step's promise
      throw e;
    }
    const replies = await Promise.all(pending);

    // Fixed-order weighted sum (shard 0, 1, ...): identical bits for a fixed worker count.
    const entries = this.layout.filter((e) => e.group === spec.group);
    const acc = entries.map((e) => new Float32Array(e.size));
    let loss = 0;
    const metrics: Record<string, number> = {};
    const add = (k: number, r: { loss: number; metrics: Record<string, number> }, g: (i: number, e: LayoutEntry) => Float32Array, at: (e: LayoutEntry) => number) => {
      const w = (bounds[k]![1] - bounds[k]![0]) / n;
      loss += w * r.loss;
      for (const [m, v] of Object.entries(r.metrics)) metrics[m] = (metrics[m] ?? 0) + w * v;
      entries.forEach((e, i) => {
        const a = acc[i]!, src = g(i, e), o = at(e);
        for (let j = 0; j < e.size; j++) a[j]! += w * src[o + j]!;
      });
    };
    add(0, local, (i) => local.grads[i]!, () => 0);
    replies.forEach((r, k) => {
      if (r.type !== 'done') throw new Error(r.type === 'error' ? `parallel worker ${k + 1}: ${r.message}` : 'parallel: bad reply');
      add(k + 1, r, () => this.slots[k]!.grads, (e) => e.offset);
    });
    const grads = entries.map((e, i) => tf.tensor(acc[i]!, e.shape));
    const named: tf.NamedTensorMap = {};
    vars.forEach((v, i) => { named[v.name] = grads[i]!; });
    this.optimizers[phase]!.applyGradients(named as Record<string, tf.Variable>);
    tf.dispose(grads);
    if (this.slots.length) {
      this.publish([spec.group]);
      for (const s of this.slots) s.dirty.add(spec.group);
    }
    return { loss, metrics, n };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
    for (const o of Object.values(this.optimizers)) o.dispose?.();
  }

  private publish(groups: string[]): void {
    for (const e of this.layout) {
      if (!groups.includes(e.group)) continue;
      this.weights!.set(this.model.groups[e.group]![e.index]!.dataSync() as Float32Array, e.offset);
    }
  }

  private send(s: Slot, msg: object, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      s.pending = { resolve, reject };
      s.worker.postMessage(msg, transfer);
    });
  }
}

function rowsOf(batch: Batch): number {
  const ns = new Set(Object.values(batch).map((t) => t.shape[0]));
  if (ns.size !== 1) throw new Error(`parallel: batch inputs disagree on rows: ${[...ns].join(', ')}`);
  return [...ns][0]!;
}

/**
 * Shards a training stage should use for `compute.workers` on the selected backend: 1 on
 * 'tensorflow' (libtensorflow already uses every core, and ParallelTrainer runs wasm/cpu only),
 * else the request capped at the cores Node reports. The reason goes to ctx.setEnv.
 */
export function planWorkers(requested: number, backend: string, cores = availableParallelism()): { workers: number; reason: string } {
  if (backend === 'tensorflow') return { workers: 1, reason: 'native TensorFlow is multi-threaded: no worker threads' };
  const workers = Math.max(1, Math.min(Math.floor(requested), cores));
  return { workers, reason: workers < requested ? `${requested} requested, capped at ${cores} cores` : `${workers} as requested` };
}

/** Contiguous near-equal shards [start, end) in worker order. */
export function splitRows(n: number, k: number): Array<[number, number]> {
  if (n < k) throw new Error(`parallel: batch of ${n} rows cannot feed ${k} workers`);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < k; i++) out.push([Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)]);
  return out;
}

function sliceTensors(batch: Batch, a: number, b: number): Batch {
  const out: Batch = {};
  for (const [k, t] of Object.entries(batch)) out[k] = tf.slice(t, a, b - a);
  return out;
}

function sliceRows(batch: Batch, a: number, b: number): Record<string, WireArray> {
  const out: Record<string, WireArray> = {};
  for (const [k, t] of Object.entries(batch)) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new Error(`parallel: input ${k} has dtype ${t.dtype}`);
    const row = t.size / t.shape[0]!;
    const all = t.dataSync() as Float32Array | Int32Array;
    out[k] = { shape: [b - a, ...t.shape.slice(1)], dtype: t.dtype, data: all.slice(a * row, b * row) };
  }
  return out;
}

/** 32-bit seed from (seed, phase, step, shard) (FNV-1a). */
function mixSeed(seed: number, phase: string, step: number, shard: number): number {
  let h = 0x811c9dc5;
  for (const c of `${seed}:${phase}:${step}:${shard}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
