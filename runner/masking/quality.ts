/**
 * Mask quality against ground truth: intersection over union of the masks binarised at 0.5, and the
 * mean absolute error of the soft masks, both per image, plus a summary over a set of images.
 * Pure functions on uint8 masks (0 = background, 255 = foreground); no I/O.
 */

/** IoU of `pred` and `truth` after binarising both at `level` (fraction of 255; >= counts as foreground). */
export function maskIoU(pred: Uint8Array, truth: Uint8Array, level = 0.5): number {
  if (pred.length !== truth.length) throw new Error(`maskIoU: sizes differ (${pred.length} vs ${truth.length})`);
  const cut = level * 255;
  let inter = 0, union = 0;
  for (let i = 0; i < pred.length; i++) {
    const a = pred[i]! >= cut, b = truth[i]! >= cut;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union === 0 ? 1 : inter / union; // two empty masks agree perfectly
}

/** Mean absolute error of two soft masks, in [0, 1]. */
export function maskMAE(pred: Uint8Array, truth: Uint8Array): number {
  if (pred.length !== truth.length) throw new Error(`maskMAE: sizes differ (${pred.length} vs ${truth.length})`);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i]! - truth[i]!);
  return pred.length === 0 ? 0 : s / pred.length / 255;
}

export interface Stats {
  mean: number;
  median: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Stats {
  if (values.length === 0) return { mean: NaN, median: NaN, min: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return {
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2,
    min: s[0]!,
    max: s[s.length - 1]!,
  };
}
