/**
 * Counter-based seeded randomness for training loops.
 *
 * Every random draw in training (init, shuffle, mirror flags, reparameterisation noise, ...) comes
 * from `rngFor(seed, stream, ...counters)`: a fresh sfc32 generator keyed by a hash of the seed, a
 * stream tag and counters such as (epoch, step). Nothing carries state from one step to the next,
 * so a resumed run only needs its position (epoch, step) to reproduce the uninterrupted run
 * bit for bit: there is no generator state to save.
 *
 * Scope: plain JS numbers; no tensors. Not cryptographic.
 */

/** Named streams so two uses of the same counters never share draws. */
export const Stream = {
  init: 1,
  shuffle: 2,
  mirror: 3,
  noise: 4,
  eval: 5,
  /** Free for model-specific uses (e.g. StyleGAN style mixing): pass `Stream.user + k`. */
  user: 100,
} as const;

export interface Rng {
  /** Uniform in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller, both halves used). */
  normal(): number;
  /** Fills `out` with standard normals (as float32). */
  normals(out: Float32Array): Float32Array;
}

/** murmur3 finaliser: a good 32-bit avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a list of non-negative integers (each split into two 32-bit halves) into 4 words. */
function keyWords(parts: number[]): [number, number, number, number] {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = 0x85a308d3;
  for (const p of parts) {
    if (!Number.isInteger(p) || p < 0 || p > Number.MAX_SAFE_INTEGER) throw new Error(`rng key part must be a safe non-negative integer, got ${p}`);
    const lo = p >>> 0;
    const hi = Math.floor(p / 0x100000000) >>> 0;
    a = fmix32(a ^ lo ^ Math.imul(hi, 0x27d4eb2f));
    b = fmix32(b + a + 0x165667b1);
    c = fmix32(c ^ b ^ hi);
    d = fmix32(d + c + lo);
  }
  return [a, b, c, d];
}

/** A fresh generator for (seed, stream, ...counters). */
export function rngFor(seed: number, stream: number, ...counters: number[]): Rng {
  let [a, b, c, d] = keyWords([seed, stream, counters.length, ...counters]);
  // sfc32 (Chris Doty-Humphrey): small, fast, passes PractRand at this scale.
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32(); // warm up away from the key
  let spare: number | null = null;
  const next = (): number => u32() / 0x100000000;
  const normal = (): number => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal,
    normals: (out) => { for (let i = 0; i < out.length; i++) out[i] = normal(); return out; },
  };
}

/** A seeded Fisher-Yates permutation of [0, n). */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!; p[i] = p[j]!; p[j] = t;
  }
  return p;
}
