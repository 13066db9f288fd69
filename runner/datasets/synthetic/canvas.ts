/**
 * The software painter for synthetic faces: an RGB float canvas plus a foreground-coverage mask,
 * shapes given as signed distance functions in a local frame (position, scale, roll), filled with
 * analytic anti-aliasing (coverage from the distance in pixels) and "over" or "multiply" blending.
 * Resolution-independent: geometry is in fractions of the image, so one seed draws the same scene
 * at 32 or 128 px. No I/O, no randomness: callers pass everything in.
 */

export type RGB = [number, number, number];
/** Distance (local units, negative inside) at local point (u, v). */
export type Sdf = (u: number, v: number) => number;
/** Writes the colour at local (u, v) into out[0..2]. */
export type Shader = (u: number, v: number, out: Float64Array) => void;

export class Canvas {
  readonly rgb: Float32Array;
  /** Foreground coverage in [0, 1]: the ground-truth soft mask. */
  readonly mask: Float32Array;
  constructor(readonly size: number) {
    this.rgb = new Float32Array(size * size * 3);
    this.mask = new Float32Array(size * size);
  }

  /** Quantises to interleaved uint8 RGB and uint8 mask (round half up, clamped). */
  toBytes(): { rgb: Uint8Array; mask: Uint8Array } {
    const rgb = new Uint8Array(this.rgb.length);
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, Math.min(255, Math.floor(this.rgb[i]! * 255 + 0.5)));
    const mask = new Uint8Array(this.mask.length);
    for (let i = 0; i < mask.length; i++) mask[i] = Math.max(0, Math.min(255, Math.floor(this.mask[i]! * 255 + 0.5)));
    return { rgb, mask };
  }
}

/** Maps pixel centres to local coordinates: local = R(-roll) * (p - centre) / scale. */
export class Frame {
  readonly cos: number;
  readonly sin: number;
  /** cx, cy and scale in pixels; roll in radians (positive = clockwise on screen). */
  constructor(readonly cx: number, readonly cy: number, readonly scale: number, roll = 0) {
    this.cos = Math.cos(roll);
    this.sin = Math.sin(roll);
  }

  /** Pixel position of local point (u, v). */
  toPixel(u: number, v: number): [number, number] {
    const x = u * this.scale;
    const y = v * this.scale;
    return [this.cx + this.cos * x - this.sin * y, this.cy + this.sin * x + this.cos * y];
  }

  /** A frame nested in this one: origin at local (u, v), unit scaled by k, extra roll. */
  child(u: number, v: number, k: number, roll = 0): Frame {
    const [px, py] = this.toPixel(u, v);
    return new Frame(px, py, this.scale * k, Math.atan2(this.sin, this.cos) + roll);
  }
}

export interface FillOptions {
  /** Width of the anti-aliased edge in pixels (1 = crisp; larger = soft, for hair and shadows). */
  soft?: number;
  /** Multiplies coverage. */
  opacity?: number;
  /** Adds coverage to the foreground mask (person: face, hair, neck, shoulders). */
  fg?: boolean;
  /** 'over' paints the colour; 'multiply' tints what is there (shadows, light). */
  mode?: 'over' | 'multiply';
}

const scratch = new Float64Array(3);

/**
 * Fills shape `sdf` inside the local box [u0, u1] x [v0, v1] (its bounds; only pixels whose
 * footprint can touch it are visited) with a constant colour or a shader.
 */
export function fill(canvas: Canvas, f: Frame, bounds: [number, number, number, number], sdf: Sdf, colour: RGB | Shader, opts: FillOptions = {}): void {
  const soft = opts.soft ?? 1;
  const opacity = opts.opacity ?? 1;
  const multiply = opts.mode === 'multiply';
  const fg = opts.fg ?? false;
  const n = canvas.size;
  // Pixel bounding box of the rotated local rectangle, padded by the edge width.
  const [u0, v0, u1, v1] = bounds;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [u, v] of [[u0, v0], [u1, v0], [u0, v1], [u1, v1]] as const) {
    const [px, py] = f.toPixel(u, v);
    x0 = Math.min(x0, px); x1 = Math.max(x1, px); y0 = Math.min(y0, py); y1 = Math.max(y1, py);
  }
  const pad = soft + 1;
  const xa = Math.max(0, Math.floor(x0 - pad));
  const xb = Math.min(n - 1, Math.ceil(x1 + pad));
  const ya = Math.max(0, Math.floor(y0 - pad));
  const yb = Math.min(n - 1, Math.ceil(y1 + pad));
  if (xa > xb || ya > yb) return;
  const inv = 1 / f.scale;
  const { cos, sin, scale } = f;
  const isConst = Array.isArray(colour);
  const shader = isConst ? null : (colour as Shader);
  if (isConst) { scratch[0] = colour[0]; scratch[1] = colour[1]; scratch[2] = colour[2]; }
  const rgb = canvas.rgb;
  const mask = canvas.mask;
  for (let py = ya; py <= yb; py++) {
    const dy = py + 0.5 - f.cy;
    for (let px = xa; px <= xb; px++) {
      const dx = px + 0.5 - f.cx;
      const u = (cos * dx + sin * dy) * inv;
      const v = (-sin * dx + cos * dy) * inv;
      const d = sdf(u, v) * scale;
      let a = 0.5 - d / soft;
      if (a <= 0) continue;
      if (a > 1) a = 1;
      a *= opacity;
      if (shader) shader(u, v, scratch);
      const i = (py * n + px) * 3;
      if (multiply) {
        rgb[i] = rgb[i]! * (1 - a + a * scratch[0]!);
        rgb[i + 1] = rgb[i + 1]! * (1 - a + a * scratch[1]!);
        rgb[i + 2] = rgb[i + 2]! * (1 - a + a * scratch[2]!);
      } else {
        rgb[i] = rgb[i]! + (scratch[0]! - rgb[i]!) * a;
        rgb[i + 1] = rgb[i + 1]! + (scratch[1]! - rgb[i + 1]!) * a;
        rgb[i + 2] = rgb[i + 2]! + (scratch[2]! - rgb[i + 2]!) * a;
      }
      if (fg) {
        const m = py * n + px;
        mask[m] = mask[m]! + a * (1 - mask[m]!);
      }
    }
  }
}

/** Paints every pixel with a shader in image coordinates (u, v in [0, 1]); used for backgrounds. */
export function fillAll(canvas: Canvas, shader: Shader): void {
  const n = canvas.size;
  const rgb = canvas.rgb;
  for (let py = 0; py < n; py++) {
    const v = (py + 0.5) / n;
    for (let px = 0; px < n; px++) {
      shader((px + 0.5) / n, v, scratch);
      const i = (py * n + px) * 3;
      rgb[i] = scratch[0]!;
      rgb[i + 1] = scratch[1]!;
      rgb[i + 2] = scratch[2]!;
    }
  }
}

// ---- colour helpers (sRGB components in [0, 1]) ----

export function hsl(h: number, s: number, l: number): RGB {
  h = ((h % 1) + 1) % 1;
  const a = s * Math.min(l, 1 - l);
  const k = (n: number): number => {
    const t = (n + h * 12) % 12;
    return l - a * Math.max(-1, Math.min(t - 3, 9 - t, 1));
  };
  return [k(0), k(8), k(4)];
}

/** Writes mix(a, b, t) into out[0..2] without allocating (for per-pixel shaders). */
export function mixInto(out: Float64Array, a: RGB, b: RGB, t: number): void {
  out[0] = a[0] + (b[0] - a[0]) * t;
  out[1] = a[1] + (b[1] - a[1]) * t;
  out[2] = a[2] + (b[2] - a[2]) * t;
}

export function mix(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function scale(c: RGB, k: number): RGB {
  return [c[0] * k, c[1] * k, c[2] * k];
}

/** Piecewise-linear lookup in a list of colour stops spread evenly over t in [0, 1]. */
export function ramp(stops: readonly RGB[], t: number): RGB {
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  return mix(stops[i]!, stops[i + 1]!, x - i);
}

export function rgb255(r: number, g: number, b: number): RGB {
  return [r / 255, g / 255, b / 255];
}
