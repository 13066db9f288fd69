/**
 * A small seeded PRNG for the numerical code (KID subset selection, generated test data).
 *
 * mulberry32: 32-bit state, period 2^32, passes the usual smoke tests; trivially portable (the
 * fixture generators re-implement it in Python to reproduce the same streams). Not cryptographic and
 * not numpy's generator: streams differ from `np.random`.
 */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Next uint32. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }
  /** Integer uniform in [0, n) (n <= 2^32), without modulo bias (rejection sampling). */
  below(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }
  /** Standard normal by Box-Muller (one value per call; the pair's second value is discarded for simplicity). */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1]: log stays finite
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** k distinct indices from [0, n), in selection order (partial Fisher-Yates; k <= n). */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    if (k > n) throw new Error(`cannot draw ${k} distinct indices from ${n}`);
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.below(n - i);
      const x = pool[i]; pool[i] = pool[j]; pool[j] = x;
    }
    return pool.slice(0, k);
  }
}
