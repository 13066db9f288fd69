/**
 * Sample diversity as the mean pairwise Euclidean distance between feature rows, and its ratio
 * generated / real. A collapsed generator (every sample alike) scores near 0; a generator as
 * varied as the data scores near 1. FID mixes this into one number with fidelity; reporting it
 * separately shows whether a falling FID came with a collapse.
 *
 * Pairs: all i < j of a seeded subset of at most `maxRows` rows per set (all rows when fewer),
 * distances from a float64 Gram matrix, ||xi - xj||^2 = gii + gjj - 2 gij (clamped at 0).
 * Scope: the number from features; extraction is the fid stage's.
 */
import { gram } from '../linalg/dense.js';
import { Rng } from '../linalg/random.js';
import { gather, type Features } from './kid.js';

export interface DiversityOptions {
  /** Rows drawn per set (default 1000: ~0.5 M pairs). */
  maxRows?: number;
  seed?: number;
}

export interface Diversity {
  /** Mean pairwise distance of the generated features. */
  generated: number;
  /** Mean pairwise distance of the real features. */
  real: number;
  /** generated / real. */
  ratio: number;
  /** Rows used per set. */
  rows: { generated: number; real: number };
}

/** Mean Euclidean distance over all pairs i < j of (a seeded subset of) the rows. */
export function meanPairwiseDistance(f: Features, opts: DiversityOptions = {}): { mean: number; rows: number } {
  const m = Math.min(f.rows, opts.maxRows ?? 1000);
  if (m < 2) throw new Error(`meanPairwiseDistance: need at least 2 rows, got ${f.rows}`);
  if (f.data.length < f.rows * f.dim) throw new Error(`meanPairwiseDistance: ${f.rows}x${f.dim} features need ${f.rows * f.dim} values, got ${f.data.length}`);
  const idx = m === f.rows ? Int32Array.from({ length: m }, (_, i) => i) : new Rng(opts.seed ?? 0).sampleWithoutReplacement(f.rows, m);
  const g = gram(gather(f, idx), m, f.dim);
  let sum = 0;
  for (let i = 1; i < m; i++) {
    const gii = g[i * m + i]!;
    // Per-row partial sums keep the float64 total's error at O(m) ulps instead of O(m^2).
    let row = 0;
    for (let j = 0; j < i; j++) row += Math.sqrt(Math.max(0, gii + g[j * m + j]! - 2 * g[i * m + j]!));
    sum += row;
  }
  return { mean: sum / ((m * (m - 1)) / 2), rows: m };
}

/** Diversity of generated against real features (same dim). */
export function diversity(gen: Features, real: Features, opts: DiversityOptions = {}): Diversity {
  if (gen.dim !== real.dim) throw new Error(`diversity: feature dims differ (${gen.dim} vs ${real.dim})`);
  const g = meanPairwiseDistance(gen, opts);
  const r = meanPairwiseDistance(real, { ...opts, seed: (opts.seed ?? 0) + 1 });
  return { generated: g.mean, real: r.mean, ratio: g.mean / r.mean, rows: { generated: g.rows, real: r.rows } };
}
