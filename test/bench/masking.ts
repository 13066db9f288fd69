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

const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
/**
 * Real photos, each as the whole frame and as a face-centred square crop (x, y, side in the 512 px
 * original) like an FFHQ image: astronaut (portrait with flag, rocket and helmet around) and camera
 * (cameraman in profile, greyscale).
 */
const REAL: Array<{ name: string; file: string; crop?: [number, number, number] }> = [
  { name: 'astronaut', file: `${SKIMAGE}/astronaut.png` },
  { name: 'astronaut-face', file: `${SKIMAGE}/astronaut.png`, crop: [90, 0, 280] },
  { name: 'camera', file: `${SKIMAGE}/camera.png` },
  { name: 'camera-face', file: `${SKIMAGE}/camera.png`, crop: [76, 0, 260] },
];

function packed(images: Uint8Array[], res: number): ArtifactRef {
  // One artifact of same-size RGB images.
  const dir = mkdtempSync(join(tmpdir(), 'btf-mask-bench-'));
  const w = new PackedWriter(dir, { resolution: res, channels: 3, file: 'images.u8' });
  for (const im of images) w.append(im);
  w.finish();
  return { key: 'bench', hash: 'bench', dir, summary: {}, kind: 'dataset' };
}

/** Decodes a photo to RGB, crops a square (default: the top-left min(w, h) square) and resizes it
 * to `res` with the pipeline's Lanczos; res 0 keeps the crop's own size. */
async function photo(file: string, res: number, box?: [number, number, number]): Promise<{ rgb: Uint8Array; side: number }> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = data[Math.floor(i / 3) * info.channels + (info.channels >= 3 ? i % 3 : 0)]!;
  const [x0, y0, s] = box ?? [0, 0, Math.min(info.width, info.height)];
  const crop = new Uint8Array(s * s * 3);
  for (let y = 0; y < s; y++) crop.set(rgb.subarray(((y + y0) * info.width + x0) * 3, ((y + y0) * info.width + x0 + s) * 3), y * s * 3);
  return { rgb: res === 0 || s === res ? crop : resizeLanczos(crop, s, s, 3, res, res), side: s };
}

/**
 * Runs the stage; `rate` is the stage's own wall-clock img/s and `cpuMsPerImage` the process CPU
 * time (all threads) per image, both from its log line (model load excluded). Load on a shared
 * machine inflates CPU time far less than wall time.
 */
async function masks(ds: ArtifactRef, params: Record<string, unknown>): Promise<{ masks: Uint8Array; rate: number; cpuMsPerImage: number }> {
  const { ref, logs } = await runStage(maskStage, { gridCount: 0, ...params }, { dataset: ds });
  const line = logs.find((l) => / masks in /.test(l)) ?? '';
  const rate = Number(/\(([\d.]+) img\/s/.exec(line)?.[1] ?? NaN);
  const m = new Uint8Array(readFileSync(join(ref.dir, 'masks.u8')));
  return { masks: m, rate, cpuMsPerImage: Number(/([\d.]+) ms CPU per image/.exec(line)?.[1] ?? NaN) };
}

function ious(a: Uint8Array, b: Uint8Array, px: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * px < a.length; i++) out.push(maskIoU(a.subarray(i * px, (i + 1) * px), b.subarray(i * px, (i + 1) * px)));
  return out;
}

const FP32 = (inputSize: number | string, extra: Record<string, unknown> = {}) => ({ model: { inputSize, precision: 'float32' }, ...extra });
const INT8 = (inputSize: number) => ({ model: { inputSize, precision: 'int8' } });
const ALL_ROUTES: Array<[string, Record<string, unknown>]> = [
  ['fp32-1024', FP32('native')],
  ['fp32-768', FP32(768)],
  ['fp32-512', FP32(512)],
  ['fp32-384', FP32(384)],
  ['fp32-320', FP32(320)],
  ['fp32-256', FP32(256)],
  ['fp32-224', FP32(224)],
  ['fp32-192', FP32(192)],
  ['fp32-256-batch4', FP32(256, { batchSize: 4 })],
  ['fp16-256', { model: { inputSize: 256, precision: 'as-is' } }],
  ['quint8-256', { model: { name: 'isnet-quint8', inputSize: 256, precision: 'as-is' } }],
  ['int8-768', INT8(768)],
  ['int8-512', INT8(512)],
  ['int8-384', INT8(384)],
  ['int8-320', INT8(320)],
  ['int8-256', INT8(256)],
  ['int8-192', INT8(192)],
  ['default', {}],
];
/** BTF_MASK_BENCH_ROUTES=int8-256,fp32-256 limits the run to those routes. */
const ROUTES = process.env.BTF_MASK_BENCH_ROUTES
  ? ALL_ROUTES.filter(([n]) => process.env.BTF_MASK_BENCH_ROUTES!.split(',').includes(n))
  : ALL_ROUTES;

const NATIVE = { model: { inputSize: 'native', precision: 'as-is' } };

export async function bench(): Promise<Record<string, number | string>> {
  const nSynth = Number(process.env.BTF_MASK_BENCH_N ?? 12);
  const out: Record<string, number | string> = { 'mask.loadavg1.start': loadavg()[0]! };
  const synth = syntheticDataset(nSynth, 128, { seed: 42 });
  const truth = new Uint8Array(readFileSync(join(synth.dir, 'masks.u8')));
  const px = 128 * 128;
  const real = REAL.filter((r) => existsSync(r.file));
  if (real.length < REAL.length) out['mask.real'] = 'some skipped: install python3-skimage for astronaut.png / camera.png';

  // Full-quality reference: ISNet as shipped (float16) at its native 1024 px.
  const ref = await masks(synth, NATIVE);
  out['mask.ref1024.synthetic.imgPerSec'] = ref.rate;
  out['mask.ref1024.synthetic.cpuMsPerImage'] = ref.cpuMsPerImage;
  out['mask.ref1024.synthetic.iouVsTruth.mean'] = summarize(ious(ref.masks, truth, px)).mean;
  const realDs = real.length ? packed(await Promise.all(real.map(async (r) => (await photo(r.file, 128, r.crop)).rgb)), 128) : undefined;
  const refReal = realDs ? (await masks(realDs, NATIVE)).masks : new Uint8Array();
  // Second reference for photos: ISNet at 1024 on the photo at its own resolution, mask shrunk to 128.
  const refRealOrig = new Uint8Array(real.length * px);
  for (let i = 0; i < real.length; i++) {
    const { rgb, side } = await photo(real[i]!.file, 0, real[i]!.crop);
    const m = (await masks(packed([rgb], side), NATIVE)).masks;
    refRealOrig.set(resizeLanczos(m, side, side, 1, 128, 128), i * px);
    out[`mask.ref1024.${real[i]!.name}.iou128vsOrig`] = maskIoU(refReal.subarray(i * px, (i + 1) * px), refRealOrig.subarray(i * px, (i + 1) * px));
  }
  for (const [name, params] of ROUTES) {
    const r = await masks(synth, params);
    const s = ious(r.masks, ref.masks, px);
    const st = summarize(s);
    out[`mask.${name}.synthetic.imgPerSec`] = r.rate;
    out[`mask.${name}.synthetic.cpuMsPerImage`] = r.cpuMsPerImage;
    out[`mask.${name}.synthetic.iouVsRef.mean`] = st.mean;
    out[`mask.${name}.synthetic.iouVsRef.median`] = st.median;
    out[`mask.${name}.synthetic.iouVsRef.min`] = st.min;
    out[`mask.${name}.synthetic.iouVsRef.share>=0.95`] = s.filter((v) => v >= 0.95).length / s.length;
    out[`mask.${name}.synthetic.iouVsTruth.mean`] = summarize(ious(r.masks, truth, px)).mean;
    if (realDs) {
      const rr = (await masks(realDs, params)).masks;
      real.forEach((p, i) => {
        const m = rr.subarray(i * px, (i + 1) * px);
        out[`mask.${name}.${p.name}.iouVsRef128`] = maskIoU(m, refReal.subarray(i * px, (i + 1) * px));
        out[`mask.${name}.${p.name}.iouVsRefOrig`] = maskIoU(m, refRealOrig.subarray(i * px, (i + 1) * px));
      });
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
