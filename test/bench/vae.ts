/**
 * Benchmark: training throughput (images/s) of the quickstart-size VAE (train-vae schema defaults:
 * channels 32, maxChannels 128, latentDim 64) at 64 px, on
 *   wasm   with runner/compute's kernels when they are registered (the reason string says which),
 *   cpu    the pure-JS backend, opt-in (BTF_BENCH_VAE_CPU=1): one step at batch 1, no warm-up. Measured
 *          under load: one step at batch 2 did not finish in 600 s (< 0.0033 img/s),
 *   torch  the same architecture in PyTorch 1.13 on the CPU, 2 threads (test/bench/torch_vae.py),
 *          when /usr/bin/python3 can import torch.
 * Each timing excludes one warm-up step. Env: BTF_BENCH_VAE_STEPS (wasm/torch timed steps, default 5),
 * BTF_BENCH_VAE_BATCH (default 16), BTF_BENCH_VAE_CPU=1 to include the cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildVae, initVae, vaeWeights } from '../../runner/models/vae.js';
import { Adam } from '../../runner/training/adam.js';
import { initTrainingBackend } from '../../runner/training/backend.js';
import { rngFor } from '../../runner/training/rng.js';
import { vaeTrainStep } from '../../runner/training/vae-loop.js';

const R = 64, MODEL = { channels: 32, maxChannels: 128, latentDim: 64, beta: 1 };

async function tfjsRate(backend: 'wasm' | 'cpu', batch: number, steps: number, warmup = true): Promise<{ rate: number; backend: string; reason: string }> {
  const be = await initTrainingBackend(backend);
  const vae = buildVae({ resolution: R, imageChannels: 3, ...MODEL });
  initVae(vae, 0);
  const adam = new Adam(vaeWeights(vae), { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  const x = tf.tensor4d(rngFor(0, 1).normals(new Float32Array(batch * R * R * 3)).map(Math.tanh), [batch, R, R, 3]);
  const eps = tf.tensor2d(rngFor(0, 2).normals(new Float32Array(batch * MODEL.latentDim)), [batch, MODEL.latentDim]);
  if (warmup) vaeTrainStep(vae, adam, x, eps, 1e-3);
  const t = performance.now();
  for (let s = 0; s < steps; s++) vaeTrainStep(vae, adam, x, eps, 1e-3);
  const sec = (performance.now() - t) / 1000;
  tf.dispose([x, eps]);
  adam.dispose(); vae.encoder.dispose(); vae.decoder.dispose();
  return { rate: (batch * steps) / sec, backend: be.backend, reason: be.reason };
}

function torchRate(batch: number, steps: number): { rate?: number; note: string } {
  const script = fileURLToPath(new URL('../../../test/bench/torch_vae.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, '--resolution', String(R), '--batch', String(batch), '--steps', String(steps), '--threads', '2',
    '--channels', String(MODEL.channels), '--max-channels', String(MODEL.maxChannels), '--latent', String(MODEL.latentDim)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return { note: `torch unavailable: ${(r.stderr || String(r.error)).trim().split('\n').at(-1)}` };
  const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { imagesPerSec: number; torch: string };
  return { rate: j.imagesPerSec, note: `torch ${j.torch}, 2 threads` };
}

export async function bench(): Promise<Record<string, number | string>> {
  const steps = Number(process.env.BTF_BENCH_VAE_STEPS ?? 5), batch = Number(process.env.BTF_BENCH_VAE_BATCH ?? 16);
  const out: Record<string, number | string> = { 'vae64.batch': batch, 'vae64.steps': steps };
  const wasm = await tfjsRate('wasm', batch, steps);
  out['vae64.wasm.imagesPerSec'] = Number(wasm.rate.toFixed(2));
  out['vae64.wasm.backend'] = `${wasm.backend}: ${wasm.reason}`;
  console.error(`vae bench: wasm ${out['vae64.wasm.imagesPerSec']} img/s`);
  if (process.env.BTF_BENCH_VAE_CPU === '1') {
    // One step at batch 1 without warm-up: a step of the pure-JS backend takes many minutes.
    const cpu = await tfjsRate('cpu', 1, 1, false);
    out['vae64.cpu.imagesPerSec'] = Number(cpu.rate.toFixed(4));
    out['vae64.cpu.batch'] = 1;
    console.error(`vae bench: cpu ${out['vae64.cpu.imagesPerSec']} img/s`);
  }
  const torch = torchRate(batch, steps);
  console.error(`vae bench: torch ${torch.rate ?? torch.note}`);
  out['vae64.torch.note'] = torch.note;
  if (torch.rate !== undefined) {
    out['vae64.torch.imagesPerSec'] = Number(torch.rate.toFixed(2));
    out['vae64.wasmOverTorch'] = Number((wasm.rate / torch.rate).toFixed(3));
  }
  return out;
}

// Run directly: node dist/test/bench/vae.js
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await bench(), null, 1));
}
