/**
 * Convolutional VAE (paper section 3.1) as two stock tfjs-layers models, so each saves as a plain
 * `model.json` + `weights.bin` that `tf.loadLayersModel` (with runner/training/model-files.ts's
 * file handler, or tfjs-node's file://) loads without this code.
 *
 * Architecture for resolution R = 4 * 2^n (n down-sampling blocks, 8 <= R <= 256) and channel
 * widths c_i = min(channels * 2^i, maxChannels):
 *   encoder: conv3x3(c_0) lrelu, n x [conv4x4 stride 2 (c_{i+1}) lrelu], flatten, dense mu, dense logvar
 *   decoder: dense(4*4*c_n) lrelu, reshape, n x [bilinear upsample x2, conv3x3 (c_{n-1-j}) lrelu],
 *            conv3x3(C) tanh
 * Bilinear rather than nearest up-sampling: the pure-JS cpu backend's ResizeNearestNeighborGrad
 * (tfjs 4.22) is wrong for batch > 1 (docs/compute.md), and the VAE must train correctly on both CPU
 * backends; test/models/vae-grads.test.ts checks wasm and cpu gradients agree.
 * Pixels are scaled to [-1, 1] on input (batches.ts) and the decoder ends in tanh, so its output is
 * in the same range.
 *
 * Loss (`vaeLoss`), per batch:
 *   recon = sum over pixels and channels of (x - x_hat)^2 per image, averaged over the batch
 *   kl    = sum over latent dims of KL(N(mu, sigma^2) || N(0, 1)) per image, averaged over the batch
 *   loss  = recon + beta * kl
 * With beta = 1 this is the negative ELBO (up to a constant) of a Gaussian decoder with variance
 * 1/2 in [-1, 1] units (sigma ~ 0.35 in [0, 1] pixel units), so beta keeps its usual meaning:
 * beta > 1 weighs the prior more (smoother, blurrier), beta < 1 favours reconstruction.
 * Reparameterisation noise is passed in (`eps`), drawn by the caller from its seeded stream.
 *
 * Does not: train (runner/training/vae-loop.ts), choose a backend, or read data.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { rngFor, Stream } from '../training/rng.js';

export interface VaeConfig {
  resolution: number;
  /** Image channels (3 for RGB). */
  imageChannels: number;
  /** Width of the first conv; doubles at each down-sampling block. */
  channels: number;
  maxChannels: number;
  latentDim: number;
  beta: number;
}

export interface Vae {
  config: VaeConfig;
  encoder: tfl.LayersModel;
  decoder: tfl.LayersModel;
}

/** Number of stride-2 blocks between the resolution and the 4x4 bottleneck; throws when R is not 4 * 2^n. */
export function downBlocks(resolution: number): number {
  const n = Math.log2(resolution / 4);
  if (!Number.isInteger(n) || n < 1 || n > 6) throw new Error(`VAE resolution must be 4 * 2^n between 8 and 256, got ${resolution}`);
  return n;
}

export function channelWidths(cfg: Pick<VaeConfig, 'resolution' | 'channels' | 'maxChannels'>): number[] {
  const n = downBlocks(cfg.resolution);
  return Array.from({ length: n + 1 }, (_, i) => Math.min(cfg.channels * 2 ** i, cfg.maxChannels));
}

const lrelu = (name: string): tfl.layers.Layer => tfl.layers.leakyReLU({ alpha: 0.2, name });

export function buildVae(config: VaeConfig): Vae {
  const n = downBlocks(config.resolution);
  const c = channelWidths(config);
  const R = config.resolution, C = config.imageChannels;

  const x = tfl.input({ shape: [R, R, C], name: 'image' });
  let h = tfl.layers.conv2d({ filters: c[0]!, kernelSize: 3, padding: 'same', name: 'enc_in' }).apply(x) as tfl.SymbolicTensor;
  h = lrelu('enc_in_act').apply(h) as tfl.SymbolicTensor;
  for (let i = 0; i < n; i++) {
    h = tfl.layers.conv2d({ filters: c[i + 1]!, kernelSize: 4, strides: 2, padding: 'same', name: `enc_down${i}` }).apply(h) as tfl.SymbolicTensor;
    h = lrelu(`enc_down${i}_act`).apply(h) as tfl.SymbolicTensor;
  }
  h = tfl.layers.flatten({ name: 'enc_flat' }).apply(h) as tfl.SymbolicTensor;
  const mu = tfl.layers.dense({ units: config.latentDim, name: 'enc_mu' }).apply(h) as tfl.SymbolicTensor;
  const logvar = tfl.layers.dense({ units: config.latentDim, name: 'enc_logvar' }).apply(h) as tfl.SymbolicTensor;
  const encoder = tfl.model({ inputs: x, outputs: [mu, logvar], name: 'vae_encoder' });

  const z = tfl.input({ shape: [config.latentDim], name: 'z' });
  let g = tfl.layers.dense({ units: 4 * 4 * c[n]!, name: 'dec_fc' }).apply(z) as tfl.SymbolicTensor;
  g = lrelu('dec_fc_act').apply(g) as tfl.SymbolicTensor;
  g = tfl.layers.reshape({ targetShape: [4, 4, c[n]!], name: 'dec_reshape' }).apply(g) as tfl.SymbolicTensor;
  for (let j = 0; j < n; j++) {
    g = tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear', name: `dec_up${j}_resize` }).apply(g) as tfl.SymbolicTensor;
    g = tfl.layers.conv2d({ filters: c[n - 1 - j]!, kernelSize: 3, padding: 'same', name: `dec_up${j}` }).apply(g) as tfl.SymbolicTensor;
    g = lrelu(`dec_up${j}_act`).apply(g) as tfl.SymbolicTensor;
  }
  const out = tfl.layers.conv2d({ filters: C, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'dec_out' }).apply(g) as tfl.SymbolicTensor;
  const decoder = tfl.model({ inputs: z, outputs: out, name: 'vae_decoder' });
  return { config, encoder, decoder };
}

/** Trainable weights of a model keyed by their stable names (layer/param, no uniquifying suffix). */
export function namedWeights(model: tfl.LayersModel): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>();
  for (const w of model.trainableWeights) m.set(`${model.name}/${w.originalName}`, w.read() as tf.Variable);
  return m;
}

/** All trainable weights of the VAE, encoder then decoder, in a fixed order. */
export function vaeWeights(vae: Vae): Map<string, tf.Variable> {
  return new Map([...namedWeights(vae.encoder), ...namedWeights(vae.decoder)]);
}

/**
 * Seeded initialisation independent of tfjs-layers' global counters: Glorot-uniform kernels, zero
 * biases, each weight drawn from its own stream keyed by its position in `vaeWeights` order.
 */
export function initVae(vae: Vae, seed: number): void {
  let k = 0;
  for (const [name, v] of vaeWeights(vae)) {
    const rng = rngFor(seed, Stream.init, k++);
    const size = v.size;
    const data = new Float32Array(size);
    if (!name.endsWith('/bias')) {
      const shape = v.shape;
      const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
      const fanIn = shape[shape.length - 2]! * receptive, fanOut = shape[shape.length - 1]! * receptive;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) data[i] = (2 * rng.next() - 1) * limit;
    }
    const t = tf.tensor(data, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}

export interface VaeOutputs {
  loss: tf.Scalar;
  recon: tf.Scalar;
  kl: tf.Scalar;
}

/** Forward pass and loss terms (see module doc for their scale). Call inside tf.tidy / variableGrads. */
export function vaeLoss(vae: Vae, x: tf.Tensor4D, eps: tf.Tensor2D): VaeOutputs {
  const [mu, logvar] = vae.encoder.apply(x) as tf.Tensor2D[];
  const z = tf.add(mu!, tf.mul(tf.exp(tf.mul(logvar!, 0.5)), eps)) as tf.Tensor2D;
  const xr = vae.decoder.apply(z) as tf.Tensor4D;
  const recon = tf.mean(tf.sum(tf.squaredDifference(x, xr), [1, 2, 3])) as tf.Scalar;
  const klPer = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(1, logvar!), tf.square(mu!)), tf.exp(logvar!)), 1), -0.5);
  const kl = tf.mean(klPer) as tf.Scalar;
  const loss = tf.add(recon, tf.mul(kl, vae.config.beta)) as tf.Scalar;
  return { loss, recon, kl };
}

/** Deterministic reconstruction through the posterior mean (evaluation, no noise). */
export function reconstruct(vae: Vae, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [mu] = vae.encoder.apply(x) as tf.Tensor2D[];
    return vae.decoder.apply(mu!) as tf.Tensor4D;
  });
}
