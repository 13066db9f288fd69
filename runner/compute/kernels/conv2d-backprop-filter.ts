/**
 * Conv2DBackpropFilter for wasm (the stock 4.22 backend has none) as one forward convolution that
 * treats the batch as channels:
 *
 *   dW[i, j, ci, co] = sum_{n, y, x} x[n, y*s + i*d - pt, x*s + j*d - pl, ci] * dy[n, y, x, co]
 *                    = conv(x^T [ci, H, W, n], dy^T [oh, ow, n, co], stride d, dilation s) -> [ci, fh, fw, co]
 *
 * so XNNPACK does the reduction over n*oh*ow as one GEMM. Padding keeps the original top/left pads;
 * bottom/right pads are chosen so the output is fh x fw (extra rows from a non-negative pad are
 * sliced off). Channels-last only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { call, free, type KernelArgs } from './wasm-util.js';

export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], a.filterShape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(a.dataFormat));
  if (info.dataFormat !== 'channelsLast') throw new Error('wasm Conv2DBackpropFilter: only NHWC is supported');
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw,
    dilationHeight: dh, dilationWidth: dw, filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const { top, left } = info.padInfo;
  // Output extent along one axis for pads (p0, p1): floor((len + p0 + p1 - ((o-1)*s + 1)) / d) + 1.
  const need = (len: number, p0: number, o: number, s: number, d: number, f: number) =>
    Math.max(0, (f - 1) * d + (o - 1) * s + 1 - len - p0);
  const bottom = need(h, top, oh, sh, dh, fh);
  const right = need(w, left, ow, sw, dw, fw);
  const outH = Math.floor((h + top + bottom - ((oh - 1) * sh + 1)) / dh) + 1;
  const outW = Math.floor((w + left + right - ((ow - 1) * sw + 1)) / dw) + 1;

  const xT = call('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const dyT = call('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  let r = call('Conv2D', backend, { x: xT, filter: dyT }, {
    strides: [dh, dw], dilations: [sh, sw], dataFormat: 'NHWC', dimRoundingMode: undefined,
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
  });
  free(backend, xT, dyT);
  if (outH !== fh || outW !== fw) {
    const cut = call('Slice', backend, { x: r }, { begin: [0, 0, 0, 0], size: [ci, fh, fw, co] });
    free(backend, r);
    r = cut;
  }
  const dW = call('Transpose', backend, { x: r }, { perm: [1, 2, 0, 3] });
  free(backend, r);
  return dW;
}
