/**
 * Benchmark: build time and size of report.html / compare.html.
 *   report_small_{ms,kib}     the test fixture (every role wired, 32 px images)
 *   report_128_{ms,kib}       datasets/composite of 128 px faces (64-image sample grids, Figure 1),
 *                             two weighs, a VAE log of 20,000 steps, two fid artifacts
 *   compare_{ms,kib}          5 + 5 seed replicas with traversals and spectra
 *   browser_load_ms           headless Chromium loading report_128 (--dump-dom; 0 if not installed)
 * Wall-clock on the shared 2-core machine (noisy). Run directly with
 * `node -e "import('./dist/test/bench/report.js').then(m => m.bench()).then(console.log)"`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStage } from '../../runner/stages/dataset.js';
import { compositeStage } from '../../runner/stages/composite.js';
import { weighStage } from '../../runner/stages/weigh.js';
import { reportStage } from '../../runner/stages/report.js';
import { compareStage } from '../../runner/stages/compare.js';
import type { ArtifactRef, StageKind } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';
import { everything, FakeStore, fidArtifact } from '../report/fixtures.js';
import { findChromium, loadInChromium } from '../report/chromium.js';

async function timed<P>(kind: StageKind<P>, params: Record<string, unknown>, inputs: Record<string, ArtifactRef[]>, file: string): Promise<{ ms: number; kib: number; path: string }> {
  const t0 = performance.now();
  const { ref } = await runStage(kind, params, inputs);
  const ms = performance.now() - t0;
  const path = join(ref.dir, file);
  return { ms: Math.round(ms), kib: Math.round(readFileSync(path).length / 1024), path };
}

export async function bench(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const small = await everything();
  const s = await timed(reportStage, {}, small.inputs, 'report.html');
  out['report_small_ms'] = s.ms; out['report_small_kib'] = s.kib;

  const store = new FakeStore();
  const data = await runStage(datasetStage, { source: 'synthetic', resolution: 128, count: 96, seed: 5 });
  const grey = await runStage(compositeStage, { mode: 'grey' }, { images: data.ref });
  const w = [await runStage(weighStage, {}, { images: data.ref }), await runStage(weighStage, {}, { images: grey.ref })];
  const model = await store.make('vae', 'train-vae', {}, (dir) => {
    const lines = Array.from({ length: 20000 }, (_, i) => JSON.stringify({ step: i + 1, epoch: 1 + Math.floor(i / 1000), lr: 1e-3, loss: 1 / Math.sqrt(i + 1), recon: 0.5 / Math.sqrt(i + 1), kl: 0.01 }));
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  });
  const inputs = {
    datasets: [store.put('faces', 'dataset', data.ref.dir, data.ref.summary)],
    composites: [store.put('grey', 'composite', grey.ref.dir, grey.ref.summary)],
    rawWeights: [store.put('weigh-raw', 'weigh', w[0]!.ref.dir, w[0]!.ref.summary)],
    greyWeights: [store.put('weigh-grey', 'weigh', w[1]!.ref.dir, w[1]!.ref.summary)],
    models: [model],
    fids: [await fidArtifact(store, 'fid-raw', 120, { adjusted: 0.3, epochs: 20 }), await fidArtifact(store, 'fid-grey', 100, { epochs: 20 })],
  };
  const big = await timed(reportStage, {}, inputs, 'report.html');
  out['report_128_ms'] = big.ms; out['report_128_kib'] = big.kib;

  const raw = await Promise.all([0, 1, 2, 3, 4].map((i) => fidArtifact(store, `raw${i}`, 100 + i, { adjusted: 0.3, epochs: 20 })));
  const gr = await Promise.all([0, 1, 2, 3, 4].map((i) => fidArtifact(store, `grey${i}`, 90 + 2 * i, { epochs: 20 })));
  const c = await timed(compareStage, {}, { raw, grey: gr, rawPca: small.inputs['pcas']!, greyPca: small.inputs['pcas']!, rawTraverse: small.inputs['traversals']!, greyTraverse: small.inputs['traversals']! }, 'compare.html');
  out['compare_ms'] = c.ms; out['compare_kib'] = c.kib;

  const bin = findChromium();
  if (bin) {
    const t0 = performance.now();
    const r = loadInChromium(bin, big.path);
    out['browser_load_ms'] = Math.round(performance.now() - t0);
    out['browser_checks'] = JSON.stringify(r.checks);
  } else out['browser_load_ms'] = 0;
  return out;
}
