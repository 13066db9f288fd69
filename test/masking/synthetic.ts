/**
 * Tiny synthetic portraits with exact ground-truth masks for the mask tests and benchmark: a
 * skin-toned head (ellipse) with eyes and mouth, hair cap, neck and shoulders, on a textured
 * background (stripes + value noise), all from a seeded PRNG. Written as packed artifacts with
 * PackedWriter (dataset.json + images.u8, masks.json + masks.u8), the layout a dataset stage emits.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackedWriter } from '../../runner/datasets/packed.js';
import { Rng } from '../../runner/linalg/random.js';
import type { ArtifactRef } from '../../runner/stages/types.js';

/** Uniforms in [0, 1) from the shared seeded PRNG (mulberry32, runner/linalg/random.ts). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.uniform();
}

function inEllipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number): boolean {
  const dx = (x - cx) / rx, dy = (y - cy) / ry;
  return dx * dx + dy * dy <= 1;
}

/** One portrait: RGB pixels (res*res*3) and its mask (res*res, 0/255). */
export function portrait(res: number, seed: number): { rgb: Uint8Array; mask: Uint8Array } {
  const r = rng(seed);
  const rgb = new Uint8Array(res * res * 3);
  const mask = new Uint8Array(res * res);
  const bg = [40 + r() * 170, 40 + r() * 170, 40 + r() * 170];
  const stripe = 4 + r() * 12, angle = r() * Math.PI;
  const skin = [170 + r() * 70, 120 + r() * 60, 90 + r() * 50];
  const hair = [20 + r() * 90, 15 + r() * 60, 10 + r() * 40];
  const shirt = [r() * 255, r() * 255, r() * 255];
  const cx = res * (0.45 + r() * 0.1), cy = res * (0.4 + r() * 0.08);
  const rx = res * (0.17 + r() * 0.05), ry = rx * (1.25 + r() * 0.15);
  const noise = Array.from({ length: 64 }, () => r());
  for (let y = 0; y < res; y++) {
    for (let x = 0; x < res; x++) {
      const i = y * res + x;
      const s = Math.sin(((x * Math.cos(angle) + y * Math.sin(angle)) / stripe) * Math.PI);
      const n = noise[((x >> 3) * 7 + (y >> 3) * 13) & 63]!;
      let c = bg.map((v) => v + 35 * s + 40 * (n - 0.5));
      let fg = false;
      const shoulders = y > cy + ry * 0.9 && inEllipse(x, y, cx, res * 1.05, res * 0.42, res * 0.3);
      const neck = y > cy && y < cy + ry * 1.3 && Math.abs(x - cx) < rx * 0.45;
      const head = inEllipse(x, y, cx, cy, rx, ry);
      const hairCap = inEllipse(x, y, cx, cy - ry * 0.15, rx * 1.08, ry * 0.95) && y < cy - ry * 0.35;
      if (shoulders) { c = shirt.map((v) => v * (0.85 + 0.15 * Math.sin(x / 5))); fg = true; }
      if (neck || head) { c = skin.map((v) => v * (0.9 + 0.1 * (1 - (x - cx) ** 2 / (rx * rx)))); fg = true; }
      if (hairCap) { c = hair; fg = true; }
      if (head) {
        const ey = cy - ry * 0.1, ex = rx * 0.4;
        if (inEllipse(x, y, cx - ex, ey, rx * 0.14, ry * 0.07) || inEllipse(x, y, cx + ex, ey, rx * 0.14, ry * 0.07)) c = [40, 30, 30];
        if (inEllipse(x, y, cx, cy + ry * 0.45, rx * 0.3, ry * 0.06)) c = [150, 50, 60];
      }
      for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k]!)));
      mask[i] = fg ? 255 : 0;
    }
  }
  return { rgb, mask };
}

/** Writes a packed dataset artifact of `count` portraits (with ground truth unless told otherwise). */
export function syntheticDataset(count: number, res: number, opts: { seed?: number; groundTruth?: boolean } = {}): ArtifactRef {
  const dir = mkdtempSync(join(tmpdir(), 'btf-mask-test-ds-'));
  const names = Array.from({ length: count }, (_, i) => `synthetic/${String(i).padStart(5, '0')}`);
  const images = new PackedWriter(dir, { resolution: res, channels: 3, file: 'images.u8', names });
  const masks = opts.groundTruth === false ? undefined : new PackedWriter(dir, { resolution: res, channels: 1, file: 'masks.u8', names }, 'masks.json');
  for (let i = 0; i < count; i++) {
    const p = portrait(res, (opts.seed ?? 1) * 1000 + i);
    images.append(p.rgb);
    masks?.append(p.mask);
  }
  images.finish({ source: 'test-synthetic' });
  masks?.finish({ source: 'test-synthetic' });
  return { key: 'test', hash: 'test', dir, summary: { count, resolution: res }, kind: 'dataset' };
}
