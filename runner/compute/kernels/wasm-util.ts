/**
 * Helpers for composing wasm kernels out of other wasm kernels without leaving the wasm heap:
 * call a registered kernel's function directly, view a tensor's bytes on the heap, free temporaries.
 * Scope: the minimal slice of BackendWasm we rely on (typed below), nothing model-specific.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The parts of @tensorflow/tfjs-backend-wasm's BackendWasm our kernels use. */
export interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

/** Stock kernel functions saved before we override any (so the stock path stays callable). */
const stock = new Map<string, tf.KernelConfig>();

export function saveStock(name: string): void {
  if (stock.has(name)) return;
  const k = tf.getKernel(name, 'wasm');
  if (k) stock.set(name, k);
}

/** The stock kernel config (its setupFunc already ran if the wasm backend was initialised first). */
export function stockKernel(name: string): tf.KernelConfig | undefined {
  return stock.get(name);
}

/** Runs the wasm kernel registered under `name` (ours if we replaced it) on heap tensors. */
export function call(name: string, backend: WasmBackend, inputs: Record<string, tf.TensorInfo>, attrs: object = {}): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} not registered`);
  const out = k.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]);
  return (Array.isArray(out) ? out[0] : out) as tf.TensorInfo;
}

export function free(backend: WasmBackend, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** Float32 view of a tensor on the wasm heap. Take it after the last allocation (the heap may grow). */
export function f32(backend: WasmBackend, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}
