/**
 * How strongly each principal component of a latent space follows the known generative factors of
 * the synthetic faces (factors.json: face factors vs background factors), float64 throughout.
 *
 * Per component (its coordinate c over the encoded real images) and per factor group (face,
 * background):
 *   maxAbsR  = max over the group's columns of |Pearson r(c, column)|, and which column;
 *   r2       = R^2 of the least-squares regression of c on all the group's columns (+ intercept);
 *   adjR2    = 1 - (1 - r2)(n - 1)/(n - p - 1), p = columns kept (the groups differ in size, and
 *              with few images a large group fits noise; compare adjR2 between groups).
 * Columns: numeric factors as they are; circular hues (name contains "Hue", values in [0, 1)) as
 * cos and sin of 2 pi h; categorical factors (those listed in `codes`) one-hot, dropping the first
 * level in the regression. Constant columns are dropped. The regression projects c onto the span
 * of the centred columns with modified Gram-Schmidt applied twice ("twice is enough"), dropping a
 * column whose residual norm is < 1e-9 of its own (collinear), so rank deficiency is harmless.
 */

export interface FactorTable {
  faceFactors: string[];
  backgroundFactors: string[];
  rows: number[][];
  codes: Record<string, string[]>;
}

export interface GroupFit { maxAbsR: number; factor: string; r2: number; adjR2: number; columns: number }
export interface ComponentFactors { component: number; face: GroupFit; background: GroupFit }

interface Column { name: string; values: Float64Array }

/** Expands the factor columns [offset, offset + names.length) of `rows` (the first n) into numeric columns. */
export function expandColumns(t: FactorTable, names: string[], offset: number, n: number, forRegression: boolean): Column[] {
  const out: Column[] = [];
  names.forEach((name, j) => {
    const v = Float64Array.from({ length: n }, (_, r) => t.rows[r]![offset + j]!);
    const codes = t.codes[name];
    if (codes) {
      for (let level = forRegression ? 1 : 0; level < codes.length; level++) {
        out.push({ name: `${name}=${codes[level]}`, values: Float64Array.from(v, (x) => (x === level ? 1 : 0)) });
      }
    } else if (/Hue/.test(name)) {
      out.push({ name: `${name}:cos`, values: Float64Array.from(v, (x) => Math.cos(2 * Math.PI * x)) });
      out.push({ name: `${name}:sin`, values: Float64Array.from(v, (x) => Math.sin(2 * Math.PI * x)) });
    } else {
      out.push({ name, values: v });
    }
  });
  return out.filter((c) => sumSq(centred(c.values)) > 0);
}

function centred(v: Float64Array): Float64Array {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  return Float64Array.from(v, (x) => x - m);
}

function sumSq(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Pearson r of two series (0 when either is constant). */
export function pearson(a: Float64Array, b: Float64Array): number {
  const ac = centred(a), bc = centred(b);
  const d = Math.sqrt(sumSq(ac) * sumSq(bc));
  return d > 0 ? dot(ac, bc) / d : 0;
}

/** Orthonormal basis of the span of the centred columns (MGS twice; collinear columns dropped). */
export function orthonormalBasis(columns: Float64Array[]): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const col of columns) {
    const v = centred(col);
    const norm0 = Math.sqrt(sumSq(v));
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        const c = dot(q, v);
        for (let i = 0; i < v.length; i++) v[i] -= c * q[i]!;
      }
    }
    const norm = Math.sqrt(sumSq(v));
    if (norm0 === 0 || norm < 1e-9 * norm0) continue;
    for (let i = 0; i < v.length; i++) v[i] /= norm;
    basis.push(v);
  }
  return basis;
}

/** R^2 of regressing y on the basis (with intercept: the basis is centred). */
export function rSquared(y: Float64Array, basis: Float64Array[]): number {
  const yc = centred(y);
  const tot = sumSq(yc);
  if (tot === 0) return 0;
  let explained = 0;
  for (const q of basis) explained += dot(q, yc) ** 2;
  return Math.min(1, explained / tot);
}

function groupFit(c: Float64Array, corrCols: Column[], basis: Float64Array[]): GroupFit {
  let best = 0, factor = '';
  for (const col of corrCols) {
    const r = Math.abs(pearson(c, col.values));
    if (r > best) { best = r; factor = col.name; }
  }
  const n = c.length, p = basis.length;
  const r2 = rSquared(c, basis);
  const adjR2 = n - p - 1 > 0 ? 1 - ((1 - r2) * (n - 1)) / (n - p - 1) : Number.NaN;
  return { maxAbsR: best, factor, r2, adjR2, columns: p };
}

/** Factor fits of every component: `coords` is n x k (row-major), rows of `t` align with its rows. */
export function factorCorrelations(coords: Float64Array, n: number, k: number, t: FactorTable): ComponentFactors[] {
  if (t.rows.length < n) throw new Error(`factorCorrelations: ${t.rows.length} factor rows for ${n} images`);
  const nf = t.faceFactors.length;
  const faceCorr = expandColumns(t, t.faceFactors, 0, n, false);
  const bgCorr = expandColumns(t, t.backgroundFactors, nf, n, false);
  const faceBasis = orthonormalBasis(expandColumns(t, t.faceFactors, 0, n, true).map((c) => c.values));
  const bgBasis = orthonormalBasis(expandColumns(t, t.backgroundFactors, nf, n, true).map((c) => c.values));
  const out: ComponentFactors[] = [];
  for (let i = 0; i < k; i++) {
    const c = Float64Array.from({ length: n }, (_, r) => coords[r * k + i]!);
    out.push({ component: i, face: groupFit(c, faceCorr, faceBasis), background: groupFit(c, bgCorr, bgBasis) });
  }
  return out;
}
