/** Shared helpers of the metrics tests: fixture loading and seeded feature generation. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../runner/linalg/random.js';

/** Reads test/fixtures/<rel> (tests run from dist/test/..., fixtures stay in the source tree). */
export function loadFixture<T>(rel: string): T {
  const path = fileURLToPath(new URL(`../../../test/fixtures/${rel}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * n x d correlated features from a seed; the twin of `seeded_features` in
 * test/fixtures/metrics/make_frechet_fixtures.py (same stream, same formula).
 */
export function seededFeatures(seed: number, n: number, d: number, shift: number): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    for (let j = 0; j < d; j++) {
      x[i * d + j] = (z[j] + (j > 0 ? 0.5 * z[j - 1] : 0)) * (0.5 + (j % 10) / 10) + shift * ((j % 3) - 1);
    }
  }
  return x;
}

/** |a - b| / max(|b|, tiny). */
export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}
