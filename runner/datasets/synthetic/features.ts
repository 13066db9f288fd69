/**
 * Paints the facial features on top of the face: eye sockets, beard, nose, mouth, eyes, brows and
 * glasses, each placed through the head turn (Person.turn) and pitch (Person.tilt). Shapes are
 * bands between curves (lids, lips, brows) with vertical distances, accurate enough for coverage
 * at 32-128 px. Features never change the foreground mask: they lie inside the face.
 */
import { Canvas, fill, hsl, mix, scale, type RGB } from './canvas.js';
import { fbm } from './noise.js';
import { capsule, circle, ellipse, box } from './sdf.js';
import { faceSdf } from './head.js';
import { EYE_V, type Person } from './person.js';

export function drawFeatures(c: Canvas, h: Person): void {
  drawSockets(c, h);
  if (h.p.beard > 0) drawBeard(c, h);
  drawNose(c, h);
  drawMouth(c, h);
  drawEyes(c, h);
  drawBrows(c, h);
  if (h.p.glasses > 0) drawGlasses(c, h);
}

function eyeGeom(h: Person, side: number): { x: number; v: number; w: number; k: number; hh: number } {
  const { p } = h;
  const t = h.turn(side * p.eyeSpacing);
  const w = 0.15 * p.eyeSize * t.k;
  return { x: t.x, v: EYE_V + h.tilt(EYE_V), w, k: t.k, hh: 0.075 * p.eyeSize * (0.35 + 0.75 * p.eyeOpen) };
}

function drawSockets(c: Canvas, h: Person): void {
  for (const side of [-1, 1]) {
    const e = eyeGeom(h, side);
    fill(c, h.head, [e.x - 0.4, e.v - 0.3, e.x + 0.4, e.v + 0.3], (u, v) => ellipse(u, v, e.x, e.v - 0.02, e.w * 1.7, 0.13), [0.86, 0.8, 0.8], { mode: 'multiply', soft: h.head.scale * 0.12 });
  }
}

function drawEyes(c: Canvas, h: Person): void {
  const { p } = h;
  const iris: RGB = p.irisLightness < 0.5
    ? mix([0.12, 0.07, 0.04], [0.42, 0.26, 0.12], p.irisLightness * 2)
    : hsl(0.25 + 0.4 * p.irisHue, 0.35, 0.25 + 0.3 * (p.irisLightness - 0.5));
  const lash: RGB = scale(mix(h.hair, [0.05, 0.04, 0.04], 0.7), 1);
  for (const side of [-1, 1]) {
    const e = eyeGeom(h, side);
    const tilt = side * p.eyeTilt;
    const upper = (u: number): number => { const q = (u - e.x) / e.w; return e.v - e.hh * (1 - q * q) - tilt * (u - e.x); };
    const lower = (u: number): number => { const q = (u - e.x) / e.w; return e.v + e.hh * 0.75 * (1 - q * q) - tilt * (u - e.x); };
    const almond = (u: number, v: number): number => Math.max(upper(u) - v, v - lower(u), Math.abs(u - e.x) - e.w);
    const b: [number, number, number, number] = [e.x - e.w - 0.05, e.v - e.hh - 0.1, e.x + e.w + 0.05, e.v + e.hh + 0.1];
    fill(c, h.head, b, almond, [0.9, 0.87, 0.84]);
    const ix = e.x + (p.gazeX * 0.35 + p.yaw * 0.6) * e.w;
    const ir = Math.min(e.hh * 1.05, e.w * 0.55) + 0.01;
    fill(c, h.head, b, (u, v) => Math.max(circle(u, v, ix, e.v - e.hh * 0.1, ir), almond(u, v)), iris);
    fill(c, h.head, b, (u, v) => Math.max(circle(u, v, ix, e.v - e.hh * 0.1, ir * 0.45), almond(u, v)), [0.03, 0.02, 0.02]);
    const gx = ix - p.lightAzimuth * ir * 0.35, gy = e.v - e.hh * 0.1 - ir * 0.35;
    fill(c, h.head, b, (u, v) => circle(u, v, gx, gy, ir * 0.22), [1, 1, 1], { opacity: 0.85 });
    // Upper lid line with lashes, thicker toward the outer corner.
    fill(c, h.head, b, (u, v) => {
      const q = (u - e.x) / e.w;
      const th = 0.016 + 0.012 * Math.max(0, q * side) + 0.008 * e.k;
      return Math.max(Math.abs(v - upper(u) + th * 0.5) - th, Math.abs(u - e.x) - e.w * 1.08);
    }, lash, { opacity: 0.92 });
    // Crease above the lid.
    fill(c, h.head, b, (u, v) => Math.max(Math.abs(v - upper(u) + e.hh * 0.6 + 0.03) - 0.008, Math.abs(u - e.x) - e.w * 0.85), [0.72, 0.62, 0.6], { mode: 'multiply', soft: 1.5 });
  }
}

function drawBrows(c: Canvas, h: Person): void {
  const { p } = h;
  const col = mix(h.hair, [0.08, 0.06, 0.05], 0.35);
  for (const side of [-1, 1]) {
    const t = h.turn(side * (p.eyeSpacing + 0.02));
    const w = 0.2 * t.k;
    const v0 = EYE_V - 0.2 * p.browHeight - 0.06 + h.tilt(-0.3) - 0.03 * p.smile * 0;
    const curve = (u: number): number => {
      const q = (u - t.x) / w;
      return v0 - 0.05 * p.browArch * (1 - q * q) + side * p.browTilt * (u - t.x) * 0.6 - 0.02 * q * side;
    };
    fill(c, h.head, [t.x - w - 0.05, v0 - 0.2, t.x + w + 0.05, v0 + 0.12], (u, v) => {
      const q = (u - t.x) / w;
      const th = 0.028 * p.browThickness * (1 - 0.45 * Math.max(0, q * side)) + 0.006;
      return Math.max(Math.abs(v - curve(u)) - th, Math.abs(u - t.x) - w);
    }, col, { opacity: 0.9, soft: 1.1 });
  }
}

function drawNose(c: Canvas, h: Person): void {
  const { p } = h;
  const tip = h.turn(0, 0.25);
  const root = h.turn(0, 0.05);
  const vt = EYE_V + p.noseLength + h.tilt(0.45);
  const nw = p.noseWidth * (0.8 + 0.2 * tip.k);
  const dark: [number, number, number] = [0.78, 0.7, 0.68];
  // Shadow along the side of the bridge away from the light.
  const side = p.lightAzimuth >= 0 ? -1 : 1;
  fill(c, h.head, [root.x - 0.3, EYE_V, tip.x + 0.3, vt + 0.1], (u, v) => capsule(u, v, root.x + side * 0.07, EYE_V + 0.12, tip.x + side * nw * 0.85, vt - 0.05, 0.035), dark, { mode: 'multiply', soft: h.head.scale * 0.08 });
  // Tip and wings.
  fill(c, h.head, [tip.x - 0.3, vt - 0.2, tip.x + 0.3, vt + 0.15], (u, v) => ellipse(u, v, tip.x, vt + 0.07, nw * 1.1, 0.045), [0.72, 0.62, 0.6], { mode: 'multiply', soft: h.head.scale * 0.05 });
  for (const s of [-1, 1]) {
    fill(c, h.head, [tip.x - 0.3, vt - 0.1, tip.x + 0.3, vt + 0.1], (u, v) => ellipse(u, v, tip.x + s * nw * 0.5 * tip.k, vt + 0.02, 0.04, 0.022), [0.45, 0.33, 0.32], { mode: 'multiply', soft: 1.2 });
  }
  fill(c, h.head, [tip.x - 0.2, vt - 0.2, tip.x + 0.2, vt + 0.05], (u, v) => ellipse(u, v, tip.x - p.lightAzimuth * 0.03, vt - 0.06, nw * 0.45, 0.05), [1.12, 1.1, 1.08], { mode: 'multiply', soft: h.head.scale * 0.06 });
}

function mouthGeom(h: Person): { x: number; v: number; w: number; k: number } {
  const t = h.turn(0, 0.08);
  return { x: t.x, v: EYE_V + h.p.noseLength + 0.36 + h.tilt(0.8), w: h.p.mouthWidth * t.k, k: t.k };
}

function drawMouth(c: Canvas, h: Person): void {
  const { p } = h;
  const m = mouthGeom(h);
  const smile = p.smile;
  const open = p.mouthOpen * 0.09;
  const line = (u: number): number => { const q = (u - m.x) / m.w; return m.v + smile * 0.02 - smile * 0.075 * q * q; };
  const env = (u: number): number => { const q = (u - m.x) / m.w; return Math.sqrt(Math.max(0, 1 - q * q)); };
  const up = 0.042 * p.lipFullness;
  const low = 0.055 * p.lipFullness;
  const b: [number, number, number, number] = [m.x - m.w - 0.1, m.v - 0.2, m.x + m.w + 0.1, m.v + 0.3];
  // Shadow under the lower lip.
  fill(c, h.head, b, (u, v) => ellipse(u, v, m.x, m.v + open + low + 0.07, m.w * 0.55, 0.04), [0.82, 0.74, 0.72], { mode: 'multiply', soft: h.head.scale * 0.06 });
  // Upper lip (with a cupid's bow dip) and lower lip.
  fill(c, h.head, b, (u, v) => {
    const dip = 0.012 * Math.exp(-((u - m.x) ** 2) / 0.003);
    const top = line(u) - up * env(u) * (0.6 + 0.4 * env(u)) + dip;
    return Math.max(top - v, v - line(u), Math.abs(u - m.x) - m.w);
  }, scale(h.lips, 0.9));
  fill(c, h.head, b, (u, v) => Math.max(line(u) + open * env(u) - v, v - (line(u) + open * env(u) + low * env(u)), Math.abs(u - m.x) - m.w * 0.9), h.lips);
  if (open > 0.01) {
    fill(c, h.head, b, (u, v) => Math.max(line(u) - v, v - (line(u) + open * env(u)), Math.abs(u - m.x) - m.w * 0.95), [0.22, 0.07, 0.07]);
    fill(c, h.head, b, (u, v) => Math.max(line(u) - v, v - (line(u) + Math.min(open, 0.03) * env(u)), Math.abs(u - m.x) - m.w * 0.7), [0.93, 0.9, 0.84]);
  } else {
    fill(c, h.head, b, (u, v) => Math.max(Math.abs(v - line(u)) - 0.008, Math.abs(u - m.x) - m.w * 1.02), [0.45, 0.25, 0.24], { mode: 'multiply', soft: 1.2 });
  }
}

function drawBeard(c: Canvas, h: Person): void {
  const { p } = h;
  const m = mouthGeom(h);
  const face = faceSdf(h);
  const seed = h.tex + 17;
  const col = mix(h.hair, [0.1, 0.08, 0.07], 0.3);
  const full = p.beard > 0.6;
  const fb = Math.min(20, 0.35 * h.head.scale);
  fill(c, h.head, [-h.rx - 0.1, m.v - 0.3, h.rx + 0.1, h.ry + 0.2], (u, v) => {
    const region = full ? Math.max(face(u, v) - 0.05, m.v - 0.12 - 0.25 * Math.abs(u) - v) : Math.max(face(u, v), m.v - 0.1 - v);
    return region + 0.03 * fbm(u * 12, v * 12, seed, 2);
  }, (u, v, o) => {
    const k = 0.7 + 0.6 * fbm(u * fb, v * fb, seed + 1, 2);
    o[0] = col[0] * k; o[1] = col[1] * k; o[2] = col[2] * k;
  }, { fg: true, soft: 1.5, opacity: full ? 0.95 : 0.45 * p.beard + 0.15 });
  // Moustache.
  fill(c, h.head, [m.x - m.w - 0.1, m.v - 0.2, m.x + m.w + 0.1, m.v], (u, v) => Math.max(box(u, v, m.x, m.v - 0.075, m.w * 0.95, 0.04, 0.03), -0.5), col, { soft: 1.3, opacity: 0.4 + 0.5 * p.beard });
}

function drawGlasses(c: Canvas, h: Person): void {
  const { p } = h;
  const frame: RGB = p.clothHue < 0.5 ? [0.08, 0.07, 0.07] : hsl(p.irisHue, 0.4, 0.3);
  const lens = [-1, 1].map((s) => eyeGeom(h, s));
  const r = 0.02;
  for (const e of lens) {
    const hw = e.w * 1.45 + 0.02, hh = 0.13;
    fill(c, h.head, [e.x - hw - 0.05, e.v - hh - 0.05, e.x + hw + 0.05, e.v + hh + 0.05], (u, v) => box(u, v, e.x, e.v + 0.01, hw, hh, 0.06), [0.9, 0.95, 1], { opacity: 0.12 });
    fill(c, h.head, [e.x - hw - 0.05, e.v - hh - 0.05, e.x + hw + 0.05, e.v + hh + 0.05], (u, v) => Math.abs(box(u, v, e.x, e.v + 0.01, hw, hh, 0.06)) - r, frame);
  }
  const a = lens[0]!, b = lens[1]!;
  fill(c, h.head, [a.x, a.v - 0.2, b.x, a.v + 0.1], (u, v) => capsule(u, v, a.x + a.w * 1.45, a.v - 0.02, b.x - b.w * 1.45, b.v - 0.02, r), frame);
}
