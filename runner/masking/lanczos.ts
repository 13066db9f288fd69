/**
 * Lanczos-3 resampling of 8-bit images that reproduces Pillow's `Image.resize(size, LANCZOS)` (the
 * resize rembg uses before and after its models) bit for bit: separable, horizontal pass first with
 * an 8-bit intermediate, antialiasing support widened by the scale when shrinking, and Pillow's 22-bit
 * fixed-point coefficients with round-half-up and clipping.
 *
 * Scope: interleaved uint8 images with any channel count, whole-image resize (no box/crop argument).
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

interface Coeffs {
  ksize: number;
  /** Per output index: first input index and tap count. */
  bounds: Int32Array;
  /** Fixed-point taps, ksize per output index. */
  k: Int32Array;
}

const cache = new Map<string, Coeffs>();

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis. */
function coeffs(inSize: number, outSize: number): Coeffs {
  const key = `${inSize}>${outSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 3 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    // C's (int) cast truncates toward zero; the operands here are >= -0.5 so trunc is what it does.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = lanczos((x + xmin - center + 0.5) * ss);
      ww += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x]! / ww : w[x]!;
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  const c = { ksize, bounds, k };
  if (cache.size > 64) cache.clear();
  cache.set(key, c);
  return c;
}

function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / ONE);
}

/**
 * Resizes an interleaved uint8 image (height x width x channels) to outW x outH.
 * Returns a new buffer; when the size is unchanged it returns a copy, as Pillow does.
 */
export function resizeLanczos(src: Uint8Array, width: number, height: number, channels: number, outW: number, outH: number): Uint8Array {
  if (src.length !== width * height * channels) throw new Error(`resizeLanczos: ${src.length} bytes is not ${width}x${height}x${channels}`);
  let img = src;
  let w = width;
  if (outW !== width) {
    const { ksize, bounds, k } = coeffs(width, outW);
    const out = new Uint8Array(outW * height * channels);
    for (let y = 0; y < height; y++) {
      const row = y * width * channels;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2]!, xmax = bounds[xx * 2 + 1]!;
        const kb = xx * ksize;
        for (let c = 0; c < channels; c++) {
          let ss = HALF;
          for (let x = 0; x < xmax; x++) ss += img[row + (x + xmin) * channels + c]! * k[kb + x]!;
          out[(y * outW + xx) * channels + c] = clip8(ss);
        }
      }
    }
    img = out;
    w = outW;
  }
  if (outH !== height) {
    const { ksize, bounds, k } = coeffs(height, outH);
    const stride = w * channels;
    const out = new Uint8Array(outH * stride);
    for (let yy = 0; yy < outH; yy++) {
      const ymin = bounds[yy * 2]!, ymax = bounds[yy * 2 + 1]!;
      const kb = yy * ksize;
      for (let i = 0; i < stride; i++) {
        let ss = HALF;
        for (let y = 0; y < ymax; y++) ss += img[(y + ymin) * stride + i]! * k[kb + y]!;
        out[yy * stride + i] = clip8(ss);
      }
    }
    img = out;
  }
  return img === src ? src.slice() : img;
}
