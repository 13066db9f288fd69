/**
 * Benchmark: dataset stage throughput.
 *   synthetic_render_{64,128}_img_s   renderSample alone (pure TS drawing), after a warm-up
 *   synthetic_render_{64,128}_img_cpu_s  the same per CPU-second of this process (robust to other
 *                                     processes competing for the cores; rendering is single-threaded)
 *   synthetic_stage_{64,128}_img_s    the whole synthetic stage (render + PNG encode + packed + grids)
 *   folder_ingest_img_s               images source on a folder of 256x256 PNGs -> 128 px (decode,
 *                                     centre crop, Lanczos resize, PNG encode, packed)
 * Wall-clock; on a shared machine timings are noisy (run twice). Run directly with
 * `node -e "import('./dist/test/bench/datasets.js').then(m => m.bench()).then(console.log)"`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetStage } from '../../runner/stages/dataset.js';
import { renderSample } from '../../runner/datasets/synthetic/index.js';
import { encodePng } from '../../runner/imaging/png.js';
import { runStage } from '../helpers/run-stage.js';

type Out = Record<string, number | string>;
const round = (x: number): number => Math.round(x * 10) / 10;

function renderRate(size: number, n: number): { wall: number; cpu: number } {
  for (let i = 0; i < 20; i++) renderSample(1, i, size); // warm-up (JIT)
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) renderSample(2, i, size);
  const c = process.cpuUsage(c0);
  return { wall: (n * 1000) / (performance.now() - t0), cpu: (n * 1e6) / (c.user + c.system) };
}

async function stageRate(params: Record<string, unknown>, n: number): Promise<number> {
  const t0 = performance.now();
  const { ref } = await runStage(datasetStage, params, {}, { workers: 2 });
  const dt = performance.now() - t0;
  rmSync(ref.dir, { recursive: true, force: true });
  return (n * 1000) / dt;
}

export async function bench(): Promise<Out> {
  const out: Out = {};
  for (const [size, n] of [[64, 500], [128, 150]] as const) {
    const r = renderRate(size, n);
    out[`synthetic_render_${size}_img_s`] = round(r.wall);
    out[`synthetic_render_${size}_img_cpu_s`] = round(r.cpu);
  }
  out['synthetic_stage_64_img_s'] = round(await stageRate({ source: 'synthetic', resolution: 64, count: 1000, seed: 3 }, 1000));
  out['synthetic_stage_128_img_s'] = round(await stageRate({ source: 'synthetic', resolution: 128, count: 300, seed: 3 }, 300));
  // A folder of 300 256x256 PNGs (synthetic faces drawn at 128 and upscaled by the encoder's input size).
  const dir = mkdtempSync(join(tmpdir(), 'btf-bench-folder-'));
  mkdirSync(join(dir, 'imgs'));
  const n = 300;
  for (let i = 0; i < n; i++) {
    const s = renderSample(4, i, 128);
    const big = new Uint8Array(256 * 256 * 3);
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) big.set(s.rgb.subarray(((y >> 1) * 128 + (x >> 1)) * 3, ((y >> 1) * 128 + (x >> 1)) * 3 + 3), (y * 256 + x) * 3);
    writeFileSync(join(dir, 'imgs', `${String(i).padStart(5, '0')}.png`), await encodePng(big, 256, 256, 3));
  }
  out['folder_ingest_img_s'] = round(await stageRate({ source: 'images', path: join(dir, 'imgs'), resolution: 128 }, n));
  rmSync(dir, { recursive: true, force: true });
  out['note'] = 'wall clock on a shared 2-core machine; run twice';
  return out;
}
