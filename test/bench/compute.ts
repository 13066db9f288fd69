/**
 * Benchmark: convolution kernels and small-net training on the CPU backends.
 *
 * 1. GFLOP/s of conv2d forward, backprop-input (dx) and backprop-filter (dW) for two VAE-like
 *    layers (batch 32: 64x64x32 -> 32x32x64 4x4 stride 2 'same'; 32x32x64 -> 32x32x64 3x3 stride 1)
 *    on wasm stock, wasm with our kernels, and the pure-JS cpu backend (cpu at batch 1: its dW is
 *    ~1000x slower; GFLOP/s is per FLOP, so the rates compare). Median of 5 timed runs (each after a warm-up call), stock and ours alternating.
 * 2. Training steps/s and images/s of the 3-layer conv net in test/compute/fixtures/tiny-conv.ts
 *    (32x32x3, width 32, batch 32, Adam) on wasm in process, wasm with 2 workers, and cpu (batch 4).
 *    test/bench/torch_conv.py measures the same net in PyTorch for comparison.
 * `..._cpu_ms_per_image` is CPU time of all threads per image: equal values for 1 and 2 workers mean
 * the parallel path adds little work, whatever the wall-clock speed-up on a busy machine.
 * Timings on a shared machine are noisy: run it twice. Run directly with
 * `node -e "import('./dist/test/bench/compute.js').then(m => m.bench()).then(console.log)"`.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../runner/compute/backend.js';
import { ParallelTrainer } from '../../runner/compute/parallel.js';
import { tinyBatch } from '../compute/fixtures/tiny-conv.js';

type Out = Record<string, number | string>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeMs(f: () => tf.Tensor, reps: number): number {
  f().dispose();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = f();
    r.dataSync();
    ts.push(performance.now() - t0);
    r.dispose();
  }
  return median(ts);
}

const layers = [
  { name: 'k4s2_64px_32to64', h: 64, ci: 32, co: 64, k: 4, s: 2 },
  { name: 'k3s1_32px_64to64', h: 32, ci: 64, co: 64, k: 3, s: 1 },
];

/**
 * wasm stock vs ours are measured interleaved (alternating per repetition, same tensors) so the
 * machine's load hits both alike; cpu separately at a small batch.
 */
async function convRates(out: Out, modes: Array<'wasm_stock' | 'wasm_ours'> | ['cpu']): Promise<void> {
  const cpu = modes[0] === 'cpu';
  await initBackend(cpu ? 'cpu' : 'wasm');
  const n = cpu ? 1 : 32;
  const reps = cpu ? 1 : 5;
  for (const L of layers) {
    const x = tf.randomNormal([n, L.h, L.h, L.ci], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([L.k, L.k, L.ci, L.co], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, w, L.s, 'same');
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const gflop = (2 * n * y.shape[1]! * y.shape[2]! * L.k * L.k * L.ci * L.co) / 1e9;
    const ops: Record<string, () => tf.Tensor> = {
      fwd: () => tf.conv2d(x, w, L.s, 'same'),
      dx: () => tf.conv2dTranspose(dy, w, x.shape, L.s, 'same'),
      dW: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: L.s, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape }) as tf.Tensor,
    };
    for (const [op, f] of Object.entries(ops)) {
      const ms: Record<string, number[]> = {};
      const failed: Record<string, string> = {};
      for (let r = 0; r < reps; r++) {
        for (const mode of modes) {
          if (failed[mode]) continue;
          if (!cpu) await initBackend('wasm', { wasmKernels: mode === 'wasm_ours' });
          try {
            (ms[mode] ??= []).push(timeMs(f, 1));
          } catch (e) {
            failed[mode] = `failed: ${(e as Error).message.split('\n')[0]!.slice(0, 80)}`;
          }
        }
      }
      for (const mode of modes) {
        const key = `conv_${L.name}_${op}_${mode}_gflops`;
        out[key] = failed[mode] ?? Number((gflop / (median(ms[mode]!) / 1000)).toPrecision(3));
      }
    }
    tf.dispose([x, w, y, dy]);
  }
  if (!cpu) await initBackend('wasm');
}

async function trainRate(out: Out, label: string, backend: 'wasm' | 'cpu', workers: number, steps: number, batch = 32): Promise<void> {
  const fixture = fileURLToPath(new URL('../compute/fixtures/tiny-conv.js', import.meta.url));
  const t = await ParallelTrainer.create({
    workers, backend, seed: 0,
    model: { module: fixture, export: 'makeTinyConv', args: { seed: 1, width: 32 } },
    phases: { fit: { loss: { module: fixture, export: 'tinyConvLoss' }, group: 'all', optimizer: () => tf.train.adam(1e-3) } },
  });
  try {
    const x = tinyBatch(batch, 5);
    await t.step('fit', { x }); // warm-up (XNNPACK operator creation, worker JIT)
    const t0 = performance.now();
    const c0 = process.cpuUsage(); // all threads of the process: shows the parallel overhead even when cores are busy
    for (let i = 0; i < steps; i++) await t.step('fit', { x });
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    out[`train_tinyconv_${label}_cpu_ms_per_image`] = Number(((cpu.user + cpu.system) / 1000 / (steps * batch)).toPrecision(3));
    out[`train_tinyconv_${label}_steps_per_s`] = Number((steps / s).toPrecision(3));
    out[`train_tinyconv_${label}_images_per_s`] = Number(((steps * batch) / s).toPrecision(3));
    x.dispose();
  } finally {
    await t.dispose();
  }
}

export async function bench(): Promise<Out> {
  const info = await initBackend('wasm');
  const out: Out = { wasmSimd: String(info.wasmSimd ?? false), note: 'measured on a shared, loaded 2-core machine' };
  await convRates(out, ['wasm_stock', 'wasm_ours']);
  await convRates(out, ['cpu']);
  await trainRate(out, 'wasm_1', 'wasm', 1, 10);
  await trainRate(out, 'wasm_2workers', 'wasm', 2, 10);
  await trainRate(out, 'cpu_1_batch4', 'cpu', 1, 1, 4);
  return out;
}
