/**
 * Signed distance functions (negative inside) in a shape's local units, used by the painter for
 * analytic anti-aliasing: coverage = clamp(0.5 - distance_in_pixels, 0, 1). Several are the usual
 * cheap approximations (Inigo Quilez's ellipse bound): exact near the edge, which is all coverage needs.
 */

/** Approximate distance to an axis-aligned ellipse. */
export function ellipse(u: number, v: number, cx: number, cy: number, rx: number, ry: number): number {
  const x = u - cx;
  const y = v - cy;
  const k0 = Math.sqrt((x * x) / (rx * rx) + (y * y) / (ry * ry));
  const k1 = Math.sqrt((x * x) / (rx * rx * rx * rx) + (y * y) / (ry * ry * ry * ry));
  if (k1 < 1e-12) return -Math.min(rx, ry);
  return (k0 * (k0 - 1)) / k1;
}

/** Ellipse rotated by `angle` (radians) about its centre. */
export function ellipseRot(u: number, v: number, cx: number, cy: number, rx: number, ry: number, angle: number): number {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const x = u - cx;
  const y = v - cy;
  return ellipse(c * x + s * y, -s * x + c * y, 0, 0, rx, ry);
}

export function circle(u: number, v: number, cx: number, cy: number, r: number): number {
  return Math.hypot(u - cx, v - cy) - r;
}

/** Axis-aligned box with half sizes (hw, hh) and corner radius r. */
export function box(u: number, v: number, cx: number, cy: number, hw: number, hh: number, r = 0): number {
  const qx = Math.abs(u - cx) - hw + r;
  const qy = Math.abs(v - cy) - hh + r;
  const ox = Math.max(qx, 0);
  const oy = Math.max(qy, 0);
  return Math.hypot(ox, oy) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Rotated box. */
export function boxRot(u: number, v: number, cx: number, cy: number, hw: number, hh: number, angle: number, r = 0): number {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const x = u - cx;
  const y = v - cy;
  return box(c * x + s * y, -s * x + c * y, 0, 0, hw, hh, r);
}

/** Capsule: segment (ax, ay)-(bx, by) thickened by r. */
export function capsule(u: number, v: number, ax: number, ay: number, bx: number, by: number, r: number): number {
  const px = u - ax;
  const py = v - ay;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, (px * dx + py * dy) / len2)) : 0;
  return Math.hypot(px - dx * t, py - dy * t) - r;
}

/** Triangle by its three corners (exact distance). */
export function triangle(u: number, v: number, ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const e = (px: number, py: number, qx: number, qy: number): number => {
    const ex = qx - px;
    const ey = qy - py;
    const wx = u - px;
    const wy = v - py;
    const t = Math.max(0, Math.min(1, (wx * ex + wy * ey) / (ex * ex + ey * ey)));
    return Math.hypot(wx - ex * t, wy - ey * t);
  };
  const d = Math.min(e(ax, ay, bx, by), e(bx, by, cx, cy), e(cx, cy, ax, ay));
  const s1 = (bx - ax) * (v - ay) - (by - ay) * (u - ax);
  const s2 = (cx - bx) * (v - by) - (cy - by) * (u - bx);
  const s3 = (ax - cx) * (v - cy) - (ay - cy) * (u - cx);
  const inside = (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
  return inside ? -d : d;
}

/**
 * Band around the curve v = f(u) for |u - cu| <= hw: thickness t(u) on each side. Distance is
 * vertical (a good approximation for the shallow arcs of brows, lids and lips).
 */
export function band(v: number, curveV: number, thickness: number, u: number, cu: number, hw: number): number {
  return Math.max(Math.abs(v - curveV) - thickness, Math.abs(u - cu) - hw);
}

export const union = Math.min;
export const intersect = Math.max;
export function subtract(a: number, b: number): number { return Math.max(a, -b); }
export function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.max(0, Math.min(1, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}
