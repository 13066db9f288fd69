/**
 * The feature extractor both evaluation stages share, and its identity.
 *
 * `openExtractor(spec)` returns an extractor that maps uint8 NHWC images of any size to 2048-d FID
 * Inception features. At `inputSize` 299 it is runner/metrics/inception's `loadInception` as is
 * (the standard FID network and preprocessing). A smaller `inputSize` is only allowed for
 * `inception-random` (offline runs whose numbers are flagged not comparable anyway): images are
 * resized with pytorch-fid's bilinear resize to inputSize instead of 299 and run through the same
 * architecture, which accepts any input >= 75 px (the stem and Mixed_6a leave a >= 3x3 map for
 * Mixed_7a's stride-2 valid 3x3 conv; at 74 px it gets 2x2 and outputs an empty map: all-zero
 * features on the cpu backend, a corrupted heap on wasm, so sizes below 75 are refused here). At 75 px a forward
 * pass costs ~16x less than at 299.
 *
 * `ExtractorId` is what must match between real statistics and generated features: network,
 * input size, random seed (random network) or weights sha256 (standard network). Not here: batching
 * of datasets (features.ts), backend choice (the stages).
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import { convSpecs, pool3Features, resizeLikeTorch, type ConvSpec } from '../metrics/inception/architecture.js';
import { toParams } from '../metrics/inception/fold.js';
import { FEATURE_DIM, INCEPTION_SIZE, featuresFromUint8, loadInception, type InceptionExtractor } from '../metrics/inception/index.js';
import { randomUnit } from '../metrics/inception/random-init.js';

/** Extractor params as both stage schemas spell them. */
export interface ExtractorSpec {
  features: 'inception' | 'inception-random';
  /** Weights file of the standard network (null: the default search path, docs/inception.md). */
  weights: string | null;
  /** Seed of the random network (ignored for 'inception'). */
  seed: number;
  inputSize: number;
}

/** Identity of an extractor: two feature sets are comparable only when these are equal. */
export interface ExtractorId {
  network: 'inception' | 'inception-random';
  inputSize: number;
  dim: number;
  /** inception-random only. */
  seed?: number;
  /** inception only: sha256 of the weights file actually loaded. */
  weightsSha256?: string;
}

export interface Extractor {
  id: ExtractorId;
  /** False for the random network or a reduced input size: such FIDs are not comparable with published ones. */
  comparable: boolean;
  weightsPath?: string;
  /** Features of `count` uint8 NHWC images (1 or 3 channels) -> Float32Array [count * dim]. */
  run(u8: Uint8Array, shape: { count: number; height: number; width: number; channels: number }, opts?: { batchSize?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<Float32Array>;
  dispose(): void;
}

/** Smallest input the FID Inception architecture accepts (see module doc). */
export const MIN_INPUT_SIZE = 75;

/** A random-weights Inception at a reduced input size (same architecture, resize target changed; exported for tests). */
export function reducedRandom(seed: number, size: number): InceptionExtractor {
  const specs = convSpecs();
  const params = toParams(specs, (s) => randomUnit(seed, s));
  const byName = new Map<string, ConvSpec>(specs.map((s) => [s.name, s]));
  let disposed = false;
  return {
    network: 'inception-random',
    comparable: false,
    features(images) {
      if (disposed) throw new Error('extractor used after dispose()');
      return tf.tidy(() => {
        let x = images;
        if (x.shape[1] !== size || x.shape[2] !== size) x = resizeLikeTorch(x, size, size);
        return pool3Features(tf.sub(tf.mul(x, 2), 1), params, byName);
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of params.values()) tf.dispose([p.filter, p.bias]);
    },
  };
}

/** Builds the extractor; `where` prefixes UserError messages (e.g. "stage reals: params"). */
export async function openExtractor(spec: ExtractorSpec, o: { where: string; log?: (l: string) => void }): Promise<Extractor> {
  if (!Number.isInteger(spec.inputSize) || spec.inputSize < MIN_INPUT_SIZE) {
    throw new UserError(`${o.where}.inputSize: ${spec.inputSize} is below ${MIN_INPUT_SIZE}, the smallest input the Inception architecture accepts`);
  }
  if (spec.inputSize !== INCEPTION_SIZE && spec.features !== 'inception-random') {
    throw new UserError(`${o.where}.inputSize: ${spec.inputSize} is only allowed with features: inception-random; the standard FID network runs at ${INCEPTION_SIZE}`);
  }
  let net: InceptionExtractor;
  if (spec.inputSize === INCEPTION_SIZE) {
    net = await loadInception({ features: spec.features, seed: spec.seed, ...(spec.weights ? { weights: spec.weights } : {}), where: `${o.where}.features`, ...(o.log ? { log: o.log } : {}) });
  } else {
    net = reducedRandom(spec.seed, spec.inputSize);
  }
  const id: ExtractorId = spec.features === 'inception'
    ? { network: 'inception', inputSize: spec.inputSize, dim: FEATURE_DIM, ...(net.weightsSha256 ? { weightsSha256: net.weightsSha256 } : {}) }
    : { network: 'inception-random', inputSize: spec.inputSize, dim: FEATURE_DIM, seed: spec.seed };
  return {
    id,
    comparable: net.comparable && spec.inputSize === INCEPTION_SIZE,
    ...(net.weightsPath ? { weightsPath: net.weightsPath } : {}),
    run: (u8, shape, opts = {}) => featuresFromUint8(net, u8, shape, opts),
    dispose: () => net.dispose(),
  };
}

/** Human-readable one-liner of an id, for logs and error messages. */
export function describeExtractor(id: ExtractorId): string {
  return id.network === 'inception'
    ? `inception@${id.inputSize}px (weights sha256 ${(id.weightsSha256 ?? '?').slice(0, 12)})`
    : `inception-random@${id.inputSize}px (seed ${id.seed})`;
}

/** Differences between two ids as "field a vs b" strings; empty when they match. */
export function extractorDiff(a: ExtractorId, b: ExtractorId): string[] {
  const out: string[] = [];
  for (const k of ['network', 'inputSize', 'dim', 'seed', 'weightsSha256'] as const) {
    if (a[k] !== b[k]) out.push(`${k} ${String(a[k])} vs ${String(b[k])}`);
  }
  return out;
}
