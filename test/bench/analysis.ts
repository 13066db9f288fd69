/**
 * Benchmark: pca + traverse at quickstart size. The VAE is the quickstart's architecture (64 px,
 * channels 32, maxChannels 128, latentDim 64) with seeded initial weights saved as a train-vae
 * artifact: analysis cost does not depend on training, so no training is timed here. Data: 512
 * synthetic faces at 64 px (the quickstart dataset), with factors.json.
 *   pca_s                 pca: 384 encoded faces + 128 fresh, 30 components, factor correlations, 64 samples
 *   traverse_nomask_s     traverse: 15 components x 7 steps, 2 pages, masks: none
 *   traverse_truth8_s     the same plus the true-mask leakage around 8 encoded faces (data input)
 *   traverse_isnet256_s   the same with ISNet leakage masks at inputSize 256 (the fast route; 106 images)
 *   traverse_isnet128_s   ... at inputSize 128
 * Each with process CPU seconds (`_cpu_s`), the stable figure on a loaded machine.
 * Run: `node -e "import('./dist/test/bench/analysis.js').then(m => m.bench()).then(console.log)"`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../runner/compute/backend.js';
import { buildVae, initVae } from '../../runner/models/vae.js';
import { saveLayersModel } from '../../runner/training/model-files.js';
import { hashFolder } from '../../runner/store/hash.js';
import { datasetStage } from '../../runner/stages/dataset.js';
import { pcaStage } from '../../runner/stages/pca.js';
import { traverseStage } from '../../runner/stages/traverse.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';

type Out = Record<string, number | string>;
const r2 = (x: number): number => Math.round(x * 100) / 100;

async function quickstartVae(): Promise<ArtifactRef> {
  await initBackend('wasm');
  const cfg = { resolution: 64, imageChannels: 3, channels: 32, maxChannels: 128, latentDim: 64, beta: 1 };
  const vae = buildVae(cfg);
  initVae(vae, 1);
  const dir = mkdtempSync(join(tmpdir(), 'btf-bench-vae-'));
  for (const [name, m] of [['encoder', vae.encoder], ['decoder', vae.decoder]] as const) {
    mkdirSync(join(dir, name));
    await saveLayersModel(m, join(dir, name));
  }
  writeFileSync(join(dir, 'training.json'), JSON.stringify({ resolution: 64, params: { model: cfg } }));
  vae.encoder.dispose(); vae.decoder.dispose();
  return { key: 'bench', hash: hashFolder(dir).hash, dir, summary: {}, kind: 'train-vae' };
}

async function timed<T>(out: Out, key: string, f: () => Promise<T>): Promise<T> {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const r = await f();
  const cpu = process.cpuUsage(c0);
  out[`${key}_s`] = r2((performance.now() - t0) / 1000);
  out[`${key}_cpu_s`] = r2((cpu.user + cpu.system) / 1e6);
  return r;
}

export async function bench(): Promise<Out> {
  const out: Out = {};
  const data = (await runStage(datasetStage, { source: 'synthetic', count: 512, seed: 1, resolution: 64 })).ref;
  const model = await quickstartVae();
  const pca = await timed(out, 'pca', async () => (await runStage(pcaStage, { samples: 384, freshSamples: 128, components: 30, grid: 64 }, { model, data })).ref);
  const tp = { components: 15, steps: 7 };
  await timed(out, 'traverse_nomask', () => runStage(traverseStage, { ...tp, leakage: { masks: 'none' } }, { pca, model }));
  await timed(out, 'traverse_truth8', () => runStage(traverseStage, { ...tp, leakage: { masks: 'none', truthImages: 8 } }, { pca, model, data }));
  await timed(out, 'traverse_isnet256', () => runStage(traverseStage, { ...tp, leakage: { masks: 'model', model: { inputSize: 256 } } }, { pca, model }));
  await timed(out, 'traverse_isnet128', () => runStage(traverseStage, { ...tp, leakage: { masks: 'model', model: { inputSize: 128 } } }, { pca, model }));
  return out;
}
