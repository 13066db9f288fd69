/**
 * Deterministic 2-D value noise and fractal sums for procedural textures (hair strands, skin,
 * walls, foliage). Integer lattice hashing only, so every platform produces the same values.
 */

/** Hash of a lattice point to [0, 1). */
export function lattice(ix: number, iy: number, seed: number): number {
  let h = (Math.imul(ix | 0, 0x27d4eb2d) ^ Math.imul(iy | 0, 0x165667b1) ^ seed) | 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1) with a unit lattice. */
export function noise2(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = lattice(ix, iy, seed);
  const b = lattice(ix + 1, iy, seed);
  const c = lattice(ix, iy + 1, seed);
  const d = lattice(ix + 1, iy + 1, seed);
  const top = a + (b - a) * sx;
  const bottom = c + (d - c) * sx;
  return top + (bottom - top) * sy;
}

/** Fractal sum of `octaves` noise layers, normalised to [0, 1). */
export function fbm(x: number, y: number, seed: number, octaves = 3): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  for (let o = 0; o < octaves; o++) {
    sum += amp * noise2(x, y, seed + o * 1013);
    norm += amp;
    amp *= 0.5;
    // Rotate each octave (~37 degrees) so the value-noise lattice does not line up into a grid.
    const nx = (0.8 * x - 0.6 * y) * 2.03;
    y = (0.6 * x + 0.8 * y) * 2.03;
    x = nx;
  }
  return sum / norm;
}

/**
 * Octaves of fbm to use so the finest layer stays below ~0.35 cycles per pixel (no aliasing
 * speckle at low resolution): `freq` is the base frequency in cycles per `size` pixels.
 */
export function octavesFor(freq: number, size: number, max: number): number {
  let k = 1;
  while (k < max && freq * 2.03 ** k <= 0.35 * size) k++;
  return k;
}
