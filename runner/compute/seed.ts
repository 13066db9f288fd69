/**
 * Seeds for tfjs random ops. tfjs-core 4.22 treats a seed of 0 as "no seed" (`seed ? seed :
 * Math.random()` in its Gaussian sampler), so a computed seed that happens to be 0 silently makes an
 * op non-deterministic. Every seed we pass to tf.randomNormal & co goes through this.
 */
export function tfjsSeed(seed: number): number {
  const s = seed >>> 0;
  return s === 0 ? 0x5eed5eed : s;
}
