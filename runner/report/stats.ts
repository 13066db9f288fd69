/**
 * Statistics across seed replicas for the comparison page: mean, sample standard deviation, a 95%
 * confidence interval of the mean (Student t) and Welch's unequal-variance t-test.
 *
 * Means and variances come from simple-statistics. It has no t distribution (its `tTestTwoSample`
 * is Student's pooled-variance statistic, with no p-value), so the t CDF is computed here from the
 * regularised incomplete beta function (Numerical Recipes' continued fraction, modified Lentz), and
 * the quantile by bisection on that CDF. Checked against scipy in test/report/stats.test.ts.
 * Does not: paired tests, multiple-comparison corrections.
 */
import { gammaln, mean, sampleVariance } from 'simple-statistics';

const EPS = 1e-16;
const TINY = 1e-300;

/** Continued fraction for I_x(a, b) (NR 6.4 `betacf`), evaluated by the modified Lentz method. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta: continued fraction did not converge (x=${x}, a=${a}, b=${b})`);
}

/** Regularised incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new Error(`incomplete beta: a and b must be > 0 (a=${a}, b=${b})`);
  if (!(x >= 0 && x <= 1)) throw new Error(`incomplete beta: x must lie in [0, 1] (x=${x})`);
  if (x === 0 || x === 1) return x;
  const lnFront = gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Student t CDF P(T <= t) with `df` > 0 degrees of freedom (df need not be an integer). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`t CDF: df must be > 0 (df=${df})`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  // P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2)
  const tail = incompleteBeta(df / (df + t * t), df / 2, 0.5) / 2;
  return t > 0 ? 1 - tail : tail;
}

/** Two-sided p-value P(|T| >= |t|). Computed from the tail directly (no 1 - CDF cancellation). */
export function twoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Quantile t with P(T <= t) = p, 0 < p < 1, by bisection on the CDF (to ~1e-13 relative). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`t quantile: p must lie in (0, 1) (p=${p})`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, df) < p) { lo = hi; hi *= 2; if (hi > 1e300) return Infinity; }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Describe {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); null with one value. */
  sd: number | null;
  /** 95% CI of the mean, mean +- t_{0.975, n-1} sd / sqrt(n); null with one value. */
  ci95: [number, number] | null;
  values: number[];
}

/** Mean, sd and 95% t-interval of the finite values of `xs` (throws when none are finite). */
export function describe(xs: number[], level = 0.95): Describe {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) throw new Error('describe: no finite values');
  const m = mean(v);
  if (v.length < 2) return { n: v.length, mean: m, sd: null, ci95: null, values: v };
  const sd = Math.sqrt(sampleVariance(v));
  const half = studentTQuantile(1 - (1 - level) / 2, v.length - 1) * sd / Math.sqrt(v.length);
  return { n: v.length, mean: m, sd, ci95: [m - half, m + half], values: v };
}

export type WelchResult =
  | { possible: true; t: number; df: number; p: number; meanDiff: number }
  | { possible: false; reason: string };

/**
 * Welch's t-test of mean(x) vs mean(y): t = (mx - my) / sqrt(vx/nx + vy/ny), Welch-Satterthwaite
 * df = (vx/nx + vy/ny)^2 / ((vx/nx)^2/(nx-1) + (vy/ny)^2/(ny-1)), two-sided p from the t CDF.
 * Needs >= 2 values per side and a non-zero pooled standard error (else `possible: false`).
 */
export function welchTTest(x: number[], y: number[]): WelchResult {
  const a = x.filter(Number.isFinite), b = y.filter(Number.isFinite);
  if (a.length < 2 || b.length < 2) {
    return { possible: false, reason: `needs at least 2 seeds per side (have ${a.length} and ${b.length})` };
  }
  const sa = sampleVariance(a) / a.length, sb = sampleVariance(b) / b.length;
  const se2 = sa + sb;
  const meanDiff = mean(a) - mean(b);
  if (!(se2 > 0)) return { possible: false, reason: 'both sides have zero variance across seeds' };
  const t = meanDiff / Math.sqrt(se2);
  const df = (se2 * se2) / ((sa * sa) / (a.length - 1) + (sb * sb) / (b.length - 1));
  return { possible: true, t, df, p: twoSidedP(t, df), meanDiff };
}
