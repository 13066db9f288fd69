/**
 * Foreground masks of generated images for the leakage measure: the same segmentation models and
 * per-image steps as the `mask` stage (runner/masking/: model registry, graph rewrite to a reduced
 * input size — the fast route —, onnxruntime session, rembg post-processing), returning the soft
 * masks themselves (runner/evaluation/masker.ts composites instead, for the masked FID).
 */
import { openMemoryMasker } from '../masking/in-memory.js';
import type { ProviderChoice } from '../masking/session.js';
import type { MaskParams } from '../stages/mask.js';
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
  // Leakage wants the soft mask as predicted (stretched, no clean-up or threshold).
  const m = await openMemoryMasker({ ...p, float32: p.model.precision === 'float32', stretch: true, cleanup: false, threshold: null }, where, 'generated images', log);
  return { info: m.info, fn: (pixels, n, res) => m.masks(pixels, n, res), dispose: () => m.dispose() };
}
