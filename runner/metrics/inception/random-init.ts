/**
 * Seeded random parameters for the offline fallback `features: inception-random`: the FID network's
 * architecture with He-normal filters (std sqrt(2 / fan_in), keeping activation scale through the
 * ReLUs) and zero biases, i.e. the folded form of conv + identity BatchNorm.
 *
 * Deterministic from (seed, layer name) with our own PRNG, independent of tfjs and of layer order.
 * Features from this network are NOT comparable with published FIDs (index.ts flags them
 * `comparable: false`); they only let a pipeline run end to end without the real weights.
 */
import { Rng } from '../../linalg/random.js';
import type { ConvSpec } from './architecture.js';
import type { FoldedConv } from './fold.js';

/** 32-bit FNV-1a of a string, mixed with the seed: one independent stream per layer. */
function streamSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Uniforms in (0, 1) from the shared mulberry32 (linalg/random.ts), offset by half a step off 0. */
function uniforms(seed: number): () => number {
  const r = new Rng(seed);
  return () => (r.nextU32() + 0.5) / 4294967296;
}

/** He-normal filter [kh, kw, cin, cout] and zero bias for one unit. */
export function randomUnit(seed: number, s: ConvSpec): FoldedConv {
  const u = uniforms(streamSeed(seed, s.name));
  const std = Math.sqrt(2 / (s.kh * s.kw * s.cin));
  const filter = new Float32Array(s.kh * s.kw * s.cin * s.cout);
  for (let i = 0; i < filter.length; i += 2) {
    // Box-Muller: two normals per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(u())) * std;
    const t = 2 * Math.PI * u();
    filter[i] = r * Math.cos(t);
    if (i + 1 < filter.length) filter[i + 1] = r * Math.sin(t);
  }
  return { filter, bias: new Float32Array(s.cout) };
}
