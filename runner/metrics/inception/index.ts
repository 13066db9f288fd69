/**
 * FID feature extractor: `loadInception(options)` returns a network that maps images in [0, 1]
 * (NHWC float32, any size) to the 2048-d pool3 features pytorch-fid uses for FID, and
 * `featuresFromUint8` runs it over a uint8 NHWC batch (the packed dataset format) in chunks.
 *
 * Preprocessing matches pytorch-fid: bilinear resize to 299x299 with half-pixel centres and no
 * antialiasing (F.interpolate(mode='bilinear', align_corners=False) = tfjs resizeBilinear with
 * alignCorners=false, halfPixelCenters=true), then x -> 2x - 1. `features: 'inception'` loads the
 * standard weights (weights-file.ts, fold.ts); `'inception-random'` is a seeded random network for
 * offline runs, flagged `comparable: false`. Backend selection is the caller's (tf.setBackend).
 */
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted, UserError } from '../../errors.js';
import { loadTorchCheckpoint, stateDictOf } from '../../io/torch-checkpoint.js';
import { convSpecs, pool3Features, resizeLikeTorch, type ConvSpec, type InceptionParams } from './architecture.js';
import { foldUnit, toParams } from './fold.js';
import { randomUnit } from './random-init.js';
import { resolveWeightsFile, type WeightsFileOptions } from './weights-file.js';

export { FID_WEIGHTS_FILE, FID_WEIGHTS_URL, FID_WEIGHTS_SHA256_PREFIX, findWeightsFile, searchDirs, defaultCacheDir } from './weights-file.js';

export const INCEPTION_SIZE = 299;
export const FEATURE_DIM = 2048;

export type FeatureNetwork = 'inception' | 'inception-random';

export interface InceptionOptions extends WeightsFileOptions {
  /** Default 'inception' (the standard FID weights). */
  features?: FeatureNetwork;
  /** Seed of the 'inception-random' network (default 0). */
  seed?: number;
}

export interface InceptionExtractor {
  network: FeatureNetwork;
  /** False for 'inception-random': its FIDs must not be compared with published numbers. */
  comparable: boolean;
  /** Resolved weights file and its sha256 ('inception' only): record them in the stage's env/summary. */
  weightsPath?: string;
  weightsSha256?: string;
  /** Images NHWC float32 in [0, 1], any size -> [N, 2048]. The input is not disposed. */
  features(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

function extractor(network: FeatureNetwork, params: InceptionParams, extra: Partial<InceptionExtractor> = {}): InceptionExtractor {
  const specs = new Map<string, ConvSpec>(convSpecs().map((s) => [s.name, s]));
  let disposed = false;
  return {
    network,
    comparable: network === 'inception',
    ...extra,
    features(images) {
      if (disposed) throw new Error('inception: extractor used after dispose()');
      if (images.rank !== 4 || images.shape[3] !== 3) throw new Error(`inception: expected [N, H, W, 3] images, got [${images.shape}]`);
      return tf.tidy(() => {
        let x: tf.Tensor4D = images.dtype === 'float32' ? images : tf.cast(images, 'float32');
        if (x.shape[1] !== INCEPTION_SIZE || x.shape[2] !== INCEPTION_SIZE) {
          x = resizeLikeTorch(x, INCEPTION_SIZE, INCEPTION_SIZE);
        }
        return pool3Features(tf.sub(tf.mul(x, 2), 1), params, specs);
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of params.values()) tf.dispose([p.filter, p.bias]);
      params.clear();
    },
  };
}

/** Builds the FID Inception network ('inception': reads and verifies the weights; may download when allowed). */
export async function loadInception(options: InceptionOptions = {}): Promise<InceptionExtractor> {
  const network = options.features ?? 'inception';
  const specs = convSpecs();
  if (network === 'inception-random') {
    const seed = options.seed ?? 0;
    return extractor(network, toParams(specs, (s) => randomUnit(seed, s)));
  }
  if (network !== 'inception') throw new UserError(`${options.where ?? 'features'}: unknown feature network '${String(network)}' (use inception or inception-random)`);
  const file = await resolveWeightsFile(options);
  const sd = stateDictOf((await loadTorchCheckpoint(file.path)).value, file.path);
  return extractor(network, toParams(specs, (s) => foldUnit(sd, s, file.path)), { weightsPath: file.path, weightsSha256: file.sha256 });
}

export interface Uint8BatchOptions {
  /** Images per forward pass (default 16). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each chunk with images done so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Features of `count` uint8 NHWC images (channels 3, or 1 = grey repeated to RGB, as pytorch-fid
 * converts greyscale) -> Float32Array [count * 2048]. Holds one chunk of tensors at a time.
 */
export async function featuresFromUint8(
  net: InceptionExtractor,
  data: Uint8Array,
  shape: { count: number; height: number; width: number; channels: number },
  opts: Uint8BatchOptions = {},
): Promise<Float32Array> {
  const { count, height, width, channels } = shape;
  const per = height * width * channels;
  if (channels !== 1 && channels !== 3) throw new UserError(`inception: images with ${channels} channels are not supported (use 1 or 3)`);
  if (data.length < count * per) throw new Error(`inception: ${data.length} bytes for ${count} images of ${height}x${width}x${channels}`);
  const batch = Math.max(1, Math.floor(opts.batchSize ?? 16));
  const out = new Float32Array(count * FEATURE_DIM);
  for (let start = 0; start < count; start += batch) {
    if (opts.signal) throwIfAborted(opts.signal);
    const n = Math.min(batch, count - start);
    const src = data.subarray(start * per, (start + n) * per);
    const floats = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) floats[i] = src[i]! / 255;
    const feats = tf.tidy(() => {
      let x = tf.tensor4d(floats, [n, height, width, channels]);
      if (channels === 1) x = tf.tile(x, [1, 1, 1, 3]);
      return net.features(x);
    });
    out.set(await feats.data(), start * FEATURE_DIM);
    feats.dispose();
    opts.onProgress?.(start + n, count);
  }
  return out;
}
