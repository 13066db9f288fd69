/**
 * Masks for images held in memory (generated samples), with the same model, graph rewrite, session
 * and per-image post-processing as the `mask` stage: prepare -> run -> predictionToMask -> optional
 * cleanup / threshold. Used by the masked FID (runner/evaluation/masker.ts) and the leakage measure
 * (runner/analysis/masks.ts), so both mask generated images exactly as the stage masks reals.
 */
import { UserError } from '../errors.js';
import { FAMILIES, loadModel } from './models.js';
import { graphInfo, openSegmenter, type ProviderChoice } from './session.js';
import { writeModelInput } from './preprocess.js';
import { binarize, cleanupMask, predictionToMask } from './postprocess.js';
import { resolveInputSize, type MaskParams } from '../stages/mask.js';

export interface MemoryMaskerParams {
  model: MaskParams['model'];
  batchSize: number;
  executionProvider: ProviderChoice;
  threads: number;
  /** Run the graph in float32 (false: as shipped). */
  float32: boolean;
  stretch: boolean;
  cleanup: boolean;
  threshold: number | null;
}

export interface MemoryMasker {
  info: { model: string; family: string; modelSha256: string; inputSize: number; provider: string };
  /** Soft masks (0-255) of `n` RGB images of `res` px, image after image. */
  masks(pixels: Uint8Array, n: number, res: number): Promise<Uint8Array>;
  dispose(): Promise<void>;
}

export async function openMemoryMasker(p: MemoryMaskerParams, where: string, what: string, log?: (l: string) => void): Promise<MemoryMasker> {
  const model = loadModel(p.model, `${where}.model`);
  const spec = FAMILIES[model.family];
  const dims = graphInfo(model.bytes).dims;
  const size = resolveInputSize(p.model.inputSize, model.family, typeof dims[2] === 'number' && dims[2] > 0 ? dims[2] : undefined);
  const seg = await openSegmenter(model.bytes, { size, batch: p.batchSize, float32: p.float32, provider: p.executionProvider, threads: p.threads, ...(log ? { log } : {}) });
  log?.(`masking ${what} with ${model.source} (${model.family}, sha256 ${model.sha256.slice(0, 12)}) at ${size}px on ${seg.provider}`);
  const plane = size * size;
  const input = new Float32Array(p.batchSize * 3 * plane);
  return {
    info: { model: p.model.path ? 'path' : p.model.name, family: model.family, modelSha256: model.sha256, inputSize: size, provider: seg.provider },
    async masks(pixels, n, res) {
      if (pixels.length !== n * res * res * 3) throw new UserError(`${where}: masking expects RGB ${what}`);
      const out = new Uint8Array(n * res * res);
      const per = res * res * 3;
      for (let s = 0; s < n; s += p.batchSize) {
        const k = Math.min(p.batchSize, n - s);
        for (let i = 0; i < k; i++) writeModelInput(pixels.subarray((s + i) * per, (s + i + 1) * per), res, res, 3, spec, size, input, i * 3 * plane);
        const pred = await seg.run(input, k);
        for (let i = 0; i < k; i++) {
          let m = predictionToMask(pred.subarray(i * plane, (i + 1) * plane), size, res, res, { sigmoid: spec.sigmoid, stretch: p.stretch });
          if (p.cleanup) m = cleanupMask(m, res, res);
          if (p.threshold !== null) binarize(m, p.threshold);
          out.set(m, (s + i) * res * res);
        }
      }
      return out;
    },
    dispose: () => seg.dispose(),
  };
}
