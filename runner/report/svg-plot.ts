/**
 * A minimal, dependency-free SVG line plot: one or more series on shared linear axes, with tick
 * labels, axis labels, a title and a legend. Used for learning-rate schedules, loss curves and FID
 * curves; the HTML report embeds the returned string as is.
 *
 * Output is deterministic (fixed number formatting, no ids or timestamps), so plots can be
 * committed as artifact files and compared by hash. Does not: log scales, scatter, bars.
 */

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; defaults cycle through a small palette. */
  color?: string;
}

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Axis ranges; default to the data's extent (y includes 0 when all values are >= 0). */
  xRange?: [number, number];
  yRange?: [number, number];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const M = { left: 64, right: 16, top: 32, bottom: 48 };

/** Formats numbers compactly and reproducibly for coordinates and tick labels. */
export function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(5)));
}

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return fallback;
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  return [lo, hi];
}

/** "Nice" tick positions (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** The screen mapping a plot uses, exposed so tests can check points against the data. */
export function plotScales(series: Series[], opts: PlotOptions = {}) {
  const width = opts.width ?? 640, height = opts.height ?? 360;
  const xs = series.flatMap((s) => Array.from(s.x));
  const ys = series.flatMap((s) => Array.from(s.y));
  const xr = opts.xRange ?? extent(xs, [0, 1]);
  let yr = opts.yRange ?? extent(ys, [0, 1]);
  if (!opts.yRange && yr[0] > 0 && ys.every((v) => !Number.isFinite(v) || v >= 0)) yr = [0, yr[1]];
  const pw = width - M.left - M.right, ph = height - M.top - M.bottom;
  const sx = (v: number): number => M.left + ((v - xr[0]) / (xr[1] - xr[0])) * pw;
  const sy = (v: number): number => M.top + ph - ((v - yr[0]) / (yr[1] - yr[0])) * ph;
  return { width, height, xr, yr, sx, sy, pw, ph };
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders the series as an SVG document string. Non-finite points break the line. */
export function linePlotSvg(series: Series[], opts: PlotOptions = {}): string {
  const { width, height, xr, yr, sx, sy, pw, ph } = plotScales(series, opts);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  if (opts.title) out.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(opts.title)}</text>`);
  // Axes and ticks.
  out.push(`<g class="axes" stroke="#444" fill="none"><rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}"/></g>`);
  out.push('<g class="ticks" fill="#444">');
  for (const t of ticks(xr[0], xr[1])) {
    const x = fmt(sx(t));
    out.push(`<line x1="${x}" y1="${M.top + ph}" x2="${x}" y2="${M.top + ph + 4}" stroke="#444"/><text x="${x}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(yr[0], yr[1])) {
    const y = fmt(sy(t));
    out.push(`<line x1="${M.left - 4}" y1="${y}" x2="${M.left}" y2="${y}" stroke="#444"/><text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  out.push('</g>');
  if (opts.xLabel) out.push(`<text x="${M.left + pw / 2}" y="${height - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) out.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  // One polyline per unbroken run of finite points.
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    let run: string[] = [];
    const flush = (): void => {
      if (run.length) out.push(`<polyline data-series="${esc(s.label)}" fill="none" stroke="${color}" stroke-width="1.5" points="${run.join(' ')}"/>`);
      run = [];
    };
    const n = Math.min(s.x.length, s.y.length);
    for (let k = 0; k < n; k++) {
      const x = s.x[k]!, y = s.y[k]!;
      if (Number.isFinite(x) && Number.isFinite(y)) run.push(`${fmt(sx(x))},${fmt(sy(y))}`);
      else flush();
    }
    flush();
    const ly = M.top + 12 + i * 14;
    out.push(`<g class="legend"><line x1="${M.left + pw - 110}" y1="${ly}" x2="${M.left + pw - 92}" y2="${ly}" stroke="${color}" stroke-width="2"/><text x="${M.left + pw - 88}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
