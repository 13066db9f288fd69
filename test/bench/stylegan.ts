/**
 * StyleGAN training throughput: images/s (real images per D+G step, R1 on) per level 4..32 on the
 * wasm backend, for the small configuration that test/bench/torch_stylegan.py mirrors in PyTorch.
 * One untimed warm-up step per level, then BENCH_STEPS timed steps (default 3); reported per
 * wall-clock second and per CPU-second of the process (the latter is steadier on a shared machine).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../runner/compute/backend.js';
import { StyleGanTrainer } from '../../runner/models/stylegan/trainer.js';
import { defaultLoss } from '../../runner/models/stylegan/losses.js';
import type { StyleGanConfig } from '../../runner/models/stylegan/config.js';

/** Keep in step with CFG in torch_stylegan.py. */
export const benchConfig: StyleGanConfig = {
  maxResolution: 32, zDim: 128, wDim: 128, mappingLayers: 4, mappingWidth: 128, mappingLrMul: 0.01,
  fmapBase: 256, fmapMax: 64, mbstdGroup: 4, dBlend: 'output',
};
export const BATCH = 16;

export async function bench(): Promise<Record<string, number | string>> {
  const info = await initBackend('wasm');
  const steps = Number(process.env['BENCH_STEPS'] ?? 3);
  const out: Record<string, number | string> = { backend: info.backend, batch: BATCH, steps };
  // Every level with R1 on every step (StyleGAN), and 32 px with R1 on every 4th step (lazy,
  // weighted x4: StyleGAN2's scheme, params.penaltyInterval) over 4-step cycles.
  const runs: Array<{ level: number; every: number }> = [0, 1, 2, 3].map((level) => ({ level, every: 1 }));
  runs.push({ level: 3, every: 4 });
  for (const { level, every } of runs) {
    const res = 4 << level;
    const tr = new StyleGanTrainer(benchConfig, {
      level, batchSize: BATCH, seed: 1, loss: defaultLoss, mixingProb: 0.9, wAvgBeta: 0.995, emaBeta: 0.999,
      adam: { beta1: 0, beta2: 0.99, epsilon: 1e-8 }, penaltyInterval: every,
    });
    const reals = tf.tidy(() => tf.tanh(tf.randomNormal([BATCH, res, res, 3], 0, 1, 'float32', 2))) as tf.Tensor4D;
    tr.step(reals, 0, 0.5, 1e-3);
    const n = every === 1 ? steps : 4 * Math.max(1, Math.ceil(steps / 4));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let s = 1; s <= n; s++) tr.step(reals, s, 0.5, 1e-3);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const key = every === 1 ? `wasm_${res}px` : `wasm_${res}px_r1every${every}`;
    out[`${key}_img_per_s`] = Number(((n * BATCH) / secs).toFixed(2));
    // Per CPU-second of this process (user + system): less sensitive to other load on a shared machine.
    out[`${key}_img_per_cpu_s`] = Number(((n * BATCH) / ((cpu.user + cpu.system) / 1e6)).toFixed(2));
    reals.dispose();
    tr.dispose();
  }
  return out;
}

if (process.argv[1]?.endsWith('stylegan.js')) console.log(JSON.stringify(await bench()));
