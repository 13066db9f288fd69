/**
 * Cluttered, varied backgrounds for synthetic portraits: colour fields, gradients, bokeh, patterns,
 * random shapes, noise textures and simple outdoor / indoor scenes. Drawn in image coordinates
 * (u, v in [0, 1]) before the person, never touching the foreground mask. `bgBlur` widens every
 * edge (depth of field for free with analytic coverage). Detail placement uses its own stream.
 */
import type { Rng } from '../prng.js';
import { Canvas, Frame, fill, fillAll, hsl, mix, mixInto, ramp, scale, type RGB } from './canvas.js';
import { fbm, noise2, octavesFor } from './noise.js';
import { box, boxRot, circle, ellipse, triangle } from './sdf.js';
import type { BackgroundParams } from './params.js';

type BgCore = Omit<BackgroundParams, 'bgMeanR' | 'bgMeanG' | 'bgMeanB' | 'bgStd'>;
const ALL: [number, number, number, number] = [0, 0, 1, 1];

export function drawBackground(canvas: Canvas, p: BgCore, rng: Rng): void {
  const n = canvas.size;
  const f = new Frame(0, 0, n);
  const c1 = hsl(p.bgHue, p.bgSaturation, p.bgLightness);
  const c2 = hsl(p.bgHue2, Math.min(1, p.bgSaturation + 0.2), p.bgLightness2);
  const soft = 1 + p.bgBlur * n * 0.05;
  const seed = rng.u32() | 0;
  const ca = Math.cos(p.bgAngle);
  const sa = Math.sin(p.bgAngle);
  switch (p.bgType) {
    case 0: // studio backdrop: one colour, soft light fall-off
      fillAll(canvas, (u, v, o) => {
        const k = 1.12 - 0.45 * Math.hypot(u - 0.5, v - 0.4);
        o[0] = c1[0] * k; o[1] = c1[1] * k; o[2] = c1[2] * k;
      });
      break;
    case 1: // linear gradient
      fillAll(canvas, (u, v, o) => {
        mixInto(o, c1, c2, Math.max(0, Math.min(1, 0.5 + (u - 0.5) * ca + (v - 0.5) * sa)));
      });
      break;
    case 2: { // radial spot
      const sx = rng.range(0.1, 0.9);
      const sy = rng.range(0.1, 0.7);
      const r = 0.3 + p.bgScale * 0.6;
      fillAll(canvas, (u, v, o) => {
        mixInto(o, c2, c1, Math.min(1, Math.hypot(u - sx, v - sy) / r));
      });
      break;
    }
    case 3: { // bokeh: dim gradient with blurred lights
      const base = scale(c1, 0.6);
      const low = scale(c2, 0.5);
      fillAll(canvas, (u, v, o) => mixInto(o, base, low, v));
      const count = 8 + Math.floor(p.bgClutter * 35);
      const blur = 1 + (0.3 + p.bgBlur) * n * 0.04;
      for (let i = 0; i < count; i++) {
        const x = rng.next(), y = rng.next(), r = 0.02 + rng.next() * (0.04 + 0.08 * p.bgScale);
        const col = hsl(rng.chance(0.5) ? p.bgHue2 + rng.range(-0.08, 0.08) : rng.next(), rng.range(0.3, 0.9), rng.range(0.55, 0.9));
        fill(canvas, f, [x - r, y - r, x + r, y + r], (u, v) => circle(u, v, x, y, r), col, { soft: blur, opacity: rng.range(0.25, 0.75) });
      }
      break;
    }
    case 4: // stripes
    case 5: // checker
    case 6: { // dots
      const period = 0.04 + 0.2 * p.bgScale;
      fillAll(canvas, (u, v, o) => { o[0] = c1[0]; o[1] = c1[1]; o[2] = c1[2]; });
      const duty = 0.3 + 0.4 * p.bgClutter;
      fill(canvas, f, ALL, (u, v) => {
        const x = (u * ca + v * sa) / period;
        const y = (-u * sa + v * ca) / period;
        if (p.bgType === 4) return (Math.abs(x - Math.floor(x) - 0.5) - duty / 2) * period;
        if (p.bgType === 5) {
          const dx = Math.abs(x - Math.floor(x) - 0.5) - 0.25;
          const dy = Math.abs(y - Math.floor(y) - 0.5) - 0.25;
          return -dx * dy * period * 4;
        }
        return (Math.hypot(x - Math.floor(x) - 0.5, y - Math.floor(y) - 0.5) - duty * 0.5) * period;
      }, c2, { soft });
      break;
    }
    case 7: { // random flat shapes, poster-like
      fillAll(canvas, (u, v, o) => { o[0] = c1[0]; o[1] = c1[1]; o[2] = c1[2]; });
      const count = 6 + Math.floor(p.bgClutter * 30);
      for (let i = 0; i < count; i++) {
        const x = rng.next(), y = rng.next(), r = 0.03 + rng.next() * (0.06 + 0.2 * p.bgScale);
        const col = hsl(rng.next(), rng.range(0.2, 0.9), rng.range(0.15, 0.85));
        const kind = rng.int(3);
        const a = rng.range(0, Math.PI);
        const aspect = rng.range(0.3, 1);
        const sdf = kind === 0 ? (u: number, v: number) => circle(u, v, x, y, r)
          : kind === 1 ? (u: number, v: number) => boxRot(u, v, x, y, r, r * aspect, a)
          : (u: number, v: number) => triangle(u, v, x + r * Math.cos(a), y + r * Math.sin(a), x + r * Math.cos(a + 2.1), y + r * Math.sin(a + 2.1), x + r * Math.cos(a + 4.2), y + r * Math.sin(a + 4.2));
        fill(canvas, f, [x - r, y - r, x + r, y + r], sdf, col, { soft });
      }
      break;
    }
    case 8: { // noise texture: foliage, marble, plaster
      const freq = 3 + 14 * p.bgScale;
      const c3 = hsl(p.bgHue + 0.05, p.bgSaturation, Math.min(0.95, p.bgLightness + 0.25));
      const octaves = octavesFor(freq, n, p.bgBlur > 0.5 ? 2 : 4);
      const stops = [scale(c1, 0.55), c1, c2, c3];
      fillAll(canvas, (u, v, o) => {
        const c = ramp(stops, fbm(u * freq, v * freq, seed, octaves) * 1.3 - 0.15);
        o[0] = c[0]; o[1] = c[1]; o[2] = c[2];
      });
      break;
    }
    case 9: drawOutdoor(canvas, f, p, rng, soft, seed); break;
    case 10: drawIndoor(canvas, f, p, rng, soft, c1, c2); break;
    default: { // brick / tile wall
      const bw = 0.08 + 0.14 * p.bgScale;
      const bh = bw * 0.42;
      const fine = Math.min(40, 0.35 * n);
      const mortar: RGB = hsl(p.bgHue2, 0.05, Math.min(0.9, p.bgLightness2));
      fillAll(canvas, (u, v, o) => { o[0] = mortar[0]; o[1] = mortar[1]; o[2] = mortar[2]; });
      fill(canvas, f, ALL, (u, v) => {
        const row = Math.floor(v / bh);
        const x = u / bw + (row % 2) * 0.5;
        const dx = Math.abs(x - Math.floor(x) - 0.5) * bw - bw * 0.44;
        const dy = Math.abs(v / bh - row - 0.5) * bh - bh * 0.38;
        return Math.max(dx, dy);
      }, (u, v, o) => {
        const row = Math.floor(v / bh);
        const k = 0.8 + 0.35 * noise2(Math.floor(u / bw + (row % 2) * 0.5), row, seed) + 0.1 * noise2(u * fine, v * fine, seed + 7);
        o[0] = c1[0] * k; o[1] = c1[1] * k; o[2] = c1[2] * k;
      }, { soft });
    }
  }
}

function drawOutdoor(canvas: Canvas, f: Frame, p: BgCore, rng: Rng, soft: number, seed: number): void {
  const horizon = 0.4 + 0.35 * rng.next();
  const dusk = rng.chance(0.25);
  const skyTop: RGB = dusk ? hsl(0.65, 0.5, 0.25) : hsl(0.58 + rng.range(-0.03, 0.03), 0.6, 0.45 + 0.2 * p.bgLightness);
  const skyLow: RGB = dusk ? hsl(0.06, 0.8, 0.6) : hsl(0.56, 0.45, 0.8);
  const ground: RGB = hsl(p.bgHue2 * 0.35, 0.2 + 0.4 * p.bgSaturation, 0.2 + 0.35 * p.bgLightness2);
  const gOct = octavesFor(30, canvas.size, 2);
  fillAll(canvas, (u, v, o) => {
    if (v < horizon) return mixInto(o, skyTop, skyLow, v / horizon);
    const k = 0.8 + 0.4 * fbm(u * 12, v * 30, seed, gOct);
    o[0] = ground[0] * k; o[1] = ground[1] * k; o[2] = ground[2] * k;
  });
  const clouds = Math.floor(p.bgClutter * 6);
  for (let i = 0; i < clouds; i++) {
    const x = rng.next(), y = rng.range(0.05, horizon * 0.8), rx = rng.range(0.08, 0.2);
    fill(canvas, f, [x - rx, y - rx, x + rx, y + rx], (u, v) => ellipse(u, v, x, y, rx, rx * 0.35), [0.97, 0.97, 0.98], { soft: soft + n8(canvas) , opacity: 0.8 });
  }
  // Hills or city skyline along the horizon.
  if (rng.chance(0.5)) {
    const hill: RGB = hsl(0.3 + rng.range(-0.08, 0.08), 0.35, 0.25 + 0.2 * p.bgLightness2);
    fill(canvas, f, [0, horizon - 0.25, 1, horizon + 0.02], (u, v) => v - (horizon - 0.2 * fbm(u * 3, 0, seed + 3, 3)), hill, { soft });
  } else {
    let x = -0.05;
    while (x < 1.05) {
      const w = rng.range(0.05, 0.06 + 0.12 * p.bgScale);
      const h = rng.range(0.05, 0.3 + 0.2 * p.bgClutter);
      const col = hsl(rng.next(), rng.range(0, 0.25), rng.range(0.2, 0.7));
      const bx = x + w / 2, by = horizon - h / 2;
      fill(canvas, f, [x, horizon - h, x + w, horizon], (u, v) => box(u, v, bx, by, w / 2, h / 2), col, { soft });
      const win = scale(col, dusk ? 1.8 : 0.6);
      fill(canvas, f, [x, horizon - h, x + w, horizon], (u, v) => {
        const gx = Math.abs(((u - x) / 0.025) % 1 - 0.5) - 0.22;
        const gy = Math.abs(((v - horizon + h) / 0.03) % 1 - 0.5) - 0.2;
        return Math.max(box(u, v, bx, by, w / 2 - 0.01, h / 2 - 0.012), Math.max(gx * 0.025, gy * 0.03));
      }, win, { soft });
      x += w + rng.range(0, 0.03);
    }
  }
  // A few trees in front.
  const trees = Math.floor(p.bgClutter * 4);
  for (let i = 0; i < trees; i++) {
    const x = rng.next(), y = horizon + rng.range(-0.1, 0.1), r = rng.range(0.06, 0.14);
    fill(canvas, f, [x - 0.02, y, x + 0.02, y + r * 1.6], (u, v) => box(u, v, x, y + r * 0.8, 0.012, r * 0.8), [0.25, 0.17, 0.1], { soft });
    const leaf = hsl(0.25 + rng.range(-0.06, 0.06), 0.5, rng.range(0.18, 0.4));
    fill(canvas, f, [x - r, y - r * 1.3, x + r, y + r * 0.7], (u, v) => ellipse(u, v, x, y - r * 0.3, r, r * 1.0) + 0.01 * fbm(u * 40, v * 40, seed + i, 2), leaf, { soft });
  }
}

function n8(canvas: Canvas): number { return canvas.size / 64; }

function drawIndoor(canvas: Canvas, f: Frame, p: BgCore, rng: Rng, soft: number, c1: RGB, c2: RGB): void {
  const wall = mix(c1, [0.85, 0.82, 0.76], 0.4);
  fillAll(canvas, (u, v, o) => {
    const k = 0.9 + 0.2 * (1 - v);
    o[0] = wall[0] * k; o[1] = wall[1] * k; o[2] = wall[2] * k;
  });
  const items = 1 + Math.floor(p.bgClutter * 5);
  for (let i = 0; i < items; i++) {
    const kind = rng.int(4);
    const x = rng.next(), y = rng.range(0.05, 0.8);
    const w = rng.range(0.08, 0.15 + 0.25 * p.bgScale), h = rng.range(0.08, 0.35);
    if (kind === 0) { // window: bright pane, frame cross
      const frame: RGB = rng.chance(0.5) ? [0.92, 0.92, 0.9] : [0.35, 0.25, 0.18];
      fill(canvas, f, [x - w, y - h, x + w, y + h], (u, v) => box(u, v, x, y, w, h), frame, { soft });
      const sky = hsl(0.57, 0.4, 0.8);
      fill(canvas, f, [x - w, y - h, x + w, y + h], (u, v) => Math.max(box(u, v, x, y, w - 0.015, h - 0.015), 0.008 - Math.abs(u - x), 0.008 - Math.abs(v - y)), sky, { soft });
    } else if (kind === 1) { // picture frame
      fill(canvas, f, [x - w, y - h, x + w, y + h], (u, v) => box(u, v, x, y, w, h), scale(c2, 0.5), { soft });
      const art = hsl(rng.next(), 0.5, rng.range(0.3, 0.8));
      fill(canvas, f, [x - w, y - h, x + w, y + h], (u, v) => box(u, v, x, y, w * 0.8, h * 0.8), art, { soft });
    } else if (kind === 2) { // door / shelf: a tall dark rectangle with lines
      const col = hsl(0.08, 0.35, rng.range(0.2, 0.5));
      fill(canvas, f, [x - w, y - 0.1, x + w, 1], (u, v) => box(u, v, x, (y + 1) / 2, w, (1 - y) / 2 + 0.05), col, { soft });
      fill(canvas, f, [x - w, y - 0.1, x + w, 1], (u, v) => Math.max(box(u, v, x, (y + 1) / 2, w, (1 - y) / 2), 0.006 - Math.abs(((v - y) / 0.12) % 1 - 0.5) * 0.12 + 0.054), scale(col, 0.6), { soft });
    } else { // lamp: soft bright glow
      const r = rng.range(0.05, 0.12);
      fill(canvas, f, [x - r * 3, y - r * 3, x + r * 3, y + r * 3], (u, v) => circle(u, v, x, y, r), [1, 0.95, 0.8], { soft: soft + r * canvas.size * 0.8, opacity: 0.9 });
    }
  }
}
