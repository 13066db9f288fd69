/**
 * Renders synthetic portrait `index` of stream `seed` at `size` px: RGB pixels, the soft
 * foreground mask (person = face, hair, neck, shoulders) and its factor rows. Image i depends only
 * on (seed, i, size), never on how many images are generated, so a larger count extends a smaller one.
 */
import { Rng } from '../prng.js';
import { Canvas } from './canvas.js';
import { drawBackground } from './background.js';
import { drawBackHair, drawBody, drawEars, drawFace, drawFrontHair, drawNeck, relight } from './head.js';
import { drawFeatures } from './features.js';
import { makePerson } from './person.js';
import { BACKGROUND_FACTORS, FACE_FACTORS, sampleBackground, sampleFace, type BackgroundParams } from './params.js';

export interface SyntheticSample {
  rgb: Uint8Array;
  mask: Uint8Array;
  /** Values in FACE_FACTORS order. */
  face: number[];
  /** Values in BACKGROUND_FACTORS order. */
  background: number[];
}

/** Amplitude of the per-pixel sensor grain, in 8-bit levels (keeps flat colours photographic). */
const GRAIN = 3;

export function renderSample(seed: number, index: number, size: number): SyntheticSample {
  const faceRng = new Rng(seed, index, 1);
  const face = sampleFace(faceRng);
  const tex = faceRng.u32() | 0;
  const bg = sampleBackground(new Rng(seed, index, 2));
  const canvas = new Canvas(size);
  drawBackground(canvas, bg, new Rng(seed, index, 3));
  const person = makePerson(face, size, tex);
  drawBody(canvas, person);
  drawBackHair(canvas, person);
  drawNeck(canvas, person);
  drawEars(canvas, person);
  drawFace(canvas, person);
  drawFrontHair(canvas, person);
  drawFeatures(canvas, person);
  relight(canvas, person);
  // Grain from a per-image LCG: cheap, and exactly reproducible (32-bit integer arithmetic).
  let g = (tex ^ 0x5bd1e995) | 0;
  const rgbF = canvas.rgb;
  for (let i = 0; i < rgbF.length; i++) {
    g = (Math.imul(g, 1664525) + 1013904223) | 0;
    rgbF[i] = rgbF[i]! + ((g >>> 8) / 16777216 - 0.5) * (GRAIN / 255);
  }
  const { rgb, mask } = canvas.toBytes();
  const measured = measureBackground(rgb, mask);
  const bgRow: BackgroundParams = { ...bg, ...measured };
  return {
    rgb,
    mask,
    face: FACE_FACTORS.map((k) => face[k]),
    background: BACKGROUND_FACTORS.map((k) => bgRow[k]),
  };
}

/** Mean colour and luma standard deviation of the background, weighted by (1 - mask), in [0, 1]. */
function measureBackground(rgb: Uint8Array, mask: Uint8Array): Pick<BackgroundParams, 'bgMeanR' | 'bgMeanG' | 'bgMeanB' | 'bgStd'> {
  let w = 0, r = 0, g = 0, b = 0, l = 0, l2 = 0;
  for (let i = 0; i < mask.length; i++) {
    const k = 1 - mask[i]! / 255;
    if (k <= 0) continue;
    const R = rgb[i * 3]! / 255, G = rgb[i * 3 + 1]! / 255, B = rgb[i * 3 + 2]! / 255;
    const y = 0.299 * R + 0.587 * G + 0.114 * B;
    w += k; r += k * R; g += k * G; b += k * B; l += k * y; l2 += k * y * y;
  }
  if (w === 0) return { bgMeanR: 0, bgMeanG: 0, bgMeanB: 0, bgStd: 0 };
  const round = (x: number): number => Math.round(x * 1e6) / 1e6;
  const mean = l / w;
  return { bgMeanR: round(r / w), bgMeanG: round(g / w), bgMeanB: round(b / w), bgStd: round(Math.sqrt(Math.max(0, l2 / w - mean * mean))) };
}
