/**
 * Scores one evaluation point: FID (float64 Frechet distance of the two Gaussians,
 * runner/metrics/frechet.ts), KID (runner/metrics/kid.ts, mean and std over seeded subsets) and the
 * paper's adjusted FID from two weigh summaries (runner/metrics/weight.ts). Also the real-side
 * inputs: loading a fid-stats artifact and checking that it was made with the extractor, level and
 * alpha a point needs. Pure maths and checks; the fid stage does the I/O around it.
 */
import { UserError } from '../errors.js';
import { frechetDistance } from '../metrics/frechet.js';
import { diversity } from '../metrics/diversity.js';
import { kernelInceptionDistance } from '../metrics/kid.js';
import { loadStats, type FeatureStats } from '../metrics/stats.js';
import { adjustFid, weightDrop, type WeightSummaryLike } from '../metrics/weight.js';
import type { ArtifactRef } from '../stages/types.js';
import { describeExtractor, extractorDiff, type ExtractorId } from './extractor.js';
import { loadFeatures } from './features.js';

/** What a fid-stats artifact's summary records (see runner/stages/fid-stats.ts). */
export interface RealsSummary {
  n: number;
  dim: number;
  comparable: boolean;
  extractor: ExtractorId;
  level: number;
  alpha: number;
  masked: { grey: number; modelSha256: string | null; inputSize: number | null; [k: string]: unknown } | null;
}

export interface Reals {
  summary: RealsSummary;
  stats: FeatureStats;
  /** Feature rows, loaded on first use (KID). */
  features(): { data: Float32Array; rows: number; dim: number };
}

/** Reads a fid-stats artifact's summary, checked for the fields evaluation needs. */
export function realsSummary(ref: ArtifactRef, where: string): RealsSummary {
  const s = ref.summary as Partial<RealsSummary>;
  if (ref.kind !== 'fid-stats') throw new UserError(`${where}: expected a fid-stats artifact, got ${ref.kind}`);
  if (!s.extractor || typeof s.level !== 'number' || typeof s.alpha !== 'number') throw new UserError(`${where}: ${ref.dir} has no extractor/level/alpha in its summary (not a fid-stats artifact?)`);
  return { n: s.n ?? 0, dim: s.dim ?? s.extractor.dim, comparable: !!s.comparable, extractor: s.extractor, level: s.level, alpha: s.alpha, masked: s.masked ?? null };
}

export async function openReals(ref: ArtifactRef, where: string): Promise<Reals> {
  const summary = realsSummary(ref, where);
  const stats = await loadStats(ref.dir);
  let rows: ReturnType<typeof loadFeatures> | undefined;
  return { summary, stats, features: () => (rows ??= loadFeatures(ref.dir)) };
}

/**
 * The extractor every reals input agrees on; UserError naming the differing field when two reals
 * inputs, or a reals input and the fid stage's expected `features`/`inputSize`, disagree, or when
 * two reals inputs claim the same (level, alpha).
 */
export function commonExtractor(reals: RealsSummary[], expect: { features: string | null; inputSize: number | null }, where: string): ExtractorId {
  const first = reals[0]!.extractor;
  for (const [i, r] of reals.entries()) {
    const d = extractorDiff(first, r.extractor);
    if (d.length) throw new UserError(`${where}: inputs.reals[${i}] was computed with ${describeExtractor(r.extractor)}, inputs.reals[0] with ${describeExtractor(first)} (${d.join(', ')}); recompute them with one extractor`);
  }
  for (let i = 0; i < reals.length; i++) {
    for (let j = 0; j < i; j++) {
      if (reals[i]!.level === reals[j]!.level && Math.abs(reals[i]!.alpha - reals[j]!.alpha) < 1e-9) {
        throw new UserError(`${where}: inputs.reals[${j}] and inputs.reals[${i}] are both at level ${reals[i]!.level} alpha ${reals[i]!.alpha}; give one fid-stats per (level, alpha)`);
      }
    }
  }
  if (expect.features !== null && expect.features !== first.network) {
    throw new UserError(`${where}: params.features is ${expect.features} but inputs.reals was computed with ${first.network}; FID across feature networks is meaningless (recompute the reals or change params.features)`);
  }
  if (expect.inputSize !== null && expect.inputSize !== first.inputSize) {
    throw new UserError(`${where}: params.inputSize is ${expect.inputSize} but inputs.reals was computed at ${first.inputSize} px; recompute the reals with fid-stats inputSize ${expect.inputSize}`);
  }
  return first;
}

/**
 * Masked FID: every reals input must have been composited with the grey, segmentation model
 * (sha256) and mask settings the samples are masked with here, else the sides are not like for like.
 */
export function checkMaskedReals(reals: RealsSummary[], m: { modelSha256: string; inputSize: number; precision: string; threshold: number | null; cleanup: boolean }, where: string): void {
  const grey = reals[0]!.masked!.grey;
  for (const [i, s] of reals.entries()) {
    const r = s.masked!;
    if (r.grey !== grey) throw new UserError(`${where}: inputs.reals[${i}] uses grey ${r.grey}, inputs.reals[0] grey ${grey}`);
    if (r.modelSha256 && r.modelSha256 !== m.modelSha256) throw new UserError(`${where}: inputs.reals[${i}] was masked with model sha256 ${r.modelSha256.slice(0, 12)}, params.masked.model is ${m.modelSha256.slice(0, 12)}; use the same segmentation model`);
    const mine: Record<string, unknown> = { inputSize: m.inputSize, precision: m.precision, threshold: m.threshold, cleanup: m.cleanup };
    for (const [k, v] of Object.entries(mine)) {
      const theirs = r[k];
      // threshold: null is a setting (soft masks); otherwise null means not recorded (older mask artifacts).
      if (theirs !== undefined && (theirs !== null || k === 'threshold') && theirs !== v) {
        throw new UserError(`${where}: inputs.reals[${i}] was masked with ${k} ${String(theirs)}, params.masked gives ${String(v)}; use the mask stage's settings`);
      }
    }
  }
}

/** The reals input for a point's level and alpha, or undefined. Level mismatch over all reals is the caller's error. */
export function realsFor(reals: Reals[], level: number, alpha: number): Reals | undefined {
  return reals.find((r) => r.summary.level === level && Math.abs(r.summary.alpha - alpha) < 1e-9);
}

export interface Score {
  fid: number;
  kid: number | null;
  kidStd: number | null;
  kidSubsetSize: number | null;
  /** Mean pairwise feature distance of the samples, of the reals, and their ratio (null when off). */
  diversity: number | null;
  realDiversity: number | null;
  diversityRatio: number | null;
}

export interface ScoreOptions {
  kid: { enabled: boolean; subsets: number; subsetSize: number; seed: number };
  diversity: { enabled: boolean; maxRows: number; seed: number };
}

export function score(gen: { stats: FeatureStats; features: Float32Array }, real: Reals, opts: ScoreOptions): Score {
  const fid = frechetDistance(gen.stats.mu, gen.stats.sigma, real.stats.mu, real.stats.sigma).fid;
  const out: Score = { fid, kid: null, kidStd: null, kidSubsetSize: null, diversity: null, realDiversity: null, diversityRatio: null };
  if (!opts.kid.enabled && !opts.diversity.enabled) return out;
  const g = { data: gen.features, rows: gen.stats.n, dim: gen.stats.dim };
  const rf = real.features();
  if (opts.kid.enabled) {
    const k = kernelInceptionDistance(g, rf, { numSubsets: opts.kid.subsets, subsetSize: opts.kid.subsetSize, seed: opts.kid.seed });
    Object.assign(out, { kid: k.kid, kidStd: k.std, kidSubsetSize: k.m });
  }
  if (opts.diversity.enabled) {
    const d = diversity(g, rf, { maxRows: opts.diversity.maxRows, seed: opts.diversity.seed });
    Object.assign(out, { diversity: d.generated, realDiversity: d.real, diversityRatio: d.ratio });
  }
  return out;
}

/** d = 1 - meanBytes(grey) / meanBytes(raw) from two weigh artifacts, or null when neither is given. */
export function adjustment(raw: ArtifactRef | undefined, grey: ArtifactRef | undefined, where: string): { drop: number; rawMeanBytes: number; greyMeanBytes: number } | null {
  if (!raw && !grey) return null;
  if (!raw || !grey) throw new UserError(`${where}: the adjusted FID needs both inputs rawWeight and greyWeight (weigh artifacts); got only ${raw ? 'rawWeight' : 'greyWeight'}`);
  const r = raw.summary as WeightSummaryLike, g = grey.summary as WeightSummaryLike;
  return { drop: weightDrop(r, g), rawMeanBytes: r.meanBytes, greyMeanBytes: g.meanBytes };
}

export { adjustFid };
