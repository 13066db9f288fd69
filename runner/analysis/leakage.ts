/**
 * Background leakage of a traversal (issue 7 part 4): how much of the pixel change a component
 * causes lies outside the face.
 *
 *   change_t(p) = sum over RGB channels of |img_t(p) - img_mean(p)|
 *   bg_t(p)     = 1 - max(m_t(p), m_mean(p)) / 255          (soft masks, 255 = foreground)
 *   leakage     = sum_t sum_p change_t(p) bg_t(p) / sum_t sum_p change_t(p)
 *
 * A pixel counts as background only when it is background in both the traversed image and the
 * mean image, so a face that moves or grows over the background (a face change) is not counted as
 * background change. `meanAbsChange` (mean of change_t over steps, pixels and channels, in 0..255
 * units) says how big the component's effect is at all; leakage is null when nothing changes.
 *
 * Masks come from a function (the mask model through runner/analysis/masks.ts in the stage, the
 * known shape in tests), so the maths here is exact and testable.
 */

export interface LeakageRow {
  component: number;
  leakage: number | null;
  meanAbsChange: number;
  /** Mean of max(m_t, m_mean) / 255 over steps and pixels: how much the masks call face (check it against the data's true fraction). */
  maskForeground: number;
}

/**
 * Leakage of one traversal row: `images` = steps RGB images back to back, `masks` = their masks
 * (steps x res x res), `mean`/`meanMask` = the mean image and its mask.
 */
export function rowLeakage(images: Uint8Array, masks: Uint8Array, mean: Uint8Array, meanMask: Uint8Array, resolution: number): Omit<LeakageRow, 'component'> {
  const s = leakageSums(images, masks, mean, meanMask, resolution);
  return { leakage: s.total > 0 ? s.background / s.total : null, meanAbsChange: s.total / (s.count * 3), maskForeground: s.foreground / s.count };
}

/** The sums behind rowLeakage (change, background change, foreground weight, pixel count), to pool several rows. */
export function leakageSums(images: Uint8Array, masks: Uint8Array, mean: Uint8Array, meanMask: Uint8Array, resolution: number): { total: number; background: number; foreground: number; count: number } {
  const plane = resolution * resolution;
  const steps = masks.length / plane;
  if (images.length !== steps * plane * 3 || mean.length !== plane * 3 || meanMask.length !== plane) throw new Error('rowLeakage: sizes disagree');
  let total = 0, background = 0, fg = 0;
  for (let s = 0; s < steps; s++) {
    for (let p = 0; p < plane; p++) {
      const o = (s * plane + p) * 3, q = p * 3;
      const f = Math.max(masks[s * plane + p]!, meanMask[p]!) / 255;
      fg += f;
      const change = Math.abs(images[o]! - mean[q]!) + Math.abs(images[o + 1]! - mean[q + 1]!) + Math.abs(images[o + 2]! - mean[q + 2]!);
      if (change === 0) continue;
      total += change;
      background += change * (1 - f);
    }
  }
  return { total, background, foreground: fg, count: steps * plane };
}

/** Masks for n RGB images of `resolution` px (255 = foreground). */
export type MaskFn = (pixels: Uint8Array, n: number, resolution: number) => Promise<Uint8Array>;

/** Leakage of every row of a traversal; masks are computed once per image. */
export async function traversalLeakage(rows: Uint8Array[], mean: Uint8Array, resolution: number, maskFn: MaskFn, onRow?: (i: number, masks: Uint8Array) => void): Promise<LeakageRow[]> {
  const meanMask = await maskFn(mean, 1, resolution);
  const out: LeakageRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const n = rows[i]!.length / (resolution * resolution * 3);
    const masks = await maskFn(rows[i]!, n, resolution);
    out.push({ component: i, ...rowLeakage(rows[i]!, masks, mean, meanMask, resolution) });
    onRow?.(i, masks);
  }
  return out;
}
