/**
 * Traversals of a latent PCA (paper section 5 and appendix): row i varies component i from -range
 * to +range standard deviations (sd_i = sqrt(eigenvalue_i)) with every other coordinate at the
 * mean, i.e. w(i, t) = mean + t * sd_i * v_i. Optionally the edit reaches only a range of style
 * layers [from, to) (StyleGAN coarse / middle / fine; the other layers keep the mean), and style
 * blending mixes two latents per layer (layers < crossover from source A, the rest from source B).
 *
 * Pure functions of a `Renderer` (runner/analysis/latents.ts) and a `PcaModel`: tests drive them
 * with hand-written renderers. Not here: masks and leakage (leakage.ts), files (the stages).
 */
import { gridPng } from '../imaging/grid.js';
import type { PcaModel } from './pca.js';
import type { Renderer } from './latents.js';

/** Step values t_j = -range + 2 range j / (steps - 1); one step gives [0]. */
export function stepValues(range: number, steps: number): number[] {
  if (steps === 1) return [0];
  return Array.from({ length: steps }, (_, j) => -range + (2 * range * j) / (steps - 1));
}

/** Renders n latents (rows n x dim) on layers [from, to) with `base` (dim) on every other layer, in batches. */
export function renderLayered(r: Renderer, rows: Float64Array, n: number, base: Float64Array, from: number, to: number, batch: number): Uint8Array {
  const img = r.resolution * r.resolution * 3;
  const out = new Uint8Array(n * img);
  for (let s = 0; s < n; s += batch) {
    const k = Math.min(batch, n - s);
    const edited = Float32Array.from(rows.subarray(s * r.dim, (s + k) * r.dim));
    const mean = new Float32Array(k * r.dim);
    for (let j = 0; j < k; j++) mean.set(base, j * r.dim);
    const ws = Array.from({ length: r.layers }, (_, l) => (l >= from && l < to ? edited : mean));
    out.set(r.render(ws, k), s * img);
  }
  return out;
}

export interface TraversalOptions {
  /** Components (rows), from the first. */
  components: number;
  range: number;
  steps: number;
  batch: number;
  /** Style layers the edit applies to, [from, to); default all. */
  layers?: [number, number];
  /** Called after each row (abort checks, progress). */
  onRow?: (row: number) => void;
}

export interface Traversal {
  /** Step values in standard deviations. */
  t: number[];
  /** rows[i]: `steps` images of component i, uint8 NHWC RGB back to back. */
  rows: Uint8Array[];
  /** The mean latent rendered (the t = 0 image of every row). */
  mean: Uint8Array;
}

/** Latents of row i: mean + t_j * sd_i * v_i, steps x dim. */
export function traversalLatents(pca: PcaModel, i: number, t: number[]): Float64Array {
  const d = pca.dim;
  const sd = Math.sqrt(Math.max(0, pca.eigenvalues[i]!));
  const out = new Float64Array(t.length * d);
  for (let j = 0; j < t.length; j++) {
    for (let c = 0; c < d; c++) out[j * d + c] = pca.mean[c]! + t[j]! * sd * pca.components[i * d + c]!;
  }
  return out;
}

export function traverse(r: Renderer, pca: PcaModel, o: TraversalOptions): Traversal {
  const t = stepValues(o.range, o.steps);
  const [from, to] = o.layers ?? [0, r.layers];
  const rows: Uint8Array[] = [];
  for (let i = 0; i < Math.min(o.components, pca.k); i++) {
    rows.push(renderLayered(r, traversalLatents(pca, i, t), t.length, pca.mean, from, to, o.batch));
    o.onRow?.(i);
  }
  const mean = renderLayered(r, pca.mean, 1, pca.mean, 0, r.layers, 1);
  return { t, rows, mean };
}

/** PNG pages of `rowsPerPage` traversal rows each (one row per component, one column per step). */
export async function traversalPages(tr: Traversal, resolution: number, rowsPerPage: number, zoom: number): Promise<Array<{ first: number; last: number; png: Buffer }>> {
  const pages: Array<{ first: number; last: number; png: Buffer }> = [];
  for (let first = 0; first < tr.rows.length; first += rowsPerPage) {
    const rows = tr.rows.slice(first, first + rowsPerPage);
    const png = await gridPng(rows.flatMap((row) => splitImages(row, resolution)), resolution, 3, { cols: tr.t.length, zoom });
    pages.push({ first, last: first + rows.length - 1, png });
  }
  return pages;
}

export function splitImages(pixels: Uint8Array, resolution: number, channels = 3): Uint8Array[] {
  const b = resolution * resolution * channels;
  return Array.from({ length: pixels.length / b }, (_, i) => pixels.subarray(i * b, (i + 1) * b));
}

/**
 * Style-blending grid: cell (a, b) takes source A[a] on layers < crossover and source B[b] on the
 * rest (A gives the coarse styles, B the fine ones). Tiles in grid order with a header: the top
 * row shows the B sources, the left column the A sources, the corner is blank (white).
 */
export function blendTiles(r: Renderer, a: Float64Array, nA: number, b: Float64Array, nB: number, crossover: number, batch: number): Uint8Array[] {
  const d = r.dim;
  const img = r.resolution * r.resolution * 3;
  const srcA = splitImages(renderLayered(r, a, nA, a.subarray(0, d), 0, r.layers, batch), r.resolution);
  const srcB = splitImages(renderLayered(r, b, nB, b.subarray(0, d), 0, r.layers, batch), r.resolution);
  const tiles: Uint8Array[] = [new Uint8Array(img).fill(255), ...srcB];
  for (let i = 0; i < nA; i++) {
    // Row i: A[i] below the crossover, B[j] above, for every j.
    const coarse = new Float32Array(nB * d), fine = new Float32Array(nB * d);
    for (let j = 0; j < nB; j++) { coarse.set(a.subarray(i * d, (i + 1) * d), j * d); fine.set(b.subarray(j * d, (j + 1) * d), j * d); }
    const cells = new Uint8Array(nB * img);
    for (let s = 0; s < nB; s += batch) {
      const k = Math.min(batch, nB - s);
      const ws = Array.from({ length: r.layers }, (_, l) => (l < crossover ? coarse : fine).subarray(s * d, (s + k) * d));
      cells.set(r.render(ws, k), s * img);
    }
    tiles.push(srcA[i]!, ...splitImages(cells, r.resolution));
  }
  return tiles;
}
