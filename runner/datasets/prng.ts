/**
 * Seeded pseudo-random numbers for everything that must be reproducible (synthetic data, seeded
 * subsets). sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, as in PractRand) seeded
 * through splitmix32, so any tuple of integers (seed, image index, ...) gives an independent stream.
 * Pure 32-bit integer arithmetic: bit-identical on every platform. Never use Math.random for data.
 */

/** splitmix32 finaliser: a good 32-bit integer mix (used for seeding and hashing). */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Hashes a tuple of integers (each taken modulo 2^32) into one 32-bit seed. */
export function hashInts(...xs: number[]): number {
  let h = 0x2545f491;
  for (const x of xs) {
    // Split doubles above 2^32 so large seeds still differ.
    const lo = x >>> 0;
    const hi = Math.floor(x / 4294967296) >>> 0;
    h = mix32(h ^ lo);
    if (hi !== 0) h = mix32(h ^ hi);
  }
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream keyed by any tuple of integers, e.g. `new Rng(seed, imageIndex)`. */
  constructor(...key: number[]) {
    const s = hashInts(...key);
    this.a = mix32(s ^ 0x1);
    this.b = mix32(s ^ 0x2);
    this.c = mix32(s ^ 0x3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32(); // warm up as the reference implementation does
  }

  /** Next uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number { return this.u32() / 4294967296; }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }

  /** Uniform integer in [0, n). */
  int(n: number): number { return Math.floor(this.next() * n); }

  /** True with probability p. */
  chance(p: number): boolean { return this.next() < p; }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]!; }

  /** Index drawn with the given (unnormalised) weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Standard normal (Box-Muller), clipped to +-clip sigmas so factors stay in a plausible range. */
  normal(mean = 0, sd = 1, clip = 3): number {
    const u = 1 - this.next();
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return mean + sd * Math.max(-clip, Math.min(clip, z));
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}
