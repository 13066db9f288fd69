/**
 * Background leakage with ground-truth masks, for a VAE on a dataset that carries them (synthetic
 * faces and their composites: masks.u8 beside the images). It needs no mask model, so it stays
 * meaningful where a segmentation model fails on small, blurry generated images.
 *
 * For each of the first `images` real images x_n (true mask M_n): z_n = posterior mean, the base
 * image is decode(z_n), and component i moves it to decode(z_n + t sd_i v_i) for t = -range and
 * +range. With change and background weight as in leakage.ts, M_n standing for the mask of both
 * images (a reconstruction is aligned with its real image),
 *   leakage_i = sum_n sum_t change * (1 - M_n / 255) / sum_n sum_t change    (pooled over images).
 * Not for StyleGAN: its images are generated, there are no true masks.
 */
import { throwIfAborted } from '../errors.js';
import type { PackedReader } from '../datasets/packed.js';
import type { PcaModel } from './pca.js';
import { renderBroadcast, type LatentModel } from './latents.js';
import { leakageSums, type LeakageRow } from './leakage.js';

export interface TruthOptions {
  images: number;
  range: number;
  components: number;
  batch: number;
  signal: AbortSignal;
  onRow?: (i: number) => void;
}

export function truthLeakage(m: LatentModel, pca: PcaModel, data: PackedReader, masks: PackedReader, o: TruthOptions): LeakageRow[] {
  const n = Math.min(o.images, data.count), d = m.dim, R = m.resolution, plane = R * R;
  const { mu } = m.encode!(data.readRange(0, n), n);
  const trueMasks = masks.readRange(0, n);
  const base = renderBroadcast(m, mu, n, o.batch);
  const t = [-o.range, o.range];
  const out: LeakageRow[] = [];
  for (let i = 0; i < Math.min(o.components, pca.k); i++) {
    throwIfAborted(o.signal);
    const sd = Math.sqrt(Math.max(0, pca.eigenvalues[i]!));
    const lat = new Float64Array(n * t.length * d);
    for (let j = 0; j < n; j++) {
      for (let s = 0; s < t.length; s++) {
        const row = (j * t.length + s) * d;
        for (let c = 0; c < d; c++) lat[row + c] = mu[j * d + c]! + t[s]! * sd * pca.components[i * d + c]!;
      }
    }
    const imgs = renderBroadcast(m, lat, n * t.length, o.batch);
    let total = 0, background = 0, foreground = 0, count = 0;
    for (let j = 0; j < n; j++) {
      const mask = trueMasks.subarray(j * plane, (j + 1) * plane);
      const repeated = new Uint8Array(t.length * plane);
      for (let s = 0; s < t.length; s++) repeated.set(mask, s * plane);
      const sums = leakageSums(imgs.subarray(j * t.length * plane * 3, (j + 1) * t.length * plane * 3), repeated, base.subarray(j * plane * 3, (j + 1) * plane * 3), mask, R);
      total += sums.total; background += sums.background; foreground += sums.foreground; count += sums.count;
    }
    out.push({ component: i, leakage: total > 0 ? background / total : null, meanAbsChange: total / (count * 3), maskForeground: foreground / count });
    o.onRow?.(i);
  }
  return out;
}
