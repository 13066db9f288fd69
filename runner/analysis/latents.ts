/**
 * Latent-space access to a trained model artifact, for the PCA and traversal stages.
 *
 *   VAE (train-vae)          encode real images -> (mu, logvar); render z -> image (decoder).
 *                            Latent space z, one "layer".
 *   StyleGAN (train-stylegan) map z -> w (mapping network, no truncation); render one w per style
 *                            layer -> image (EMA generator Gs of the last snapshot, at its level
 *                            and alpha). Latent space w, 2 layers per level in use.
 * Everything crosses this boundary as plain float32 rows (n x dim, row-major) and uint8 NHWC RGB,
 * so the analysis maths (runner/analysis/*.ts) never touches tfjs and tests can substitute a
 * hand-written `Renderer`. Not here: PCA, grids, masks, file formats of the analysis.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from '../compute/seed.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { fileHandler, loadTensors } from '../training/model-files.js';
import { listSnapshots } from '../training/snapshot.js';
import { toSigned } from '../training/batches.js';
import type { ArtifactRef } from '../stages/types.js';

/** Anything that turns per-layer latents into images (a model, or a test function). */
export interface Renderer {
  /** Latent dimension (z for the VAE, w for StyleGAN). */
  dim: number;
  /** Style layers that take their own latent (StyleGAN: 2 per level in use; VAE: 1). */
  layers: number;
  /** Side of the square RGB output. */
  resolution: number;
  /** `ws[l]` = n x dim latents of layer l (ws.length === layers); returns n RGB images, uint8 NHWC. */
  render(ws: Float32Array[], n: number): Uint8Array;
}

export interface LatentModel extends Renderer {
  kind: 'vae' | 'stylegan';
  /** 'z' (VAE) or 'w' (StyleGAN). */
  space: 'z' | 'w';
  /** VAE only: posterior mean and log-variance of n uint8 RGB images at `resolution`. */
  encode?(pixels: Uint8Array, n: number): { mu: Float32Array; logvar: Float32Array };
  /** StyleGAN only: size of z and the mapping z -> w (n rows). */
  zDim?: number;
  mapZ?(z: Float32Array, n: number): Float32Array;
  /** Facts for the summary (snapshot, level, alpha, ...). */
  info: Record<string, unknown>;
  dispose(): void;
}

export interface OpenOptions {
  /** StyleGAN per-layer noise: 'fixed' = one seeded noise image per layer shared by every sample; 'none'. */
  noise: 'fixed' | 'none';
  seed: number;
}

function readJson(path: string, where: string): Record<string, unknown> {
  try { return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>; } catch (e) { throw new UserError(`${where}: cannot read ${path} (${(e as Error).message})`); }
}

/** Uint8 NHWC from images in [-1, 1] (same rounding as the trainers' sample grids). */
function toUint8(x: tf.Tensor): Uint8Array {
  const f = x.dataSync();
  const out = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((f[i]! + 1) * 127.5)));
  return out;
}

async function openVae(dir: string, where: string): Promise<LatentModel> {
  const training = readJson(join(dir, 'training.json'), where) as { resolution?: number; params?: { model?: { latentDim?: number } } };
  const R = training.resolution, L = training.params?.model?.latentDim;
  if (!R || !L) throw new UserError(`${where}: ${join(dir, 'training.json')} lacks resolution or params.model.latentDim`);
  const encoder = await tfl.loadLayersModel(fileHandler(join(dir, 'encoder')));
  const decoder = await tfl.loadLayersModel(fileHandler(join(dir, 'decoder')));
  return {
    kind: 'vae', space: 'z', dim: L, layers: 1, resolution: R, info: { kind: 'vae', resolution: R, latentDim: L },
    encode(pixels, n) {
      const [mu, logvar] = tf.tidy(() => encoder.predict(toSigned(pixels, n, R, 3)) as tf.Tensor[]);
      try { return { mu: mu!.dataSync() as Float32Array, logvar: logvar!.dataSync() as Float32Array }; } finally { tf.dispose([mu!, logvar!]); }
    },
    render(ws, n) {
      const x = tf.tidy(() => decoder.predict(tf.tensor2d(ws[0]!, [n, L])) as tf.Tensor);
      try { return toUint8(x); } finally { x.dispose(); }
    },
    dispose() { encoder.dispose(); decoder.dispose(); },
  };
}

async function openStyleGan(dir: string, where: string, o: OpenOptions): Promise<LatentModel> {
  const cfg = readJson(join(dir, 'config.json'), where) as { params?: { model: import('../models/stylegan/config.js').StyleGanConfig } };
  if (!cfg.params?.model) throw new UserError(`${where}: ${join(dir, 'config.json')} is not a train-stylegan config`);
  const { Generator } = await import('../models/stylegan/generator.js');
  const { assignParams } = await import('../models/stylegan/trainer.js');
  const { levelOf } = await import('../models/stylegan/config.js');
  const snaps = listSnapshots(join(dir, 'snapshots'));
  const last = snaps.at(-1);
  if (!last) throw new UserError(`${where}: train-stylegan artifact ${dir} has no snapshots (the trainer writes one at the last epoch)`);
  const pos = last.position as { level?: number; alpha?: number };
  if (typeof pos.level !== 'number' || typeof pos.alpha !== 'number') throw new UserError(`${where}: ${join(last.dir, 'position.json')} lacks level/alpha`);
  const model = cfg.params.model;
  const G = new Generator(model, 0);
  const t = loadTensors(last.dir, 'Gs');
  try {
    assignParams(G.params, 'Gs', t, join(last.dir, 'Gs.json'));
  } finally {
    tf.dispose(Object.values(t));
  }
  const level = levelOf(pos.level), alpha = pos.alpha, res = pos.level;
  const layers = 2 * (level + 1);
  // Fixed noise: the same image per layer for every sample, so rows of a traversal differ only by w.
  const noise = o.noise === 'none' ? () => null
    : (layer: number, n: number, r: number) => tf.tile(tf.randomNormal([1, r, r, 1], 0, 1, 'float32', tfjsSeed(o.seed * 64 + layer)), [n, 1, 1, 1]) as tf.Tensor4D;
  return {
    kind: 'stylegan', space: 'w', dim: model.wDim, zDim: model.zDim, layers, resolution: res,
    info: { kind: 'stylegan', snapshot: last.name, resolution: res, alpha, styleLayers: layers, wDim: model.wDim, noise: o.noise },
    mapZ(z, n) {
      const w = tf.tidy(() => G.mapping.apply(tf.tensor2d(z, [n, model.zDim])));
      try { return w.dataSync() as Float32Array; } finally { w.dispose(); }
    },
    render(ws, n) {
      if (ws.length !== layers) throw new Error(`render: ${layers} layers expected, got ${ws.length}`);
      const x = tf.tidy(() => {
        const wt = ws.map((w) => tf.tensor2d(w, [n, model.wDim]));
        return G.synthesis.apply(wt, level, alpha, noise);
      });
      try { return toUint8(x); } finally { x.dispose(); }
    },
    dispose() { G.dispose(); },
  };
}

/** Opens a train-vae or train-stylegan artifact for latent analysis (final weights / last snapshot). */
export async function openLatentModel(ref: ArtifactRef, where: string, o: OpenOptions): Promise<LatentModel> {
  if (ref.kind === 'train-vae' || (ref.kind !== 'train-stylegan' && existsSync(join(ref.dir, 'training.json')))) return openVae(ref.dir, where);
  if (ref.kind === 'train-stylegan' || existsSync(join(ref.dir, 'config.json'))) return openStyleGan(ref.dir, where, o);
  throw new UserError(`${where}: ${ref.dir} is neither a train-vae nor a train-stylegan artifact`);
}

/** Renders `n` latents given once for every layer (rows n x dim), in batches. */
export function renderBroadcast(r: Renderer, rows: Float32Array | Float64Array, n: number, batch: number): Uint8Array {
  const img = r.resolution * r.resolution * 3;
  const out = new Uint8Array(n * img);
  for (let s = 0; s < n; s += batch) {
    const k = Math.min(batch, n - s);
    const w = Float32Array.from(rows.subarray(s * r.dim, (s + k) * r.dim));
    out.set(r.render(Array.from({ length: r.layers }, () => w), k), s * img);
  }
  return out;
}
