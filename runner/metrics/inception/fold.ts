/**
 * Turns a PyTorch FID Inception state dict into folded tfjs conv parameters.
 *
 * Each unit is conv (no bias) -> BatchNorm(eps 0.001, running statistics) -> ReLU. In inference the
 * BatchNorm is an affine map per output channel, so it folds into the conv:
 *   scale = gamma / sqrt(running_var + eps)
 *   filter' = filter * scale   (per output channel)      bias' = beta - running_mean * scale
 * which saves one full pass over every activation map. The fold is computed in float64 and rounded
 * once to float32; the parity test (test/inception/parity.test.ts) checks the folded network against
 * PyTorch's unfolded one. The fc layer and num_batches_tracked entries are ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../errors.js';
import type { TorchTensor } from '../../io/torch-checkpoint.js';
import type { ConvSpec, InceptionParams } from './architecture.js';

export const BN_EPS = 0.001;

export interface FoldedConv {
  /** [kh, kw, cin, cout], row-major. */
  filter: Float32Array;
  bias: Float32Array;
}

function tensor(sd: Map<string, TorchTensor>, key: string, shape: number[], source: string): Float64Array {
  const t = sd.get(key);
  if (!t) throw new UserError(`${source}: missing ${key} (not an FID Inception checkpoint? expected pt_inception-2015-12-05-6726825d.pth's layout)`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new UserError(`${source}: ${key} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t.toFloat64();
}

/** Folds one unit's conv + BatchNorm from the state dict (PyTorch OIHW -> tfjs HWIO). */
export function foldUnit(sd: Map<string, TorchTensor>, s: ConvSpec, source: string): FoldedConv {
  const w = tensor(sd, `${s.name}.conv.weight`, [s.cout, s.cin, s.kh, s.kw], source);
  const gamma = tensor(sd, `${s.name}.bn.weight`, [s.cout], source);
  const beta = tensor(sd, `${s.name}.bn.bias`, [s.cout], source);
  const mean = tensor(sd, `${s.name}.bn.running_mean`, [s.cout], source);
  const variance = tensor(sd, `${s.name}.bn.running_var`, [s.cout], source);
  const filter = new Float32Array(s.kh * s.kw * s.cin * s.cout);
  const bias = new Float32Array(s.cout);
  for (let o = 0; o < s.cout; o++) {
    const scale = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    bias[o] = beta[o]! - mean[o]! * scale;
    for (let i = 0; i < s.cin; i++) {
      for (let y = 0; y < s.kh; y++) {
        for (let x = 0; x < s.kw; x++) {
          filter[((y * s.kw + x) * s.cin + i) * s.cout + o] = w[((o * s.cin + i) * s.kh + y) * s.kw + x]! * scale;
        }
      }
    }
  }
  return { filter, bias };
}

/** Uploads folded parameters as tfjs tensors (the caller owns and disposes them). */
export function toParams(specs: ConvSpec[], folded: (s: ConvSpec) => FoldedConv): InceptionParams {
  const params: InceptionParams = new Map();
  try {
    for (const s of specs) {
      const f = folded(s);
      params.set(s.name, { filter: tf.tensor4d(f.filter, [s.kh, s.kw, s.cin, s.cout]), bias: tf.tensor1d(f.bias) });
    }
  } catch (e) {
    for (const p of params.values()) tf.dispose([p.filter, p.bias]);
    throw e;
  }
  return params;
}
