/**
 * The on-disk form of a fitted latent PCA (the `pca` stage's output, the `traverse` stage's input):
 *
 *   pca.json        { format: "btf-pca-v1", model {kind, space, hash, resolution, layers, ...},
 *                     latents, n, dim, k, totalVariance, eigenvalues[k], explainedVarianceRatio[k],
 *                     fresh {n, sd[k]}, files {mean, components} }   (JSON numbers round-trip float64)
 *   mean.f64        dim float64, little-endian
 *   components.f64  k x dim float64, little-endian, row i = component i (unit length)
 * Also: PC-space sampling (c_i ~ N(0, sqrt(eigenvalue_i)) for the top K, the rest at 0), shared by
 * the pca stage's samples.png and the traverse stage's style-blending sources.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { unproject, type PcaModel } from './pca.js';
import { rngFor } from '../training/rng.js';

export interface PcaFile {
  format: 'btf-pca-v1';
  model: { kind: 'vae' | 'stylegan'; space: 'z' | 'w'; hash: string; resolution: number; layers: number; [k: string]: unknown };
  latents: 'mean' | 'sample' | 'mapped';
  n: number;
  dim: number;
  k: number;
  totalVariance: number;
  eigenvalues: number[];
  explainedVarianceRatio: number[];
  fresh: { n: number; sd: number[] };
  files: { mean: { path: string; shape: number[]; dtype: 'float64-le' }; components: { path: string; shape: number[]; dtype: 'float64-le' } };
}

function f64Bytes(a: Float64Array): Buffer {
  const b = Buffer.alloc(a.length * 8);
  for (let i = 0; i < a.length; i++) b.writeDoubleLE(a[i]!, i * 8);
  return b;
}

function readF64(path: string, count: number): Float64Array {
  let b: Buffer;
  try { b = readFileSync(path); } catch (e) { throw new UserError(`${path}: cannot read (${(e as Error).message})`); }
  if (b.length !== count * 8) throw new UserError(`${path}: ${b.length} bytes, expected ${count * 8} (${count} float64)`);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = b.readDoubleLE(i * 8);
  return out;
}

export function writePcaArtifact(dir: string, pca: PcaModel, meta: Pick<PcaFile, 'model' | 'latents' | 'fresh'>): PcaFile {
  writeFileSync(join(dir, 'mean.f64'), f64Bytes(pca.mean));
  writeFileSync(join(dir, 'components.f64'), f64Bytes(pca.components));
  const file: PcaFile = {
    format: 'btf-pca-v1', ...meta, n: pca.n, dim: pca.dim, k: pca.k, totalVariance: pca.totalVariance,
    eigenvalues: [...pca.eigenvalues], explainedVarianceRatio: [...pca.explainedVarianceRatio],
    files: {
      mean: { path: 'mean.f64', shape: [pca.dim], dtype: 'float64-le' },
      components: { path: 'components.f64', shape: [pca.k, pca.dim], dtype: 'float64-le' },
    },
  };
  // Keys in a fixed order: the model block first, then sizes, then arrays.
  writeFileSync(join(dir, 'pca.json'), JSON.stringify(file, null, 1) + '\n');
  return file;
}

export function readPcaArtifact(dir: string, where: string): { file: PcaFile; pca: PcaModel } {
  let file: PcaFile;
  try { file = JSON.parse(readFileSync(join(dir, 'pca.json'), 'utf8')) as PcaFile; } catch (e) { throw new UserError(`${where}: ${join(dir, 'pca.json')}: not a pca artifact (${(e as Error).message})`); }
  if (file.format !== 'btf-pca-v1') throw new UserError(`${where}: ${join(dir, 'pca.json')}: unknown format ${String(file.format)}`);
  const pca: PcaModel = {
    dim: file.dim, k: file.k, n: file.n, totalVariance: file.totalVariance,
    mean: readF64(join(dir, file.files.mean.path), file.dim),
    components: readF64(join(dir, file.files.components.path), file.k * file.dim),
    eigenvalues: Float64Array.from(file.eigenvalues),
    explainedVarianceRatio: Float64Array.from(file.explainedVarianceRatio),
  };
  return { file, pca };
}

/**
 * `n` latents sampled through the PCA (paper section 5): c_i ~ N(0, sqrt(eigenvalue_i)) for the
 * top `top` components, the others at 0 (the mean), mapped back with `unproject`. Row j uses its
 * own stream rngFor(seed, stream, j), so a prefix of a larger draw is the smaller draw.
 */
export function samplePcaLatents(pca: PcaModel, n: number, top: number, seed: number, stream: number): Float64Array {
  const K = Math.min(top, pca.k);
  const c = new Float64Array(n * pca.k);
  for (let j = 0; j < n; j++) {
    const rng = rngFor(seed, stream, j);
    for (let i = 0; i < K; i++) c[j * pca.k + i] = rng.normal() * Math.sqrt(Math.max(0, pca.eigenvalues[i]!));
  }
  return unproject(pca, c, n);
}
