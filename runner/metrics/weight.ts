/**
 * Image "weight" comparison for the paper's adjusted FID (section 3.2): grey-background images
 * weigh less because information was removed, so the raw dataset's FID is scaled by (1 - d),
 * d = 1 - meanBytes(grey) / meanBytes(raw) (0.16 on FFHQ in the paper; measured here by the
 * `weigh` stage, never hard-coded). Pure functions over `weigh` summaries; no I/O.
 */
import { UserError } from '../errors.js';
import { canonicalJson } from '../graph/canonical.js';

/** The fields of a `weigh` stage summary that the comparison needs. */
export interface WeightSummaryLike {
  meanBytes: number;
  n?: number;
  resolution?: number;
  encoding?: unknown;
  [extra: string]: unknown;
}

/**
 * Relative drop in mean encoded size from raw to grey: 1 - grey/raw. Negative when the grey
 * images are heavier. Both summaries must come from the same encoding and resolution, else the
 * ratio compares encoders, not images (UserError).
 */
export function weightDrop(raw: WeightSummaryLike, grey: WeightSummaryLike): number {
  for (const [name, s] of [['raw', raw], ['grey', grey]] as const) {
    if (!s || typeof s.meanBytes !== 'number' || !Number.isFinite(s.meanBytes) || s.meanBytes <= 0) {
      throw new UserError(`weightDrop: ${name} summary has no positive meanBytes (is it the summary of a weigh stage?)`);
    }
  }
  if (raw.encoding !== undefined && grey.encoding !== undefined && canonicalJson(raw.encoding) !== canonicalJson(grey.encoding)) {
    throw new UserError(`weightDrop: raw and grey were weighed with different encodings (${canonicalJson(raw.encoding)} vs ${canonicalJson(grey.encoding)})`);
  }
  if (raw.resolution !== undefined && grey.resolution !== undefined && raw.resolution !== grey.resolution) {
    throw new UserError(`weightDrop: raw is ${raw.resolution}px, grey is ${grey.resolution}px; weigh both at the same resolution`);
  }
  return 1 - grey.meanBytes / raw.meanBytes;
}

/** The paper's adjusted FID: FID_raw * (1 - d). */
export function adjustFid(fidRaw: number, drop: number): number {
  return fidRaw * (1 - drop);
}
