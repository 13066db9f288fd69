/**
 * Training evidence for a progressive StyleGAN run, at a resolution every level shares: Frechet
 * distance and mean pairwise distance of box-downsampled RGB pixels (4x4 = 48 numbers, 8x8 = 192)
 * between 512 Gs samples of each snapshot and the real images, plus the untrained generator as
 * the starting point and the dataset's other half as the floor. A weak but transparent feature space: unlike a random-weights Inception, whose
 * features collapse onto a few directions (78% of their variance in one on the synthetic faces),
 * it separates a head-and-shoulders layout from a colour field. Used by long.test.ts, and by hand:
 *   node dist/test/stylegan/evidence.js STORE LOCKFILE
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PackedReader } from '../../runner/datasets/packed.js';
import { openModelArtifact } from '../../runner/evaluation/models.js';
import { frechetDistance } from '../../runner/metrics/frechet.js';
import { featureStats } from '../../runner/metrics/stats.js';
import { meanPairwiseDistance } from '../../runner/metrics/diversity.js';
import { Generator } from '../../runner/models/stylegan/generator.js';
import { levelOf, type StyleGanConfig } from '../../runner/models/stylegan/config.js';
import { toUint8 } from '../../runner/models/stylegan/loop.js';
import { initBackend } from '../../runner/compute/backend.js';

export interface EvidenceRow { stage: string; snapshot: string; level: number; alpha: number; frechet4: number; frechet8: number | null; diversity4: number }

const N = 512;

/** Box-downsamples uint8 NHWC images to size x size, as float64 features in [0, 1]. */
export function pooled(px: Uint8Array, n: number, res: number, size: number): Float64Array {
  const f = res / size, out = new Float64Array(n * size * size * 3);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < res; y++) {
      for (let x = 0; x < res; x++) {
        for (let c = 0; c < 3; c++) {
          out[((i * size + Math.floor(y / f)) * size + Math.floor(x / f)) * 3 + c]! += px[((i * res + y) * res + x) * 3 + c]! / (255 * f * f);
        }
      }
    }
  }
  return out;
}

function score(gen: Float64Array, real: Float64Array, dim: number): number {
  const g = featureStats(gen, N, dim), r = featureStats(real, N, dim);
  return frechetDistance(g.mu, g.sigma, r.mu, r.sigma).fid;
}

/** The curve over every snapshot of stages g4, g8, g16, g32 of a finished run. */
export async function evidence(store: string, lockPath: string): Promise<EvidenceRow[]> {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { stages: Record<string, { key: string; kind: string; params: Record<string, unknown> }> };
  const dir = (id: string): string => join(store, 'a', lock.stages[id]!.key, 'data');
  const reader = new PackedReader(dir('faces'));
  const res = reader.meta.resolution;
  const reals = reader.readRange(0, N);
  const others = reader.count >= 2 * N ? reader.readRange(N, N) : null;
  reader.close();
  const real4 = pooled(reals, N, res, 4), real8 = pooled(reals, N, res, 8);
  const rows: EvidenceRow[] = [];
  const add = (stage: string, snapshot: string, level: number, alpha: number, px: Uint8Array): void => {
    const g4 = pooled(px, N, level, 4);
    rows.push({ stage, snapshot, level, alpha, frechet4: score(g4, real4, 48), frechet8: level >= 8 ? score(pooled(px, N, level, 8), real8, 192) : null,
      diversity4: meanPairwiseDistance({ data: g4, rows: N, dim: 48 }).mean });
  };
  // Untrained: the level-4 stage's initial generator (the trainer seeds G with 2 * seed + 1).
  const p4 = lock.stages['g4']!.params as { seed: number; model: StyleGanConfig };
  const G = new Generator(p4.model, p4.seed * 2 + 1);
  const px0 = tf.tidy(() => toUint8(G.sample(tf.randomNormal([N, p4.model.zDim], 0, 1, 'float32', 5) as tf.Tensor2D, levelOf(32), 1)));
  G.dispose();
  add('untrained', '-', 32, 1, px0);
  for (const id of ['g4', 'g8', 'g16', 'g32']) {
    const model = await openModelArtifact({ key: lock.stages[id]!.key, hash: '', dir: dir(id), summary: {}, kind: 'train-stylegan' }, id);
    for (const pt of model.points) {
      const s = await pt.open({ seed: 0, psi: 1 });
      try { add(id, pt.snapshot, pt.level, pt.alpha, s.sample(0, N)); } finally { s.dispose(); }
    }
  }
  // The floor: the other half of the reals against the first (same sizes as a snapshot's).
  if (others) add('reals', 'other half', res, 1, others);
  return rows;
}

if (process.argv[1]?.endsWith('evidence.js') && process.argv.length >= 4) {
  await initBackend('wasm');
  for (const r of await evidence(process.argv[2]!, process.argv[3]!)) {
    console.log([r.stage, r.snapshot, r.level, r.alpha.toFixed(2), r.frechet4.toFixed(4), r.frechet8?.toFixed(4) ?? '', r.diversity4.toFixed(4)].join('\t'));
  }
}
