/**
 * Worker thread of the data-parallel trainer (parallel.ts). Holds a replica of the model on its own
 * wasm (or cpu) backend; per step it refreshes changed weight groups from the shared weights
 * buffer, computes the phase's loss and gradients on its shard, and writes the gradients into its
 * shared gradient buffer in layout order. It never updates weights itself: the main thread owns
 * the optimizer, so replicas cannot drift.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './backend.js';
import { importExport, runLoss } from './parallel-shared.js';
import {
  layoutOf, type InitMessage, type LayoutEntry, type LossFn, type ModelFactory, type ReplicaModel,
  type StepMessage, type WorkerReply,
} from './parallel-protocol.js';

interface State {
  model: ReplicaModel;
  layout: LayoutEntry[];
  losses: Record<string, { fn: LossFn; group: string }>;
  weights: Float32Array;
  grads: Float32Array;
}

let state: State | undefined;
const port = parentPort!;
const reply = (m: WorkerReply) => port.postMessage(m);

port.on('message', (msg: InitMessage | StepMessage) => {
  handle(msg).catch((e: unknown) => reply({ type: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
});

async function handle(msg: InitMessage | StepMessage): Promise<void> {
  if (msg.type === 'init') {
    const info = await initBackend(msg.backend);
    const factory = await importExport<ModelFactory>(msg.model);
    const model = await factory(msg.model.args);
    const losses: State['losses'] = {};
    for (const [name, p] of Object.entries(msg.phases)) losses[name] = { fn: await importExport<LossFn>(p.loss), group: p.group };
    const layout = layoutOf(model);
    state = { model, layout, losses, weights: new Float32Array(msg.weights), grads: new Float32Array(msg.grads) };
    reply({ type: 'ready', layout, backend: info.backend, reason: info.reason });
    return;
  }
  const s = state;
  if (!s) throw new Error('parallel worker: step before init');
  for (const e of s.layout) {
    if (!msg.refresh.includes(e.group)) continue;
    const v = s.model.groups[e.group]![e.index]!;
    tf.tidy(() => v.assign(tf.tensor(s.weights.slice(e.offset, e.offset + e.size), e.shape)));
  }
  const phase = s.losses[msg.phase];
  if (!phase) throw new Error(`parallel worker: unknown phase ${msg.phase}`);
  const batch: Record<string, tf.Tensor> = {};
  for (const [k, a] of Object.entries(msg.inputs)) batch[k] = tf.tensor(a.data, a.shape, a.dtype);
  const vars = s.model.groups[phase.group]!;
  let r;
  try {
    r = runLoss(phase.fn, s.model, batch, msg.ctx, vars);
  } finally {
    tf.dispose(Object.values(batch));
  }
  for (const e of s.layout) {
    if (e.group !== phase.group) continue;
    s.grads.set(r.grads[e.index]!, e.offset);
  }
  reply({ type: 'done', loss: r.loss, metrics: r.metrics });
}
