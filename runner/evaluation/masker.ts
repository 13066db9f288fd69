/**
 * In-process masking of generated samples for the masked FID: each sample gets a foreground mask
 * from the same segmentation model the `mask` stage runs (runner/masking/: model registry, graph
 * rewrite for a reduced input size, onnxruntime session, rembg post-processing), and is composited
 * onto the grey background with runner/imaging/composite.ts's `compositeGrey`, exactly as the
 * composite stage does for the reals. The per-image steps mirror runner/stages/mask.ts (prepare ->
 * run -> predictionToMask -> optional cleanup/threshold) so reals and samples are masked alike.
 */
import { UserError } from '../errors.js';
import { FAMILIES, loadModel } from '../masking/models.js';
import { graphInfo, openSegmenter, type Segmenter } from '../masking/session.js';
import { writeModelInput } from '../masking/preprocess.js';
import { binarize, cleanupMask, predictionToMask } from '../masking/postprocess.js';
import { resolveInputSize, type MaskParams } from '../stages/mask.js';
import { greyComposite } from './reals.js';

export type MaskerParams = Pick<MaskParams, 'model' | 'batchSize' | 'executionProvider' | 'threads' | 'stretch' | 'cleanup' | 'threshold'>;

export interface Masker {
  modelSha256: string;
  precision: 'float32' | 'as-is';
  family: string;
  inputSize: number;
  /** Composites `n` RGB images of `res` px onto grey `grey` with their predicted masks. */
  composite(pixels: Uint8Array, n: number, res: number, grey: number): Promise<Uint8Array>;
  dispose(): Promise<void>;
}

/**
 * Precision the samples are masked at. int8 (the mask stage's quantisation) calibrates activation
 * ranges on the first images of its input, so samples and reals could never be quantised alike:
 * refused; 'auto' means float32 here, and the fid stage checks the reals' mask stage ran float32 too.
 */
export function samplePrecision(precision: string, where: string): 'float32' | 'as-is' {
  if (precision === 'as-is') return 'as-is';
  if (precision === 'int8') throw new UserError(`${where}.model.precision: int8 is calibrated on the masked images themselves, so samples and reals would be quantised differently; use float32 (here and in the reals' mask stage)`);
  return 'float32';
}

export async function openMasker(p: MaskerParams, where: string, log?: (l: string) => void): Promise<Masker> {
  const precision = samplePrecision(String(p.model.precision), where);
  const model = loadModel(p.model, `${where}.model`);
  const spec = FAMILIES[model.family];
  const dims = graphInfo(model.bytes).dims;
  const size = resolveInputSize(p.model.inputSize, model.family, typeof dims[2] === 'number' && dims[2] > 0 ? dims[2] : undefined);
  const seg: Segmenter = await openSegmenter(model.bytes, { size, batch: p.batchSize, float32: precision === 'float32', provider: p.executionProvider, threads: p.threads, ...(log ? { log } : {}) });
  log?.(`masking samples with ${model.source} (${model.family}, sha256 ${model.sha256.slice(0, 12)}) at ${size}px on ${seg.provider}`);
  const plane = size * size;
  const input = new Float32Array(p.batchSize * 3 * plane);
  return {
    modelSha256: model.sha256,
    precision,
    family: model.family,
    inputSize: size,
    async composite(pixels, n, res, grey) {
      if (pixels.length !== n * res * res * 3) throw new UserError(`${where}: masking expects RGB samples`);
      const masks = new Uint8Array(n * res * res);
      const per = res * res * 3;
      for (let s = 0; s < n; s += p.batchSize) {
        const k = Math.min(p.batchSize, n - s);
        for (let i = 0; i < k; i++) writeModelInput(pixels.subarray((s + i) * per, (s + i + 1) * per), res, res, 3, spec, size, input, i * 3 * plane);
        const pred = await seg.run(input, k);
        for (let i = 0; i < k; i++) {
          let m = predictionToMask(pred.subarray(i * plane, (i + 1) * plane), size, res, res, { sigmoid: spec.sigmoid, stretch: p.stretch });
          if (p.cleanup) m = cleanupMask(m, res, res);
          if (p.threshold !== null) binarize(m, p.threshold);
          masks.set(m, (s + i) * res * res);
        }
      }
      return greyComposite(pixels, masks, n, res, grey);
    },
    dispose: () => seg.dispose(),
  };
}
