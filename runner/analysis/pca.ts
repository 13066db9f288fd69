/**
 * Principal component analysis in float64 (the maths behind the paper's PCA of latent spaces).
 *
 * Scope: fitting on an N x D sample matrix (or on precomputed mean/covariance), projection and
 * reconstruction. Not the stage, the plots or the traversal grids.
 *
 * Conventions (docs/metrics.md):
 * - covariance normalised by N - 1, so eigenvalues equal sklearn's `explained_variance_` and the
 *   squared singular values of the centred data divided by N - 1;
 * - components are the top-K unit eigenvectors of the covariance, in descending eigenvalue order,
 *   stored as rows (K x D);
 * - sign: each component is flipped so that its entry of largest magnitude is positive (the first
 *   such entry on exact ties), which makes the output deterministic across routes (eigen here, SVD
 *   in numpy/sklearn, whose own sign rule differs);
 * - explained-variance ratio = eigenvalue / total variance, total variance = tr(covariance).
 */
import { UserError } from '../errors.js';
import { trace } from '../linalg/dense.js';
import { symmetricEigen } from '../linalg/eigen.js';
import { type FeatureStats, StatsAccumulator } from '../metrics/stats.js';

export interface PcaModel {
  dim: number;
  /** Number of components kept. */
  k: number;
  /** Samples the model was fitted on. */
  n: number;
  mean: Float64Array;
  /** Row-major K x D, row i = i-th principal axis (unit length). */
  components: Float64Array;
  /** Descending, length K: variance along each axis (N - 1 normalisation). */
  eigenvalues: Float64Array;
  explainedVarianceRatio: Float64Array;
  /** tr(covariance): the sum of all D eigenvalues. */
  totalVariance: number;
}

/** Fits PCA with `k` components (default: all D) to `rows` samples of `dim` values (row-major). */
export function fitPca(x: Float32Array | Float64Array, rows: number, dim: number, opts: { k?: number } = {}): PcaModel {
  const acc = new StatsAccumulator(dim);
  acc.add(x, rows, dim);
  return pcaFromStats(acc.finalize(), opts);
}

/** PCA from precomputed statistics (e.g. a streamed StatsAccumulator over more samples than fit in memory). */
export function pcaFromStats(stats: FeatureStats, opts: { k?: number } = {}): PcaModel {
  const d = stats.dim;
  const k = opts.k ?? d;
  if (!Number.isInteger(k) || k < 1 || k > d) throw new UserError(`pca: k must be an integer in [1, ${d}], got ${k}`);
  const { values, vectors } = symmetricEigen(stats.sigma, d, { vectors: true });
  const components = new Float64Array(k * d);
  const eigenvalues = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const src = d - 1 - i; // ascending -> descending
    eigenvalues[i] = values[src];
    const row = vectors!.subarray(src * d, src * d + d);
    let best = 0;
    for (let c = 1; c < d; c++) if (Math.abs(row[c]) > Math.abs(row[best])) best = c;
    const sign = row[best] < 0 ? -1 : 1;
    for (let c = 0; c < d; c++) components[i * d + c] = sign * row[c];
  }
  const totalVariance = trace(stats.sigma, d);
  const explainedVarianceRatio = Float64Array.from(eigenvalues, (v) => (totalVariance > 0 ? v / totalVariance : 0));
  return { dim: d, k, n: stats.n, mean: Float64Array.from(stats.mu), components, eigenvalues, explainedVarianceRatio, totalVariance };
}

/** Coordinates of `rows` samples along the components: (x - mean) · componentsᵀ, rows x K. */
export function project(model: PcaModel, x: Float32Array | Float64Array, rows: number): Float64Array {
  const { dim: d, k } = model;
  if (x.length < rows * d) throw new Error(`pca.project: need ${rows * d} values, got ${x.length}`);
  const out = new Float64Array(rows * k);
  const centred = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < d; c++) centred[c] = x[r * d + c] - model.mean[c];
    for (let i = 0; i < k; i++) {
      let s = 0;
      const ci = i * d;
      for (let c = 0; c < d; c++) s += centred[c] * model.components[ci + c];
      out[r * k + i] = s;
    }
  }
  return out;
}

/** Points in the original space from component coordinates: mean + z · components, rows x D. */
export function unproject(model: PcaModel, z: Float64Array | Float32Array, rows: number): Float64Array {
  const { dim: d, k } = model;
  if (z.length < rows * k) throw new Error(`pca.unproject: need ${rows * k} values, got ${z.length}`);
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    out.set(model.mean, o);
    for (let i = 0; i < k; i++) {
      const zi = z[r * k + i];
      if (zi === 0) continue;
      const ci = i * d;
      for (let c = 0; c < d; c++) out[o + c] += zi * model.components[ci + c];
    }
  }
  return out;
}
