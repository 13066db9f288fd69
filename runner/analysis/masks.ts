/**
 * Foreground masks of generated images for the leakage measure: the same segmentation models and
 * per-image steps as the `mask` stage (runner/masking/: model registry, graph rewrite to a reduced
 * input size — the fast route —, onnxruntime session, rembg post-processing), returning the soft
 * masks themselves (runner/evaluation/masker.ts composites instead, for the masked FID).
 */
import { UserError } from '../errors.js';
import { FAMILIES, loadModel } from '../masking/models.js';
import { graphInfo, openSegmenter, type ProviderChoice } from '../masking/session.js';
import { writeModelInput } from '../masking/preprocess.js';
import { predictionToMask } from '../masking/postprocess.js';
import { resolveInputSize, type MaskParams } from '../stages/mask.js';
import type { MaskFn } from './leakage.js';

export interface MaskModelParams {
  model: MaskParams['model'];
  batchSize: number;
  executionProvider: ProviderChoice;
  threads: number;
}

export interface GeneratedMasker {
  fn: MaskFn;
  info: { model: string; family: string; modelSha256: string; inputSize: number; provider: string };
  dispose(): Promise<void>;
}

export async function openGeneratedMasker(p: MaskModelParams, where: string, log?: (l: string) => void): Promise<GeneratedMasker> {
  const model = loadModel(p.model, `${where}.model`);
  const spec = FAMILIES[model.family];
  const dims = graphInfo(model.bytes).dims;
  const size = resolveInputSize(p.model.inputSize, model.family, typeof dims[2] === 'number' && dims[2] > 0 ? dims[2] : undefined);
  const seg = await openSegmenter(model.bytes, { size, batch: p.batchSize, float32: p.model.precision === 'float32', provider: p.executionProvider, threads: p.threads, ...(log ? { log } : {}) });
  log?.(`masking generated images with ${model.source} (${model.family}, sha256 ${model.sha256.slice(0, 12)}) at ${size}px on ${seg.provider}`);
  const plane = size * size;
  const input = new Float32Array(p.batchSize * 3 * plane);
  return {
    info: { model: p.model.path ? 'path' : p.model.name, family: model.family, modelSha256: model.sha256, inputSize: size, provider: seg.provider },
    async fn(pixels, n, res) {
      if (pixels.length !== n * res * res * 3) throw new UserError(`${where}: masking expects RGB images`);
      const masks = new Uint8Array(n * res * res);
      const per = res * res * 3;
      for (let s = 0; s < n; s += p.batchSize) {
        const k = Math.min(p.batchSize, n - s);
        for (let i = 0; i < k; i++) writeModelInput(pixels.subarray((s + i) * per, (s + i + 1) * per), res, res, 3, spec, size, input, i * 3 * plane);
        const pred = await seg.run(input, k);
        for (let i = 0; i < k; i++) masks.set(predictionToMask(pred.subarray(i * plane, (i + 1) * plane), size, res, res, { sigmoid: spec.sigmoid, stretch: true }), (s + i) * res * res);
      }
      return masks;
    },
    dispose: () => seg.dispose(),
  };
}
