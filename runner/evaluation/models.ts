/**
 * Generated images from a trained model artifact, for every evaluation point of it.
 *
 * `openModelArtifact(ref)` reads a train-vae or train-stylegan artifact and lists its points: every
 * snapshot under snapshots/ (epoch, step, level, alpha from its position.json) plus the final
 * weights when they are not already the last snapshot. `point.open()` loads that point's sampler:
 *   VAE       decoder(z), z ~ N(0, I) drawn from rngFor(seed, Stream.eval, batch index)
 *   StyleGAN  the EMA generator Gs at the snapshot's level and alpha, z from the same stream,
 *             per-layer noise seededNoise(hashInts(seed, batch index)), truncation psi (1 = none)
 * Both output [-1, 1], rounded to uint8 here. The same seed gives the same z for every point, so a
 * FID curve compares snapshots on the same latents. Not here: features, FID (the fid stage).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { hashInts } from '../datasets/prng.js';
import { fileHandler, loadTensors } from '../training/model-files.js';
import { listSnapshots } from '../training/snapshot.js';
import { rngFor, Stream } from '../training/rng.js';
import { toUint8 } from '../models/stylegan/loop.js';
import type { ArtifactRef } from '../stages/types.js';

export interface Sampler {
  /** Image size (px) of the samples. */
  resolution: number;
  /** Images [start, start + n) of the seeded sequence, uint8 NHWC RGB; `start` must be a multiple of the batch used. */
  sample(start: number, n: number): Uint8Array;
  dispose(): void;
}

export interface EvalPoint {
  /** Snapshot folder name, or "final". */
  snapshot: string;
  epoch: number;
  step: number;
  /** Resolution of the generated images at this point. */
  level: number;
  alpha: number;
  open(o: { seed: number; psi: number }): Promise<Sampler>;
}

export interface ModelArtifact {
  kind: 'vae' | 'stylegan';
  points: EvalPoint[];
}

function readJson(path: string, where: string): Record<string, unknown> {
  try { return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>; } catch (e) { throw new UserError(`${where}: cannot read ${path} (${(e as Error).message})`); }
}

/** Seeded normals for images [start, start + n): one stream per image index, so batching does not matter. */
function latents(seed: number, start: number, n: number, dim: number): tf.Tensor2D {
  const z = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) rngFor(seed, Stream.eval, start + i).normals(z.subarray(i * dim, (i + 1) * dim));
  return tf.tensor2d(z, [n, dim]);
}

function vaeArtifact(dir: string, where: string): ModelArtifact {
  const training = readJson(join(dir, 'training.json'), where) as { resolution?: number; imageChannels?: number; params?: { model?: { latentDim?: number } } };
  const res = training.resolution, L = training.params?.model?.latentDim;
  if (!res || !L) throw new UserError(`${where}: ${join(dir, 'training.json')} lacks resolution or params.model.latentDim`);
  if (training.imageChannels !== undefined && training.imageChannels !== 3) throw new UserError(`${where}: the VAE generates ${training.imageChannels}-channel images; FID needs RGB (3)`);
  const point = (snapshot: string, decoderDir: string, pos: { epoch: number; step: number }): EvalPoint => ({
    snapshot, epoch: pos.epoch, step: pos.step, level: res, alpha: 1,
    async open({ seed }) {
      const decoder = await tfl.loadLayersModel(fileHandler(decoderDir));
      return {
        resolution: res,
        sample(start, n) {
          const x = tf.tidy(() => decoder.predict(latents(seed, start, n, L)) as tf.Tensor4D);
          try { return toUint8(x); } finally { x.dispose(); }
        },
        dispose: () => decoder.dispose(),
      };
    },
  });
  const snaps = listSnapshots(join(dir, 'snapshots'));
  const points = snaps.map((s) => point(s.name, join(s.dir, 'decoder'), s.position));
  const fin = readJson(join(dir, 'position.json'), where) as { epoch: number; step: number };
  if (!snaps.some((s) => s.position.step === fin.step)) points.push(point('final', join(dir, 'decoder'), fin));
  return { kind: 'vae', points };
}

async function styleganArtifact(dir: string, where: string): Promise<ModelArtifact> {
  const cfg = readJson(join(dir, 'config.json'), where) as { params?: { level: number; model: import('../models/stylegan/config.js').StyleGanConfig }; levelIndex?: number };
  if (!cfg.params?.model || typeof cfg.levelIndex !== 'number') throw new UserError(`${where}: ${join(dir, 'config.json')} is not a train-stylegan config`);
  const { Generator } = await import('../models/stylegan/generator.js');
  const { assignParams } = await import('../models/stylegan/trainer.js');
  const { seededNoise } = await import('../models/stylegan/synthesis.js');
  const { levelOf } = await import('../models/stylegan/config.js');
  const model = cfg.params.model;
  const point = (snapshot: string, tensorsDir: string, base: string, pos: { epoch: number; step: number; level: number; alpha: number }): EvalPoint => ({
    snapshot, epoch: pos.epoch, step: pos.step, level: pos.level, alpha: pos.alpha,
    async open({ seed, psi }) {
      const G = new Generator(model, 0);
      const t = loadTensors(tensorsDir, base);
      try {
        assignParams(G.params, 'Gs', t, join(tensorsDir, `${base}.json`));
        const wAvg = t['Gs/w_avg'];
        if (!wAvg) throw new UserError(`${where}: ${join(tensorsDir, `${base}.json`)} has no Gs/w_avg`);
        G.wAvg.assign(wAvg);
      } finally {
        tf.dispose(Object.values(t));
      }
      const li = levelOf(pos.level);
      return {
        resolution: pos.level,
        sample(start, n) {
          const x = tf.tidy(() => G.sample(latents(seed, start, n, model.zDim), li, pos.alpha, { psi, noise: seededNoise(hashInts(seed, start)) }));
          try { return toUint8(x); } finally { x.dispose(); }
        },
        dispose: () => G.dispose(),
      };
    },
  });
  const snaps = listSnapshots(join(dir, 'snapshots'));
  const points = snaps.map((s) => {
    const p = s.position as { epoch: number; step: number; level?: number; alpha?: number };
    if (typeof p.level !== 'number' || typeof p.alpha !== 'number') throw new UserError(`${where}: ${join(s.dir, 'position.json')} lacks level/alpha`);
    return point(s.name, s.dir, 'Gs', { epoch: p.epoch, step: p.step, level: p.level, alpha: p.alpha });
  });
  if (points.length === 0) throw new UserError(`${where}: train-stylegan artifact ${dir} has no snapshots (the trainer writes one at the last epoch)`);
  return { kind: 'stylegan', points };
}

/** Lists the evaluation points of a train-vae or train-stylegan artifact. */
export async function openModelArtifact(ref: ArtifactRef, where: string): Promise<ModelArtifact> {
  if (ref.kind === 'train-vae' || (ref.kind !== 'train-stylegan' && existsSync(join(ref.dir, 'training.json')))) return vaeArtifact(ref.dir, where);
  if (ref.kind === 'train-stylegan' || existsSync(join(ref.dir, 'config.json'))) return styleganArtifact(ref.dir, where);
  throw new UserError(`${where}: ${ref.dir} is neither a train-vae nor a train-stylegan artifact`);
}
