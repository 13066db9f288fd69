/**
 * The FID Inception v3 network (the TensorFlow 2015-12-05 graph as ported by pytorch-fid), from its
 * input to the 2048-d pool3 features, written in tfjs-core ops (NHWC) so it runs on any backend.
 *
 * Differences from torchvision's Inception v3 that make it the FID network: the average pools inside
 * the mixed blocks ignore padded pixels (TensorFlow's SAME average pool, i.e. PyTorch's
 * count_include_pad=False, which tfjs's avgPool with 'same' also does), and the last block (Mixed_7c)
 * pools its side branch with a 3x3 max pool instead of an average pool. Every conv here is a
 * conv + BatchNorm(eps 0.001) + ReLU unit with the BatchNorm already folded into the conv's filter
 * and bias (see fold.ts). This module only describes the graph; weights come from fold.ts or
 * random-init.ts, input scaling and resizing from index.ts. No aux classifier, no fc layer.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One conv unit. 'same' is only used with stride 1 and odd kernels, where it equals PyTorch's symmetric padding. */
export interface ConvSpec {
  /** PyTorch module path, e.g. `Mixed_5b.branch5x5_2` (state dict keys are `<name>.conv.weight` etc.). */
  name: string;
  cin: number;
  cout: number;
  kh: number;
  kw: number;
  stride: 1 | 2;
  pad: 'same' | 'valid';
}

/** Folded conv parameters: filter [kh, kw, cin, cout] (tfjs layout) and bias [cout]. */
export interface ConvParams {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export type InceptionParams = Map<string, ConvParams>;

type Kernel = number | [number, number];

/** Every conv unit of the network, in PyTorch module order. */
export function convSpecs(): ConvSpec[] {
  const out: ConvSpec[] = [];
  const conv = (name: string, cin: number, cout: number, k: Kernel, stride: 1 | 2 = 1, pad: 'same' | 'valid' = 'same'): void => {
    const [kh, kw] = typeof k === 'number' ? [k, k] : k;
    out.push({ name, cin, cout, kh, kw, stride, pad });
  };
  conv('Conv2d_1a_3x3', 3, 32, 3, 2, 'valid');
  conv('Conv2d_2a_3x3', 32, 32, 3, 1, 'valid');
  conv('Conv2d_2b_3x3', 32, 64, 3);
  conv('Conv2d_3b_1x1', 64, 80, 1);
  conv('Conv2d_4a_3x3', 80, 192, 3, 1, 'valid');
  const blockA = (b: string, cin: number, poolFeatures: number): void => {
    conv(`${b}.branch1x1`, cin, 64, 1);
    conv(`${b}.branch5x5_1`, cin, 48, 1);
    conv(`${b}.branch5x5_2`, 48, 64, 5);
    conv(`${b}.branch3x3dbl_1`, cin, 64, 1);
    conv(`${b}.branch3x3dbl_2`, 64, 96, 3);
    conv(`${b}.branch3x3dbl_3`, 96, 96, 3);
    conv(`${b}.branch_pool`, cin, poolFeatures, 1);
  };
  blockA('Mixed_5b', 192, 32);
  blockA('Mixed_5c', 256, 64);
  blockA('Mixed_5d', 288, 64);
  conv('Mixed_6a.branch3x3', 288, 384, 3, 2, 'valid');
  conv('Mixed_6a.branch3x3dbl_1', 288, 64, 1);
  conv('Mixed_6a.branch3x3dbl_2', 64, 96, 3);
  conv('Mixed_6a.branch3x3dbl_3', 96, 96, 3, 2, 'valid');
  const blockC = (b: string, c7: number): void => {
    conv(`${b}.branch1x1`, 768, 192, 1);
    conv(`${b}.branch7x7_1`, 768, c7, 1);
    conv(`${b}.branch7x7_2`, c7, c7, [1, 7]);
    conv(`${b}.branch7x7_3`, c7, 192, [7, 1]);
    conv(`${b}.branch7x7dbl_1`, 768, c7, 1);
    conv(`${b}.branch7x7dbl_2`, c7, c7, [7, 1]);
    conv(`${b}.branch7x7dbl_3`, c7, c7, [1, 7]);
    conv(`${b}.branch7x7dbl_4`, c7, c7, [7, 1]);
    conv(`${b}.branch7x7dbl_5`, c7, 192, [1, 7]);
    conv(`${b}.branch_pool`, 768, 192, 1);
  };
  blockC('Mixed_6b', 128);
  blockC('Mixed_6c', 160);
  blockC('Mixed_6d', 160);
  blockC('Mixed_6e', 192);
  conv('Mixed_7a.branch3x3_1', 768, 192, 1);
  conv('Mixed_7a.branch3x3_2', 192, 320, 3, 2, 'valid');
  conv('Mixed_7a.branch7x7x3_1', 768, 192, 1);
  conv('Mixed_7a.branch7x7x3_2', 192, 192, [1, 7]);
  conv('Mixed_7a.branch7x7x3_3', 192, 192, [7, 1]);
  conv('Mixed_7a.branch7x7x3_4', 192, 192, 3, 2, 'valid');
  const blockE = (b: string, cin: number): void => {
    conv(`${b}.branch1x1`, cin, 320, 1);
    conv(`${b}.branch3x3_1`, cin, 384, 1);
    conv(`${b}.branch3x3_2a`, 384, 384, [1, 3]);
    conv(`${b}.branch3x3_2b`, 384, 384, [3, 1]);
    conv(`${b}.branch3x3dbl_1`, cin, 448, 1);
    conv(`${b}.branch3x3dbl_2`, 448, 384, 3);
    conv(`${b}.branch3x3dbl_3a`, 384, 384, [1, 3]);
    conv(`${b}.branch3x3dbl_3b`, 384, 384, [3, 1]);
    conv(`${b}.branch_pool`, cin, 192, 1);
  };
  blockE('Mixed_7b', 1280);
  blockE('Mixed_7c', 2048);
  return out;
}

/** pytorch-fid's resize: F.interpolate(mode='bilinear', align_corners=False), no antialias (= TF half-pixel centres). */
export function resizeLikeTorch(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.image.resizeBilinear(x, [height, width], false, true);
}

/** 3x3 stride-1 average pool over valid pixels only (PyTorch count_include_pad=False, TF SAME). */
export function avgPool3ExcludePad(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 3, 1, 'same');
}

/** 3x3 stride-1 max pool with padding 1 (padded pixels never win, as with PyTorch's -inf padding). */
export function maxPool3Pad1(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 3, 1, 'same');
}

/**
 * Runs the network on a [N, 299, 299, 3] batch already scaled to [-1, 1]; returns [N, 2048].
 * Frees its intermediates; `x` is left to the caller.
 */
export function pool3Features(x: tf.Tensor4D, params: InceptionParams, specs: Map<string, ConvSpec>): tf.Tensor2D {
  const c = (name: string, input: tf.Tensor4D): tf.Tensor4D => {
    const s = specs.get(name);
    const p = params.get(name);
    if (!s || !p) throw new Error(`inception: no parameters for ${name}`);
    return tf.fused.conv2d({ x: input, filter: p.filter, bias: p.bias, strides: s.stride, pad: s.pad, activation: 'relu' });
  };
  const chain = (input: tf.Tensor4D, ...names: string[]): tf.Tensor4D => names.reduce((h, n) => c(n, h), input);
  const cat = (xs: tf.Tensor4D[]): tf.Tensor4D => tf.concat4d(xs, 3);
  const avg3 = avgPool3ExcludePad;
  const max3s2 = (input: tf.Tensor4D): tf.Tensor4D => tf.maxPool(input, 3, 2, 'valid');

  const blockA = (b: string, h: tf.Tensor4D): tf.Tensor4D => cat([
    c(`${b}.branch1x1`, h),
    chain(h, `${b}.branch5x5_1`, `${b}.branch5x5_2`),
    chain(h, `${b}.branch3x3dbl_1`, `${b}.branch3x3dbl_2`, `${b}.branch3x3dbl_3`),
    c(`${b}.branch_pool`, avg3(h)),
  ]);
  const blockC = (b: string, h: tf.Tensor4D): tf.Tensor4D => cat([
    c(`${b}.branch1x1`, h),
    chain(h, `${b}.branch7x7_1`, `${b}.branch7x7_2`, `${b}.branch7x7_3`),
    chain(h, ...[1, 2, 3, 4, 5].map((i) => `${b}.branch7x7dbl_${i}`)),
    c(`${b}.branch_pool`, avg3(h)),
  ]);
  const blockE = (b: string, h: tf.Tensor4D, maxPool: boolean): tf.Tensor4D => {
    const b3 = c(`${b}.branch3x3_1`, h);
    const d3 = chain(h, `${b}.branch3x3dbl_1`, `${b}.branch3x3dbl_2`);
    // Mixed_7c's pool branch is a max pool in the FID graph (padding ignored, as in TF's SAME max pool).
    const pooled = maxPool ? maxPool3Pad1(h) : avg3(h);
    return cat([
      c(`${b}.branch1x1`, h),
      c(`${b}.branch3x3_2a`, b3), c(`${b}.branch3x3_2b`, b3),
      c(`${b}.branch3x3dbl_3a`, d3), c(`${b}.branch3x3dbl_3b`, d3),
      c(`${b}.branch_pool`, pooled),
    ]);
  };

  // Each stage runs in its own tidy and the previous stage's output is freed as soon as the next
  // exists, so peak memory is one block's intermediates rather than the whole network's
  // (tf.profile peak on wasm, batch 4: ~14 MB of activations per image instead of ~56 MB).
  let h = x;
  const stage = (f: (input: tf.Tensor4D) => tf.Tensor4D): void => {
    const next = tf.tidy(() => f(h));
    if (h !== x) h.dispose();
    h = next;
  };
  stage((t) => max3s2(chain(t, 'Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3')));
  stage((t) => max3s2(chain(t, 'Conv2d_3b_1x1', 'Conv2d_4a_3x3')));
  for (const b of ['Mixed_5b', 'Mixed_5c', 'Mixed_5d']) stage((t) => blockA(b, t));
  stage((t) => cat([c('Mixed_6a.branch3x3', t), chain(t, 'Mixed_6a.branch3x3dbl_1', 'Mixed_6a.branch3x3dbl_2', 'Mixed_6a.branch3x3dbl_3'), max3s2(t)]));
  for (const b of ['Mixed_6b', 'Mixed_6c', 'Mixed_6d', 'Mixed_6e']) stage((t) => blockC(b, t));
  stage((t) => cat([
    chain(t, 'Mixed_7a.branch3x3_1', 'Mixed_7a.branch3x3_2'),
    chain(t, 'Mixed_7a.branch7x7x3_1', 'Mixed_7a.branch7x7x3_2', 'Mixed_7a.branch7x7x3_3', 'Mixed_7a.branch7x7x3_4'),
    max3s2(t),
  ]));
  stage((t) => blockE('Mixed_7b', t, false));
  stage((t) => blockE('Mixed_7c', t, true));
  const features = tf.mean(h, [1, 2]) as tf.Tensor2D; // adaptive average pool to 1x1, flattened
  if (h !== x) h.dispose();
  return features;
}
