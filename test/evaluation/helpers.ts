/**
 * Helpers for the evaluation tests: tiny synthetic-face datasets through the dataset stage, a noise
 * dataset, fid-stats runs with the cheap extractor (inception-random at 75 px), and artifact refs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackedWriter } from '../../runner/datasets/packed.js';
import { datasetStage } from '../../runner/stages/dataset.js';
import { fidStatsStage } from '../../runner/stages/fid-stats.js';
import { rngFor, Stream } from '../../runner/training/rng.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';

/** The cheap extractor every evaluation test uses (random weights, 75 px input). */
export const CHEAP = { features: 'inception-random', inputSize: 75, seed: 3 } as const;

export async function faces(count: number, seed: number, resolution = 32): Promise<ArtifactRef> {
  return (await runStage(datasetStage, { source: 'synthetic', count, seed, resolution })).ref;
}

/** Uniform noise images as a packed dataset artifact. */
export function noise(count: number, seed: number, resolution = 32): ArtifactRef {
  const dir = mkdtempSync(join(tmpdir(), 'btf-noise-'));
  const w = new PackedWriter(dir, { resolution, channels: 3, file: 'images.u8' });
  const rng = rngFor(seed, Stream.user, 7);
  const img = new Uint8Array(resolution * resolution * 3);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < img.length; k++) img[k] = Math.floor(rng.next() * 256);
    w.append(img);
  }
  w.finish({ source: 'test-noise' });
  return { key: 'test', hash: `noise-${count}-${seed}`, dir, summary: {}, kind: 'dataset' };
}

export async function realStats(images: ArtifactRef, params: Record<string, unknown> = {}, mask?: ArtifactRef): Promise<ArtifactRef> {
  return (await runStage(fidStatsStage, { ...CHEAP, featureBatch: 8, ...params }, { images, ...(mask ? { mask } : {}) })).ref;
}
