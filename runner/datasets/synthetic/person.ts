/**
 * Derived geometry and colours of one synthetic person, shared by the head/hair painter (head.ts)
 * and the feature painter (features.ts). Local head units: 1 = half the face width at the cheeks;
 * v grows downwards; the eye line sits at v = EYE_V; yaw moves features over a sphere.
 */
import { Frame, hsl, mix, ramp, rgb255, type RGB } from './canvas.js';
import type { FaceParams } from './params.js';

export const EYE_V = -0.08;

export interface Person {
  p: FaceParams;
  /** Head frame (rolled with the head). */
  head: Frame;
  /** Body frame (same origin and unit, upright). */
  body: Frame;
  /** Face half width / half height. */
  rx: number;
  ry: number;
  skin: RGB;
  hair: RGB;
  lips: RGB;
  cloth: RGB;
  /** Seed for texture noise (a nuisance variable: not a factor). */
  tex: number;
  /** Projects a frontal lateral position x0 through the head turn: screen x and horizontal foreshortening. */
  turn(x0: number, depth?: number): { x: number; k: number };
  /** Vertical shift of features from head pitch at frontal position v0. */
  tilt(v0: number): number;
}

const SKIN: RGB[] = [rgb255(255, 226, 204), rgb255(241, 198, 166), rgb255(226, 170, 130), rgb255(196, 134, 94), rgb255(150, 96, 62), rgb255(104, 64, 42), rgb255(66, 42, 30)];
const HAIR: RGB[] = [rgb255(14, 11, 9), rgb255(40, 27, 19), rgb255(74, 48, 30), rgb255(118, 82, 50), rgb255(168, 132, 86), rgb255(216, 188, 135), rgb255(238, 224, 184)];
const RED: RGB[] = [rgb255(90, 35, 18), rgb255(150, 62, 28), rgb255(196, 104, 52)];

export function makePerson(p: FaceParams, size: number, tex: number): Person {
  const unit = p.faceScale * size;
  const cx = (0.5 + p.faceX) * size;
  const cy = (0.47 + p.faceY) * size;
  const head = new Frame(cx, cy, unit, p.roll);
  const body = new Frame(cx, cy, unit, 0);
  let skin = ramp(SKIN, p.skinTone);
  skin = [skin[0] * (1 + 0.04 * p.skinWarmth), skin[1], skin[2] * (1 - 0.05 * p.skinWarmth)];
  let hair = ramp(HAIR, p.hairLightness);
  if (p.hairRedness > 0.4) hair = mix(hair, ramp(RED, p.hairLightness), (p.hairRedness - 0.4) / 0.6);
  if (p.hairGrey > 0) hair = mix(hair, rgb255(200, 198, 194), p.hairGrey * 0.9);
  const lips = mix(mix(skin, rgb255(170, 70, 72), 0.35 + 0.35 * p.lipRedness), skin, p.skinTone * 0.3);
  const cloth = hsl(p.clothHue, p.clothSaturation * 0.8, p.clothLightness);
  const yaw = p.yaw;
  const turn = (x0: number, depth = 0): { x: number; k: number } => {
    const w = 1.05;
    const phi = Math.asin(Math.max(-0.99, Math.min(0.99, x0 / w)));
    const a = phi + yaw;
    return { x: w * Math.sin(a) * (1 + depth), k: Math.max(0.15, Math.cos(a) / Math.cos(phi)) };
  };
  const tilt = (v0: number): number => p.pitch * (0.55 - 0.25 * v0);
  return { p, head, body, rx: p.faceWidth, ry: p.faceLength, skin, hair, lips, cloth, tex, turn, tilt };
}
