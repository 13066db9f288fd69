/**
 * Mask-stage benchmark: throughput of each route (model variant x input size x batch) on 128 px
 * images and its IoU against the full-quality reference, ISNet as shipped (float16) at its native
 * 1024 px input, on synthetic portraits and on real photos (skimage's astronaut and camera, from
 * Debian's python3-skimage; skipped with a note when absent). For real photos a second reference runs
 * ISNet at 1024 on the original 512 px photo and shrinks its mask to 128 px.
 *
 * `bench()` returns the table as flat keys. Run directly for the memory check:
 *   node dist/test/bench/masking.js --memory 10000 [inputSize]
 * masks that many synthetic 128 px images with the default route and reports the peak RSS.
 * Timings depend on machine load; the numbers in docs/masking.md say under what load they were taken.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { PackedWriter } from '../../runner/datasets/packed.js';
import { maskStage } from '../../runner/stages/mask.js';
import { maskIoU, summarize } from '../../runner/masking/quality.js';
import { resizeLanczos } from '../../runner/masking/lanczos.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';
import { syntheticDataset, portrait } from '../masking/synthetic.js';

const REAL = ['astronaut.png', 'camera.png'].map((f) => `/usr/lib/python3/dist-packages/skimage/data/${f}`);

function packed(images: Uint8Array[], res: number): ArtifactRef {
  const dir = mkdtempSync(join(tmpdir(), 'btf-mask-bench-'));
  const w = new PackedWriter(dir, { resolution: res, channels: 3, file: 'images.u8' });
  for (const im of images) w.append(im);
  w.finish();
  return { key: 'bench', hash: 'bench', dir, summary: {}, kind: 'dataset' };
}

/** Square-crops and decodes a photo to RGB at `res`, Lanczos like the rest of the pipeline. */
async function photo(file: string, res: number): Promise<Uint8Array> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const rgb = info.channels === 3 ? new Uint8Array(data) : new Uint8Array(info.width * info.height * 3).map((_, i) => data[Math.floor(i / 3) * info.channels]!);
  const s = Math.min(info.width, info.height);
  const crop = new Uint8Array(s * s * 3);
  for (let y = 0; y < s; y++) crop.set(rgb.subarray((y * info.width) * 3, (y * info.width + s) * 3), y * s * 3);
  return s === res ? crop : resizeLanczos(crop, s, s, 3, res, res);
}

/**
 * Runs the stage; `rate` is the stage's own wall-clock img/s and `cpuMsPerImage` the process CPU
 * time (all threads) per image, both from its log line (model load excluded). Load on a shared
 * machine inflates CPU time far less than wall time.
 */
async function masks(ds: ArtifactRef, params: Record<string, unknown>): Promise<{ masks: Uint8Array; rate: number; cpuMsPerImage: number }> {
  const { ref, logs } = await runStage(maskStage, { gridCount: 0, ...params }, { dataset: ds });
  const line = logs.find((l) => / masks in /.test(l)) ?? '';
  const rate = Number(/\(([\d.]+) img\/s\)/.exec(line)?.[1] ?? NaN);
  const m = new Uint8Array(readFileSync(join(ref.dir, 'masks.u8')));
  return { masks: m, rate, cpuMsPerImage: Number(/([\d.]+) ms CPU per image/.exec(line)?.[1] ?? NaN) };
}

function ious(a: Uint8Array, b: Uint8Array, px: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * px < a.length; i++) out.push(maskIoU(a.subarray(i * px, (i + 1) * px), b.subarray(i * px, (i + 1) * px)));
  return out;
}

const ROUTES: Array<[string, Record<string, unknown>]> = [
  ['fp32-320', { model: { inputSize: 320 } }],
  ['fp32-256', { model: { inputSize: 256 } }],
  ['fp32-224', { model: { inputSize: 224 } }],
  ['fp32-192', { model: { inputSize: 192 } }],
  ['fp32-256-batch4', { model: { inputSize: 256 }, batchSize: 4 }],
  ['fp16-256', { model: { inputSize: 256, precision: 'as-is' } }],
  ['quint8-256', { model: { name: 'isnet-quint8', inputSize: 256 } }],
];

export async function bench(): Promise<Record<string, number | string>> {
  const nSynth = Number(process.env.BTF_MASK_BENCH_N ?? 12);
  const out: Record<string, number | string> = { 'mask.loadavg1.start': loadavg()[0]! };
  const synth = syntheticDataset(nSynth, 128, { seed: 42, groundTruth: false });
  const realFiles = REAL.filter(existsSync);
  const real = realFiles.length ? packed(await Promise.all(realFiles.map((f) => photo(f, 128))), 128) : undefined;
  if (!real) out['mask.real'] = 'skipped: install python3-skimage for astronaut.png / camera.png';

  const ref = await masks(synth, { model: { inputSize: 'native', precision: 'as-is' } });
  out['mask.ref1024.synthetic.imgPerSec'] = ref.rate;
  out['mask.ref1024.synthetic.cpuMsPerImage'] = ref.cpuMsPerImage;
  const refReal = real ? await masks(real, { model: { inputSize: 'native', precision: 'as-is' } }) : undefined;
  let refRealFull: Uint8Array | undefined;
  if (real) {
    // Reference 2: ISNet at 1024 on the original 512 px photos, mask shrunk to 128 px.
    const big = packed(await Promise.all(realFiles.map((f) => photo(f, 512))), 512);
    const m = (await masks(big, { model: { inputSize: 'native', precision: 'as-is' } })).masks;
    refRealFull = new Uint8Array(realFiles.length * 128 * 128);
    for (let i = 0; i < realFiles.length; i++) refRealFull.set(resizeLanczos(m.subarray(i * 512 * 512, (i + 1) * 512 * 512), 512, 512, 1, 128, 128), i * 128 * 128);
    out['mask.ref1024.real128-vs-real512.iouMean'] = summarize(ious(refReal!.masks, refRealFull, 128 * 128)).mean;
  }
  for (const [name, params] of ROUTES) {
    const r = await masks(synth, params);
    const s = summarize(ious(r.masks, ref.masks, 128 * 128));
    out[`mask.${name}.synthetic.imgPerSec`] = r.rate;
    out[`mask.${name}.synthetic.cpuMsPerImage`] = r.cpuMsPerImage;
    out[`mask.${name}.synthetic.iouVsRef.mean`] = s.mean;
    out[`mask.${name}.synthetic.iouVsRef.median`] = s.median;
    out[`mask.${name}.synthetic.iouVsRef.min`] = s.min;
    if (real) {
      const rr = await masks(real, params);
      ious(rr.masks, refReal!.masks, 128 * 128).forEach((v, i) => { out[`mask.${name}.real.${i}.iouVsRef128`] = v; });
      ious(rr.masks, refRealFull!, 128 * 128).forEach((v, i) => { out[`mask.${name}.real.${i}.iouVsRef512`] = v; });
    }
  }
  out['mask.loadavg1.end'] = loadavg()[0]!;
  return out;
}

/** Masks `count` synthetic 128 px images with the given route; reports rate and peak RSS. */
export async function benchMemory(count: number, inputSize: number | 'auto' = 'auto'): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'btf-mask-mem-'));
  const w = new PackedWriter(dir, { resolution: 128, channels: 3, file: 'images.u8' });
  for (let i = 0; i < count; i++) w.append(portrait(128, 9000 + (i % 500)).rgb); // 500 distinct faces, repeated
  w.finish();
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
  const t = performance.now();
  const { logs } = await runStage(maskStage, { model: { inputSize }, gridCount: 64 }, { dataset: { key: 'm', hash: 'm', dir, summary: {}, kind: 'dataset' } });
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const seconds = (performance.now() - t) / 1000;
  void logs;
  return { count, seconds, imgPerSec: count / seconds, peakRssMB: peak / 2 ** 20, loadavg1: loadavg()[0]! };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const i = process.argv.indexOf('--memory');
  const run = i >= 0
    ? benchMemory(Number(process.argv[i + 1] ?? 10000), process.argv[i + 2] ? Number(process.argv[i + 2]) : 'auto')
    : bench();
  run.then((r) => console.log(JSON.stringify(r, null, 1)));
}
