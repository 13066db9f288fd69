/**
 * Paints the person's silhouette layers: shoulders and clothes, hair behind the head, neck, ears,
 * the face, and the front hair cap; then relights everything in the foreground mask from the
 * light direction. Every layer here is foreground (it adds to the soft mask). Facial features
 * are in features.ts.
 */
import { Canvas, fill, mix, scale, type Shader } from './canvas.js';
import { fbm, noise2 } from './noise.js';
import { box, circle, ellipse, smoothstep, triangle } from './sdf.js';
import type { Person } from './person.js';

const FG = { fg: true } as const;

/** Egg-shaped face: an ellipse whose width tapers below the cheeks by `jaw`. */
export function faceSdf(h: Person): (u: number, v: number) => number {
  const { rx, ry } = h;
  const taper = 0.18 + 0.22 * h.p.jaw;
  const yaw = h.p.yaw;
  return (u, v) => {
    // A turned head carries its lower face (cheek, jaw, chin) toward the turn.
    const x = u - yaw * (0.1 + 0.3 * smoothstep(0, ry, v));
    const t = v > 0 ? 1 - taper * (v / ry) * (v / ry) : 1;
    return ellipse(x / t, v, 0, 0, rx, ry) * t;
  };
}

function hairShader(h: Person, curly: boolean): Shader {
  const base = h.hair;
  const part = h.p.hairPart * 0.35;
  const seed = h.tex;
  // Texture frequencies are capped by the pixel size of a head unit so 32-64 px images don't alias.
  const px = h.head.scale;
  const fc = Math.min(9, 0.3 * px), f1 = Math.min(60, 0.6 * px), f2 = Math.min(140, 1.2 * px);
  return (u, v, o) => {
    let k: number;
    if (curly) {
      k = 0.62 + 0.65 * fbm(u * fc, v * fc, seed, 2);
    } else {
      // Strands fan out from above the crown; a sheen band follows the skull.
      const a = Math.atan2(u - part, v + 2.6);
      const r = Math.hypot(u - part * 0.5, v + 0.15);
      k = 0.7 + 0.25 * noise2(a * f1, v * 2, seed) + 0.2 * noise2(a * f2, v * 4, seed + 1) + 0.2 * Math.exp(-((r - 1.05) * (r - 1.05)) / 0.015);
    }
    o[0] = base[0] * k; o[1] = base[1] * k; o[2] = base[2] * k;
  };
}

function skinShader(h: Person): Shader {
  const s = h.skin;
  const blush = mix(s, [0.85, 0.45, 0.45], 0.22);
  const seed = h.tex + 5;
  const fs = Math.min(14, 0.3 * h.head.scale);
  return (u, v, o) => {
    const b = Math.exp(-((Math.abs(u) - 0.55) ** 2 + (v - 0.42) ** 2) / 0.05) * 0.6;
    const k = 0.97 + 0.06 * noise2(u * fs, v * fs, seed);
    o[0] = (s[0] + (blush[0] - s[0]) * b) * k;
    o[1] = (s[1] + (blush[1] - s[1]) * b) * k;
    o[2] = (s[2] + (blush[2] - s[2]) * b) * k;
  };
}

export function drawBody(c: Canvas, h: Person): void {
  const { body, p } = h;
  const sw = 2.0 + 0.25 * p.faceWidth;
  const cloth = h.cloth;
  const seed = h.tex + 11;
  fill(c, body, [-sw - 0.2, 1.6, sw + 0.2, 5], (u, v) => Math.min(ellipse(u, v, 0, 2.65, sw, 0.9), box(u, v, 0, 3.8, sw * 0.99, 1.15, 0.3)),
    (u, v, o) => {
      const k = 0.85 + 0.2 * fbm(u * 3, v * 3, seed, 2) - 0.15 * smoothstep(0.6, 1, Math.abs(u) / sw);
      o[0] = cloth[0] * k; o[1] = cloth[1] * k; o[2] = cloth[2] * k;
    }, FG);
}

export function drawBackHair(c: Canvas, h: Person): void {
  const { head, rx, ry, p } = h;
  const vol = p.hairVolume;
  const style = p.hairStyle;
  const seed = h.tex + 3;
  if (style === 4) { // bob: rounded mass to the jaw
    const w = rx + 0.22 + 0.18 * vol;
    fill(c, head, [-w - 0.1, -ry - 0.5, w + 0.1, 1.1], (u, v) => Math.max(ellipse(u, v, 0, -0.15, w, ry + 0.2), v - 0.75 - 0.05 * Math.sin(u * 9)), hairShader(h, false), { fg: true, soft: 1.3 });
  } else if (style === 5) { // long: falls past the shoulders, wavy edges
    const w = rx + 0.25 + 0.15 * vol;
    const wave = 0.03 + 0.05 * vol;
    fill(c, head, [-w - 0.3, -ry - 0.5, w + 0.3, 4.5], (u, v) => {
      const top = ellipse(u, v, 0, -0.15, w, ry + 0.2);
      const drape = box(u, v, 0, 1.4, w + 0.05 + 0.08 * v + wave * Math.sin(v * 5 + u), 1.6, 0.4);
      return Math.min(top, drape) + 0.03 * (fbm(u * 10, v * 3, seed, 2) - 0.5);
    }, hairShader(h, false), { fg: true, soft: 1.4 });
  } else if (style === 6) { // bun on top
    fill(c, head, [-0.6, -ry - 0.9, 0.6, -ry + 0.2], (u, v) => circle(u, v, 0.05 * p.hairPart, -ry - 0.22, 0.38 + 0.1 * vol), hairShader(h, true), { fg: true, soft: 1.3 });
  } else if (style === 7) { // curly: big bumpy mass
    const w = rx + 0.45 + 0.3 * vol;
    fill(c, head, [-w - 0.3, -ry - 1, w + 0.3, 1.2], (u, v) => Math.max(ellipse(u, v, 0, -0.35, w, ry + 0.35 + 0.1 * vol), v - 0.7) + 0.12 * (fbm(u * 5, v * 5, seed, 2) - 0.5), hairShader(h, true), { fg: true, soft: 1.5 });
  }
}

export function drawNeck(c: Canvas, h: Person): void {
  const { body, p, skin } = h;
  const hw = 0.36 + 0.1 * p.faceWidth;
  const shadow = scale(skin, 0.7);
  const neck = (u: number, v: number): number => {
    // The neck widens into the shoulders (trapezius) below the jaw.
    const w = hw + 0.22 * smoothstep(1.3, 2.0, v) * smoothstep(1.3, 2.0, v);
    const d = Math.max(Math.abs(u) - w, Math.abs(v - 1.45) - 0.95);
    if (p.neckline === 0) return Math.min(d, ellipse(u, v, 0, 1.82, 0.62, 0.38));
    if (p.neckline === 1) return Math.min(d, triangle(u, v, -0.6, 1.75, 0.6, 1.75, 0, 2.55));
    return d;
  };
  fill(c, body, [-0.8, 0.4, 0.8, 2.6], neck, (u, v, o) => {
    const t = smoothstep(0.7, 1.5, v - 0.25 * Math.abs(u));
    o[0] = shadow[0] + (skin[0] - shadow[0]) * t; o[1] = shadow[1] + (skin[1] - shadow[1]) * t; o[2] = shadow[2] + (skin[2] - shadow[2]) * t;
  }, FG);
  if (p.neckline === 2) { // high collar / turtleneck
    fill(c, body, [-0.9, 1.2, 0.9, 3], (u, v) => Math.min(box(u, v, 0, 2.1, hw + 0.1, 0.55, 0.1), ellipse(u, v, 0, 2.65, hw + 0.5, 0.9)), h.cloth, FG);
  }
}

export function drawEars(c: Canvas, h: Person): void {
  const s = h.p.hairStyle;
  if (s === 4 || s === 5 || s === 7) return; // covered by hair
  for (const side of [-1, 1]) {
    // Ears sit at about +-84 degrees of longitude; one turning behind the head is not drawn.
    const a = side * 1.46 + h.p.yaw;
    if (Math.abs(a) > 1.5) continue;
    const x = (h.rx - 0.03) * Math.sin(a);
    const ear = (u: number, v: number): number => ellipse(u, v, x, 0.12, 0.16, 0.27);
    fill(c, h.head, [x - 0.3, -0.3, x + 0.3, 0.5], ear, scale(h.skin, 0.93), FG);
    fill(c, h.head, [x - 0.3, -0.3, x + 0.3, 0.5], (u, v) => ellipse(u, v, x + side * 0.02, 0.13, 0.07, 0.16), [0.75, 0.62, 0.6], { mode: 'multiply', soft: 1.5 });
  }
}

export function drawFace(c: Canvas, h: Person): void {
  fill(c, h.head, [-h.rx - 0.1, -h.ry - 0.1, h.rx + 0.1, h.ry + 0.1], faceSdf(h), skinShader(h), FG);
}

/** Hairline height at lateral position u (smaller v = higher on the forehead). */
function hairline(h: Person, u: number): number {
  const s = h.p.hairStyle;
  const x = u - h.p.yaw * 0.4;
  const side = smoothstep(0.68, 0.95, Math.abs(x));
  const part = 0.09 * h.p.hairPart * x;
  if (s === 3) return -0.42 + 0.35 * x * x + 0.025 * Math.sin(x * 30) + side * 0.8;
  if (s === 4) return -0.78 + 0.4 * x * x + part + side * 1.3;
  if (s === 5) return -0.8 + 0.4 * x * x + part + side * 1.7;
  if (s === 7) return -0.7 + 0.35 * x * x + 0.03 * Math.sin(x * 25) + side * 0.9;
  return -0.82 + 0.45 * x * x + part + side * 0.9;
}

export function drawFrontHair(c: Canvas, h: Person): void {
  const { head, rx, ry, p } = h;
  const s = p.hairStyle;
  if (s === 0) return;
  const tight = s === 1 || s === 6;
  const grow = tight ? 0.03 : 0.08 + 0.14 * p.hairVolume;
  const capRx = rx + grow;
  const capRy = ry + grow + (tight ? 0 : 0.06);
  const cy = tight ? -0.02 : -0.1;
  const cap = (u: number, v: number): number => Math.max(ellipse(u, v, 0, cy, capRx, capRy), (v - hairline(h, u)) * 0.6);
  fill(c, head, [-capRx - 0.1, cy - capRy - 0.1, capRx + 0.1, 1.2], cap, hairShader(h, s === 7), { fg: true, soft: 1.2, opacity: s === 1 ? 0.75 : 1 });
}

/** Lambert-style relighting of the foreground, weighted by the mask so the background is untouched. */
export function relight(c: Canvas, h: Person): void {
  const { p, body } = h;
  const az = p.lightAzimuth * 1.1;
  const el = p.lightElevation * 0.9;
  const lx = Math.sin(az) * Math.cos(el), ly = -Math.sin(el) * 0.6, lz = Math.cos(az) * Math.cos(el);
  // Blinn-Phong half vector with the viewer on +z: a soft sheen on the forehead, nose and cheeks.
  const hl = Math.hypot(lx, ly, lz + 1);
  const hx = lx / hl, hy = ly / hl, hz = (lz + 1) / hl;
  const sheen = 0.05 + 0.12 * p.lightStrength;
  const amb = 1 - 0.55 * p.lightStrength;
  const dif = 0.55 * p.lightStrength + 0.12;
  const warmR = 1 + 0.05 * p.lightWarmth, warmB = 1 - 0.06 * p.lightWarmth;
  const n = c.size;
  const cos = body.cos, sin = body.sin;
  for (let py = 0; py < n; py++) {
    for (let px = 0; px < n; px++) {
      const m = c.mask[py * n + px]!;
      if (m <= 0) continue;
      const dx = px + 0.5 - body.cx, dy = py + 0.5 - body.cy;
      const u = (cos * dx + sin * dy) / body.scale, v = (-sin * dx + cos * dy) / body.scale;
      // Head: a sphere-like normal; neck and body: a cylinder; blended between so no seam shows.
      const t = smoothstep(0.9, 1.9, v);
      const nx = (u / 1.6) * (1 - t) + (u / 2.6) * t;
      const ny = Math.min(0.95, (v + 0.2) / 1.9) * (1 - t) - 0.1 * t;
      const nz = Math.sqrt(Math.max(0, 1 - nx * nx - ny * ny));
      const lam = Math.max(0, nx * lx + ny * ly + nz * lz);
      const k = 1 + (amb + dif * lam - 1) * m;
      const nh = Math.max(0, nx * hx + ny * hy + nz * hz);
      const spec = sheen * (1 - t) * m * (nh * nh) ** 8;
      const i = (py * n + px) * 3;
      c.rgb[i] = c.rgb[i]! * k * (1 + (warmR - 1) * m) + spec;
      c.rgb[i + 1] = c.rgb[i + 1]! * k + spec;
      c.rgb[i + 2] = c.rgb[i + 2]! * k * (1 + (warmB - 1) * m) + spec;
    }
  }
}
