/**
 * Benchmark: composite and weigh throughput on synthetic faces.
 *   composite_{grey,blur}_{64,128}_img_s   the whole composite stage (read, composite, PNG copies,
 *                                          packed file, grids, figure1) with ground-truth masks
 *   blur_math_{64,128}_img_s               compositeBlur alone (normalised masked blur, default sigma)
 *   weigh_png_{64,128}_img_s               the weigh stage, default encoding (sharp PNG level 9, adaptive)
 *   weight_drop_grey_64                    d = 1 - meanBytes(grey)/meanBytes(raw) on the 64 px set
 * Wall-clock; timings on a shared machine are noisy (run twice). Run directly with
 * `node -e "import('./dist/test/bench/composite.js').then(m => m.bench()).then(console.log)"`.
 */
import { rmSync } from 'node:fs';
import { datasetStage } from '../../runner/stages/dataset.js';
import { compositeStage } from '../../runner/stages/composite.js';
import { weighStage } from '../../runner/stages/weigh.js';
import { PackedReader } from '../../runner/datasets/packed.js';
import { compositeBlur } from '../../runner/imaging/composite.js';
import { weightDrop, type WeightSummaryLike } from '../../runner/metrics/weight.js';
import type { ArtifactRef, StageKind } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';

type Out = Record<string, number | string>;
const round = (x: number): number => Math.round(x * 10) / 10;

async function timed<P>(kind: StageKind<P>, params: Record<string, unknown>, inputs: Record<string, ArtifactRef>, n: number): Promise<{ rate: number; ref: ArtifactRef }> {
  const t0 = performance.now();
  const { ref } = await runStage(kind, params, inputs);
  return { rate: (n * 1000) / (performance.now() - t0), ref };
}

function blurMathRate(ds: ArtifactRef, n: number): number {
  const r = new PackedReader(ds.dir);
  const m = new PackedReader(ds.dir, 'masks.json');
  const res = r.meta.resolution;
  const rgb = r.readRange(0, n), mask = m.readRange(0, n);
  r.close(); m.close();
  const px = res * res;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) compositeBlur(rgb.subarray(i * px * 3, (i + 1) * px * 3), mask.subarray(i * px, (i + 1) * px), res, res, 0.0625 * res);
  return (n * 1000) / (performance.now() - t0);
}

export async function bench(): Promise<Out> {
  const out: Out = {};
  for (const [res, n] of [[64, 256], [128, 96]] as const) {
    const ds = (await runStage(datasetStage, { source: 'synthetic', resolution: res, count: n, seed: 5 })).ref;
    const grey = await timed(compositeStage, { mode: 'grey' }, { images: ds }, n);
    const blur = await timed(compositeStage, { mode: 'blur' }, { images: ds }, n);
    out[`composite_grey_${res}_img_s`] = round(grey.rate);
    out[`composite_blur_${res}_img_s`] = round(blur.rate);
    out[`blur_math_${res}_img_s`] = round(blurMathRate(ds, Math.min(n, 64)));
    const wRaw = await timed(weighStage, {}, { images: ds }, n);
    out[`weigh_png_${res}_img_s`] = round(wRaw.rate);
    const wGrey = (await runStage(weighStage, {}, { images: grey.ref })).ref;
    const wBlur = (await runStage(weighStage, {}, { images: blur.ref })).ref;
    out[`weight_drop_grey_${res}`] = Math.round(weightDrop(wRaw.ref.summary as WeightSummaryLike, wGrey.summary as WeightSummaryLike) * 1e4) / 1e4;
    out[`weight_drop_blur_${res}`] = Math.round(weightDrop(wRaw.ref.summary as WeightSummaryLike, wBlur.summary as WeightSummaryLike) * 1e4) / 1e4;
    for (const r of [ds, grey.ref, blur.ref, wRaw.ref, wGrey, wBlur]) rmSync(r.dir, { recursive: true, force: true });
  }
  out['note'] = 'wall clock on a shared 2-core machine under load; run twice';
  return out;
}
