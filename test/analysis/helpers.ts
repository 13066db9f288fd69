/**
 * Helpers for the analysis tests: a hand-built "VAE" artifact whose latents are exactly Gaussian
 * with a known covariance, hand-written renderers (latent -> image functions), and a PNG tile reader.
 *
 * The linear-Gaussian VAE: encoder = flatten -> dense mu (zero kernel, zero bias) and dense logvar
 * (zero kernel, bias log sigma_i^2), so with `latents: sample` z = mu + sigma * eps ~ N(0,
 * diag(sigma^2)) whatever the images; decoder = dense(R*R*3, tanh, known weights) -> reshape. Both
 * are stock tfjs-layers models saved with runner/training/model-files.ts, beside a training.json,
 * which is all a train-vae artifact consumer reads.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackedWriter } from '../../runner/datasets/packed.js';
import { saveLayersModel } from '../../runner/training/model-files.js';
import { decodeRaw } from '../../runner/imaging/png.js';
import { initBackend } from '../../runner/compute/backend.js';
import { hashFolder } from '../../runner/store/hash.js';
import { rngFor, Stream } from '../../runner/training/rng.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import type { Renderer } from '../../runner/analysis/latents.js';

export async function linearVae(sigmas: number[], R = 8, seed = 1): Promise<ArtifactRef> {
  await initBackend('wasm');
  const L = sigmas.length;
  const dir = mkdtempSync(join(tmpdir(), 'btf-linvae-'));
  const x = tfl.input({ shape: [R, R, 3] });
  const flat = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const muL = tfl.layers.dense({ units: L, kernelInitializer: 'zeros', biasInitializer: 'zeros', name: 'mu' });
  const lvL = tfl.layers.dense({ units: L, kernelInitializer: 'zeros', name: 'logvar' });
  const encoder = tfl.model({ inputs: x, outputs: [muL.apply(flat) as tfl.SymbolicTensor, lvL.apply(flat) as tfl.SymbolicTensor] });
  const [k, b] = lvL.getWeights();
  lvL.setWeights([k!, tf.tensor1d(sigmas.map((s) => Math.log(s * s)))]);
  const z = tfl.input({ shape: [L] });
  const dense = tfl.layers.dense({ units: R * R * 3, activation: 'tanh', name: 'dec' });
  const img = tfl.layers.reshape({ targetShape: [R, R, 3] }).apply(dense.apply(z)) as tfl.SymbolicTensor;
  const decoder = tfl.model({ inputs: z, outputs: img });
  const rng = rngFor(seed, Stream.user, 99);
  dense.setWeights([tf.tensor2d(rng.normals(new Float32Array(L * R * R * 3)).map((v) => v * 0.3), [L, R * R * 3]), tf.zeros([R * R * 3])]);
  for (const [name, m] of [['encoder', encoder], ['decoder', decoder]] as const) {
    mkdirSync(join(dir, name));
    await saveLayersModel(m, join(dir, name));
  }
  writeFileSync(join(dir, 'training.json'), JSON.stringify({ resolution: R, params: { model: { latentDim: L } } }));
  tf.dispose([k!, b!]);
  return { key: 'test', hash: hashFolder(dir).hash, dir, summary: {}, kind: 'train-vae' };
}

/** `count` images of uniform noise (their content is irrelevant to the linear VAE). */
export function noiseData(count: number, R = 8): ArtifactRef {
  const dir = mkdtempSync(join(tmpdir(), 'btf-an-data-'));
  const w = new PackedWriter(dir, { resolution: R, channels: 3, file: 'images.u8' });
  const rng = rngFor(5, Stream.user, 1);
  const img = new Uint8Array(R * R * 3);
  for (let i = 0; i < count; i++) { for (let j = 0; j < img.length; j++) img[j] = rng.int(256); w.append(img); }
  w.finish({ source: 'test-noise' });
  return { key: 'test', hash: `noise-${count}`, dir, summary: {}, kind: 'dataset' };
}

/** A disc mask (255 inside radius R/4 of the centre), the "face" of the hand-written renderers. */
export function discMask(R: number): Uint8Array {
  const m = new Uint8Array(R * R);
  for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) m[y * R + x] = (x + 0.5 - R / 2) ** 2 + (y + 0.5 - R / 2) ** 2 < (R / 4) ** 2 ? 255 : 0;
  return m;
}

/**
 * A renderer whose image is mid-grey except where `region` is true, where each pixel's value is
 * 128 + 40 * (sum of the latent's coordinates weighted by a fixed per-pixel pattern): every latent
 * direction changes only pixels of that region. `layers` > 1 averages the layers' latents.
 */
export function regionRenderer(dim: number, R: number, region: 'inside' | 'outside', layers = 1): Renderer {
  const mask = discMask(R);
  const pattern = rngFor(3, Stream.user, 5).normals(new Float32Array(R * R * dim));
  return {
    dim, layers, resolution: R,
    render(ws, n) {
      const out = new Uint8Array(n * R * R * 3);
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < R * R; p++) {
          const fg = mask[p] === 255;
          let v = 128;
          if (fg === (region === 'inside')) {
            let s = 0;
            for (let c = 0; c < dim; c++) { let w = 0; for (const l of ws) w += l[i * dim + c]!; s += (w / ws.length) * pattern[p * dim + c]!; }
            v = Math.max(0, Math.min(255, Math.round(128 + 40 * s)));
          }
          out.fill(v, (i * R * R + p) * 3, (i * R * R + p) * 3 + 3);
        }
      }
      return out;
    },
  };
}

/** The tile at (row, col) of a grid PNG written with pad 2 and `zoom`, as RGB bytes (zoom 1 only). */
export async function gridTile(png: Buffer | string, row: number, col: number, size: number, pad = 2): Promise<{ tile: Uint8Array; width: number; height: number }> {
  const img = await decodeRaw(png);
  const tile = new Uint8Array(size * size * 3);
  const ox = pad + col * (size + pad), oy = pad + row * (size + pad);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) tile[(y * size + x) * 3 + c] = img.data[((oy + y) * img.width + ox + x) * img.channels + c]!;
    }
  }
  return { tile, width: img.width, height: img.height };
}
