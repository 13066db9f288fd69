/**
 * In-process masking of generated samples for the masked FID: each sample gets a foreground mask
 * from the same segmentation model the `mask` stage runs (runner/masking/: model registry, graph
 * rewrite for a reduced input size, onnxruntime session, rembg post-processing), and is composited
 * onto the grey background with runner/imaging/composite.ts's `compositeGrey`, exactly as the
 * composite stage does for the reals. The per-image steps mirror runner/stages/mask.ts (prepare ->
 * run -> predictionToMask -> optional cleanup/threshold) so reals and samples are masked alike.
 */
import { UserError } from '../errors.js';
import { openMemoryMasker } from '../masking/in-memory.js';
import type { MaskParams } from '../stages/mask.js';
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
  const m = await openMemoryMasker({ ...p, float32: precision === 'float32' }, where, 'samples', log);
  return {
    modelSha256: m.info.modelSha256,
    precision,
    family: m.info.family,
    inputSize: m.info.inputSize,
    async composite(pixels, n, res, grey) {
      return greyComposite(pixels, await m.masks(pixels, n, res), n, res, grey);
    },
    dispose: () => m.dispose(),
  };
}
