/**
 * The generating factors of one synthetic portrait: sampled from a seeded stream, stored as plain
 * numbers in a fixed order so the factor table (factors.json / factors.csv) has one column per
 * name. Categorical factors are integer codes (listed in HAIR_STYLES / BACKGROUND_TYPES).
 * Face ("foreground") and background factors come from independent streams: changing how
 * backgrounds are drawn never changes the faces drawn for the same seed, and vice versa.
 */
import { Rng } from '../prng.js';

export const HAIR_STYLES = ['bald', 'buzz', 'short', 'bangs', 'bob', 'long', 'bun', 'curly'] as const;
export const BACKGROUND_TYPES = ['flat', 'linear', 'radial', 'bokeh', 'stripes', 'checker', 'dots', 'shapes', 'texture', 'outdoor', 'indoor', 'brick'] as const;

/** Foreground (person) factors, in table order. */
export const FACE_FACTORS = [
  'faceX', 'faceY', 'faceScale', 'yaw', 'pitch', 'roll',
  'faceWidth', 'faceLength', 'jaw', 'skinTone', 'skinWarmth',
  'hairStyle', 'hairLightness', 'hairRedness', 'hairGrey', 'hairVolume', 'hairPart',
  'eyeSize', 'eyeSpacing', 'eyeOpen', 'eyeTilt', 'irisLightness', 'irisHue', 'gazeX',
  'browThickness', 'browHeight', 'browTilt', 'browArch',
  'noseLength', 'noseWidth', 'mouthWidth', 'lipFullness', 'lipRedness', 'smile', 'mouthOpen',
  'beard', 'glasses', 'lightAzimuth', 'lightElevation', 'lightStrength', 'lightWarmth',
  'clothHue', 'clothSaturation', 'clothLightness', 'neckline',
] as const;

/** Background factors, in table order (the last four are measured from the rendered pixels). */
export const BACKGROUND_FACTORS = [
  'bgType', 'bgHue', 'bgSaturation', 'bgLightness', 'bgHue2', 'bgLightness2',
  'bgAngle', 'bgScale', 'bgClutter', 'bgBlur',
  'bgMeanR', 'bgMeanG', 'bgMeanB', 'bgStd',
] as const;

export type FaceFactor = (typeof FACE_FACTORS)[number];
export type BackgroundFactor = (typeof BACKGROUND_FACTORS)[number];
export type FaceParams = Record<FaceFactor, number>;
export type BackgroundParams = Record<BackgroundFactor, number>;

const clamp01 = (x: number): number => Math.max(0, Math.min(1, x));

export function sampleFace(rng: Rng): FaceParams {
  const skinTone = clamp01(rng.next() ** 1.15);
  // Mild realism: darker skin tends to darker hair and eyes; blond/red mostly with lighter skin.
  const lightHairOdds = (1 - skinTone) ** 2;
  const grey = rng.chance(0.1) ? rng.range(0.5, 1) : 0;
  const hairLightness = rng.chance(0.25 * lightHairOdds + 0.04) ? rng.range(0.55, 1) : rng.range(0, 0.55) ** 1.3;
  const style = rng.weighted([0.04, 0.08, 0.2, 0.13, 0.15, 0.22, 0.08, 0.1]);
  const beard = rng.chance(0.18) ? rng.range(0.3, 1) : 0;
  return {
    faceX: rng.normal(0, 0.02, 2.5),
    faceY: rng.normal(0, 0.018, 2.5),
    faceScale: rng.range(0.19, 0.235),
    yaw: rng.normal(0, 0.22, 2.2),
    pitch: rng.normal(0, 0.08, 2.5),
    roll: rng.normal(0, 0.09, 2.5),
    faceWidth: rng.range(0.9, 1.08),
    faceLength: rng.range(1.3, 1.5),
    jaw: rng.range(0, 1),
    skinTone,
    skinWarmth: rng.range(-1, 1),
    hairStyle: style,
    hairLightness,
    hairRedness: rng.chance(0.15 * lightHairOdds + 0.03) ? rng.range(0.5, 1) : rng.range(0, 0.3),
    hairGrey: grey,
    hairVolume: rng.range(0, 1),
    hairPart: rng.range(-1, 1),
    eyeSize: rng.range(0.85, 1.2),
    eyeSpacing: rng.range(0.36, 0.44),
    eyeOpen: clamp01(rng.normal(0.75, 0.15, 2.5)),
    eyeTilt: rng.normal(0, 0.08),
    irisLightness: clamp01(rng.next() ** (1 + 2 * skinTone)),
    irisHue: rng.next(),
    gazeX: rng.normal(0, 0.35, 2.5),
    browThickness: rng.range(0.6, 1.4),
    browHeight: rng.range(0.85, 1.2),
    browTilt: rng.normal(0, 0.1),
    browArch: rng.range(0, 1),
    noseLength: rng.range(0.4, 0.55),
    noseWidth: rng.range(0.09, 0.15),
    mouthWidth: rng.range(0.24, 0.34),
    lipFullness: rng.range(0.6, 1.4),
    lipRedness: rng.range(0, 1),
    smile: clamp01(rng.normal(0.45, 0.35)),
    mouthOpen: rng.chance(0.3) ? rng.range(0.2, 1) : 0,
    beard,
    glasses: rng.chance(0.12) ? 1 : 0,
    lightAzimuth: rng.range(-1, 1),
    lightElevation: rng.range(0.2, 0.9),
    lightStrength: rng.range(0.35, 0.85),
    lightWarmth: rng.range(-1, 1),
    clothHue: rng.next(),
    clothSaturation: rng.next() ** 1.5,
    clothLightness: rng.range(0.08, 0.85),
    neckline: rng.int(3),
  };
}

export function sampleBackground(rng: Rng): Omit<BackgroundParams, 'bgMeanR' | 'bgMeanG' | 'bgMeanB' | 'bgStd'> {
  return {
    bgType: rng.weighted([0.08, 0.1, 0.07, 0.1, 0.07, 0.05, 0.05, 0.1, 0.1, 0.12, 0.1, 0.06]),
    bgHue: rng.next(),
    bgSaturation: rng.next() ** 1.3,
    bgLightness: rng.range(0.12, 0.9),
    bgHue2: rng.next(),
    bgLightness2: rng.range(0.1, 0.95),
    bgAngle: rng.range(0, Math.PI),
    bgScale: rng.range(0, 1),
    bgClutter: rng.range(0, 1),
    bgBlur: rng.next() ** 2,
  };
}
