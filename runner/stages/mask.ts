/**
 * Stage kind `mask`: a foreground mask for every image of a dataset artifact.
 *
 * Input `dataset`: a packed image artifact (dataset.json + images.u8). Output, same resolution and
 * order: masks.u8 + masks.json (packed, 1 channel; 255 = foreground), masks-grid.png (the first
 * `gridCount` masks) and, when the input carries ground truth (masks.json + masks.u8 beside its
 * images), quality.json with IoU (at 0.5) and MAE per image and summarised.
 *
 * The model work lives in runner/masking/ (registry, preprocessing, graph rewrite, session,
 * post-processing, quality); this module only streams batches through it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted, UserError } from '../errors.js';
import { PackedReader, PackedWriter, imageBytes } from '../datasets/packed.js';
import type { StageContext, StageKind } from './types.js';
import { AUTO_INPUT_SIZE, AUTO_PRECISION, FAMILIES, loadModel, type Family, type FamilySpec } from '../masking/models.js';
import { graphInfo, openSegmenter, type ProviderChoice } from '../masking/session.js';
import { writeModelInput } from '../masking/preprocess.js';
import { binarize, cleanupMask, predictionToMask } from '../masking/postprocess.js';
import { maskIoU, maskMAE, summarize } from '../masking/quality.js';
import { writeMaskGrid } from '../masking/grid.js';

export interface MaskParams {
  model: {
    name: string;
    path: string | null;
    family: Family | null;
    inputSize: 'auto' | 'native' | number;
    precision: 'auto' | 'int8' | 'float32' | 'as-is';
    calibrationImages: number;
  };
  batchSize: number;
  executionProvider: ProviderChoice;
  threads: number;
  stretch: boolean;
  cleanup: boolean;
  threshold: number | null;
  gridCount: number;
}

/** Resolves `inputSize` against the family and the graph's own input size. */
export function resolveInputSize(p: MaskParams['model']['inputSize'], family: Family, graphSize: number | undefined): number {
  const native = graphSize ?? FAMILIES[family].size;
  if (p === 'native') return native;
  if (p === 'auto') return AUTO_INPUT_SIZE[family] ?? native;
  return p;
}

/** The first `k` images of `reader`, preprocessed to model inputs (one tensor per image). */
function calibrationInputs(reader: PackedReader, k: number, spec: FamilySpec, size: number): Float32Array[] {
  const { resolution: res, channels } = reader.meta;
  const bytes = imageBytes(reader.meta);
  const px = reader.readRange(0, k);
  return Array.from({ length: k }, (_, i) => {
    const t = new Float32Array(3 * size * size);
    writeModelInput(px.subarray(i * bytes, (i + 1) * bytes), res, res, channels, spec, size, t);
    return t;
  });
}

export const maskStage: StageKind<MaskParams> = {
  kind: 'mask',
  version: 1,
  description: 'Foreground masks with ISNet / rembg models on onnxruntime (masks.u8, grid, IoU/MAE vs ground truth)',
  paramsSchema: 'mask.schema.json',
  // A model file named by path is keyed by its content, not its path (docs/runner.md).
  paths: ['model.path'],
  inputs: [{ name: 'dataset', kinds: ['dataset'], description: 'packed images (dataset.json + images.u8); masks.json + masks.u8 beside them are used as ground truth' }],
  accelerator: (p) => p.executionProvider === 'cuda',
  async run(ctx: StageContext<MaskParams>) {
    const p = ctx.params;
    const where = `stage ${ctx.id}: model`;
    const input = ctx.inputs.dataset;
    if (!input) throw new UserError(`stage ${ctx.id}: input "dataset" is required`);
    const reader = new PackedReader(input.dir);
    const { resolution: res, channels, count } = reader.meta;
    const truth = existsSync(join(input.dir, 'masks.json')) ? new PackedReader(input.dir, 'masks.json') : undefined;
    try {
      if (truth && (truth.meta.resolution !== res || truth.meta.channels !== 1 || truth.count !== count)) {
        throw new Error(`ground-truth masks in ${input.dir} are ${truth.count}x${truth.meta.resolution}px/${truth.meta.channels}ch, images are ${count}x${res}px`);
      }
      // Model bytes (88-176 MB per copy) live only inside this block, so they can be collected
      // while the masks stream.
      const { seg, model, size, resolvedPrecision } = await (async () => {
        const loaded = loadModel(p.model, where);
        const dims = graphInfo(loaded.bytes).dims;
        const size = resolveInputSize(p.model.inputSize, loaded.family, typeof dims[2] === 'number' && dims[2] > 0 ? dims[2] : undefined);
        const precision = p.model.precision === 'auto' ? (AUTO_PRECISION[loaded.family] ?? 'float32') : p.model.precision;
        // int8 activation ranges come from the input's own first images: deterministic for the same
        // input and matched to its content. No images: nothing to calibrate on, run float32.
        const k = precision === 'int8' ? Math.min(count, p.model.calibrationImages) : 0;
        const int8Calibration = k > 0 ? calibrationInputs(reader, k, FAMILIES[loaded.family], size) : undefined;
        const seg = await openSegmenter(loaded.bytes, {
          size, batch: p.batchSize, float32: precision !== 'as-is', provider: p.executionProvider, threads: p.threads, log: ctx.log,
          ...(int8Calibration ? { int8Calibration } : {}),
        });
        const { bytes: _bytes, ...model } = loaded;
        return { seg, model, size, resolvedPrecision: int8Calibration ? 'int8' : precision === 'int8' ? 'float32' : precision };
      })();
      const spec = FAMILIES[model.family];
      ctx.log(`model ${model.source} (${model.family}, sha256 ${model.sha256.slice(0, 12)}) at ${size}px on ${seg.provider}; ${seg.notes.join('; ')}`);
      ctx.setEnv('mask.provider', seg.provider);
      ctx.setEnv('mask.modelSha256', model.sha256);
      try {
        const out = new PackedWriter(ctx.outDir, { resolution: res, channels: 1, file: 'masks.u8', ...(reader.meta.names ? { names: reader.meta.names } : {}) }, 'masks.json');
        const grid: Uint8Array[] = [];
        const ious: number[] = [];
        const maes: number[] = [];
        const B = p.batchSize;
        const plane = size * size;
        // Two input buffers: the next batch is prepared in JS while onnxruntime runs the current one
        // on its own threads, and a finished batch is post-processed while the next one runs.
        const bufs = [new Float32Array(B * 3 * plane), new Float32Array(B * 3 * plane)];
        const imgBytes = imageBytes(reader.meta);
        const prepare = (start: number, n: number, buf: Float32Array) => {
          const pixels = reader.readRange(start, n);
          for (let i = 0; i < n; i++) {
            writeModelInput(pixels.subarray(i * imgBytes, (i + 1) * imgBytes), res, res, channels, spec, size, buf, i * 3 * plane);
          }
        };
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const finish = (start: number, n: number, pred: Float32Array) => {
          const gt = truth?.readRange(start, n);
          const masks = new Uint8Array(n * res * res);
          for (let i = 0; i < n; i++) {
            let m = predictionToMask(pred.subarray(i * plane, (i + 1) * plane), size, res, res, { sigmoid: spec.sigmoid, stretch: p.stretch });
            if (p.cleanup) m = cleanupMask(m, res, res);
            if (p.threshold !== null) binarize(m, p.threshold);
            masks.set(m, i * res * res);
            if (grid.length < p.gridCount) grid.push(m);
            if (gt) {
              const t = gt.subarray(i * res * res, (i + 1) * res * res);
              ious.push(maskIoU(m, t));
              maes.push(maskMAE(m, t));
            }
          }
          out.append(masks);
          const done = start + n;
          const rate = done / ((performance.now() - t0) / 1000);
          ctx.progress({ done, total: count, message: `${rate.toFixed(1)} img/s` });
        };
        let inflight: { start: number; n: number; run: Promise<Float32Array> } | undefined;
        for (let start = 0, k = 0; start < count; start += B, k++) {
          throwIfAborted(ctx.signal);
          const n = Math.min(B, count - start);
          const buf = bufs[k % 2]!;
          prepare(start, n, buf);
          const prev = inflight;
          const prevPred = prev ? await prev.run : undefined;
          inflight = { start, n, run: seg.run(buf, n) };
          inflight.run.catch(() => undefined); // awaited below; this only keeps an abort from leaving it unhandled
          if (prev) finish(prev.start, prev.n, prevPred!);
        }
        if (inflight) finish(inflight.start, inflight.n, await inflight.run);
        const seconds = (performance.now() - t0) / 1000;
        out.finish({ source: 'mask', model: p.model.path ? model.source : p.model.name, family: model.family, inputSize: size });
        if (p.gridCount > 0 && count > 0) await writeMaskGrid(join(ctx.outDir, 'masks-grid.png'), grid, res);
        // CPU time (all threads) per image tells the cost apart from a busy machine's wait.
        const cpu = process.cpuUsage(cpu0);
        const cpuMs = (cpu.user + cpu.system) / 1000 / Math.max(1, count);
        ctx.log(`${count} masks in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(2)} img/s, ${cpuMs.toFixed(0)} ms CPU per image)`);
        const summary: Record<string, unknown> = {
          count, resolution: res, model: p.model.path ? 'path' : p.model.name, family: model.family,
          modelSha256: model.sha256, inputSize: size, precision: resolvedPrecision, threshold: p.threshold, cleanup: p.cleanup,
        };
        if (truth) {
          const quality = {
            threshold: 0.5,
            iou: summarize(ious),
            mae: summarize(maes),
            perImage: ious.map((iou, i) => ({ name: reader.meta.names?.[i] ?? String(i), iou, mae: maes[i]! })),
          };
          writeFileSync(join(ctx.outDir, 'quality.json'), JSON.stringify(quality, null, 1) + '\n');
          summary.quality = { iou: quality.iou, mae: quality.mae };
          ctx.log(`quality vs ground truth: IoU mean ${quality.iou.mean.toFixed(4)} median ${quality.iou.median.toFixed(4)} min ${quality.iou.min.toFixed(4)}; MAE mean ${quality.mae.mean.toFixed(4)} median ${quality.mae.median.toFixed(4)}`);
        }
        return { summary };
      } finally {
        await seg.dispose();
      }
    } finally {
      reader.close();
      truth?.close();
    }
  },
};

export default maskStage;
