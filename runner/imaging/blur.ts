/**
 * Exact separable Gaussian blur of float32 planes, in TypeScript (no sharp: libvips' gaussblur
 * truncates its kernel at an amplitude threshold and quantises it, so it is not the documented
 * Gaussian below).
 *
 * Definition (identical to scipy.ndimage.gaussian_filter(x, sigma, mode='reflect', truncate=4)):
 *   kernel  w[k] = exp(-k^2 / (2 sigma^2)) for |k| <= r, r = floor(4 sigma + 0.5), normalised to sum 1
 *   border  half-sample symmetric reflection (d c b a | a b c d | d c b a), folded repeatedly when
 *           the kernel is wider than the image
 *   order   rows (x) first, then columns (y); each pass accumulates in float64 (centre tap, then the
 *           outer pairs inwards) and stores float32
 * Deterministic: the same inputs give the same bits on any machine running the same Node major.
 * Scope: blurring planes only; compositing lives in composite.ts.
 */

/** Kernel radius for `sigma` (scipy's rule with truncate = 4). */
export function gaussianRadius(sigma: number, truncate = 4): number {
  return Math.floor(truncate * sigma + 0.5);
}

/** Normalised 1-D Gaussian weights, length 2r + 1, centre at index r. */
export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  if (!(sigma > 0)) throw new Error(`gaussianKernel: sigma must be > 0, got ${sigma}`);
  const r = gaussianRadius(sigma, truncate);
  const w = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let k = -r; k <= r; k++) sum += (w[k + r] = Math.exp((-k * k) / (2 * sigma * sigma)));
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return w;
}

/** Index of position i (any integer) after half-sample symmetric reflection into [0, n). */
export function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/** For each padded position p in [0, n + 2r), the source index reflectIndex(p - r, n). */
function paddedIndices(n: number, r: number): Int32Array {
  const idx = new Int32Array(n + 2 * r);
  for (let p = 0; p < idx.length; p++) idx[p] = reflectIndex(p - r, n);
  return idx;
}

/**
 * Kernel applied at padded position x + r: the symmetric kernel is folded (w[k] multiplies the sum
 * of the two samples at distance r - k), halving the multiplies. Summation order is fixed.
 */
function convolveAt(line: Float64Array, x: number, w: Float64Array, r: number): number {
  let acc = w[r]! * line[x + r]!;
  for (let k = 0; k < r; k++) acc += w[k]! * (line[x + k]! + line[x + 2 * r - k]!);
  return acc;
}

/**
 * Blurs `planes` consecutive width x height float32 planes stored back to back in `data`, in
 * place.
 */
export function gaussianBlurPlanes(data: Float32Array, width: number, height: number, planes: number, sigma: number): void {
  if (data.length < width * height * planes) throw new Error(`gaussianBlurPlanes: ${data.length} floats for ${planes} planes of ${width}x${height}`);
  const w = gaussianKernel(sigma);
  const r = (w.length - 1) / 2;
  const line = new Float64Array(Math.max(width, height) + 2 * r);
  const xIdx = paddedIndices(width, r);
  const yIdx = paddedIndices(height, r);
  const plane = width * height;
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    // Rows.
    for (let y = 0; y < height; y++) {
      const row = base + y * width;
      for (let q = 0; q < width + 2 * r; q++) line[q] = data[row + xIdx[q]!]!;
      for (let x = 0; x < width; x++) data[row + x] = convolveAt(line, x, w, r);
    }
    // Columns.
    for (let x = 0; x < width; x++) {
      const col = base + x;
      for (let q = 0; q < height + 2 * r; q++) line[q] = data[col + yIdx[q]! * width]!;
      for (let y = 0; y < height; y++) data[col + y * width] = convolveAt(line, y, w, r);
    }
  }
}
