/**
 * Conv2DBackpropInput for wasm as one forward convolution (XNNPACK), replacing the stock
 * loop-based kernel. This is also the forward pass of conv2dTranspose (decoders).
 *
 * Dilation 1 (what the models use): sub-pixel decomposition. With t = h + padTop = q*s + r,
 *   dx[t - padTop] = sum_m dy[q - m] * w[r + s*m]        (r = t mod s, the "phase")
 * so each of the s*s phases is a stride-1 conv of dy with a sub-filter of ceil(f/s) taps. All phases
 * go in one conv (phases stacked on output channels), then one JS pass interleaves them (a
 * depth-to-space) and cuts the padding. No multiply by inserted zeros: same FLOPs as the forward conv.
 * Dilation > 1 or unequal strides: dy dilated by the stride (zeros inserted) and padded, then a
 * stride-1 conv with the flipped, transposed filter (s*s more FLOPs, rare path).
 * Padded/cropped copies of dy are built by a JS pass over the wasm heap (no JS array round trip).
 * Channels-last only (the wasm backend's own limit).
 */
import * as tf from '@tensorflow/tfjs-core';
import { call, f32, free, type KernelArgs, type WasmBackend } from './wasm-util.js';

export function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape as [number, number, number, number], filter.shape as [number, number, number, number],
    a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(a.dataFormat));
  if (info.dataFormat !== 'channelsLast') throw new Error('wasm Conv2DBackpropInput: only NHWC is supported');
  const { top, left } = info.padInfo;
  if (info.dilationHeight === 1 && info.dilationWidth === 1 && info.strideHeight === info.strideWidth && top >= 0 && left >= 0) {
    return subPixel(backend, dy, filter, info);
  }
  return dilated(backend, dy, filter, info);
}

function subPixel(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co,
    strideHeight: s, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const mh = Math.ceil(fh / s);
  const mw = Math.ceil(fw / s);
  // Only the output rows q0..q1 (cols p0..p1) that land inside dx are computed.
  const q0 = Math.floor(top / s), q1 = Math.floor((top + h - 1) / s);
  const p0 = Math.floor(left / s), p1 = Math.floor((left + w - 1) / s);
  // D[u] = dy[u + q0 - (mh - 1)] (zero outside dy): a valid conv over D yields rows q0..q1.
  const dh = q1 - q0 + mh, dw = p1 - p0 + mw;
  const d = shifted(backend, dy, n, oh, ow, co, dh, dw, q0 - (mh - 1), p0 - (mw - 1));

  // F[jh, jw, k, (rh*s + rw)*ci + c] = w[rh + s*(mh-1-jh), rw + s*(mw-1-jw), c, k] (zero past the filter).
  const f = backend.makeOutput([mh, mw, co, s * s * ci], 'float32');
  const fo = f32(backend, f);
  const wv = f32(backend, filter);
  fo.fill(0);
  const cout = s * s * ci;
  for (let jh = 0; jh < mh; jh++) for (let jw = 0; jw < mw; jw++) for (let rh = 0; rh < s; rh++) for (let rw = 0; rw < s; rw++) {
    const i = rh + s * (mh - 1 - jh), j = rw + s * (mw - 1 - jw);
    if (i >= fh || j >= fw) continue;
    const src = (i * fw + j) * ci * co;
    const dst = (jh * mw + jw) * co * cout + (rh * s + rw) * ci;
    for (let c = 0; c < ci; c++) for (let k = 0; k < co; k++) fo[dst + k * cout + c] = wv[src + c * co + k]!;
  }
  const z0 = call('Conv2D', backend, { x: d, filter: f },
    { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined });
  free(backend, d, f);
  // Interleave phases and cut the padding in one JS pass (the stock DepthToSpace + Slice kernels
  // cost twice the conv itself on the 64-px VAE layer).
  const dx = backend.makeOutput([n, h, w, ci], 'float32');
  const o = f32(backend, dx);
  const zv = f32(backend, z0);
  const zh = z0.shape[1]!, zw = z0.shape[2]!;
  const bh = top - q0 * s, bw = left - p0 * s;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const t = y + bh, q = Math.floor(t / s), rh = t - q * s;
      const row = (b * zh + q) * zw;
      let dst = (b * h + y) * w * ci;
      for (let x = 0; x < w; x++) {
        const t2 = x + bw, p = Math.floor(t2 / s), rw = t2 - p * s;
        const src = (row + p) * cout + (rh * s + rw) * ci;
        for (let c = 0; c < ci; c++) o[dst + c] = zv[src + c]!;
        dst += ci;
      }
    }
  }
  free(backend, z0);
  return dx;
}

/** out[b, u, v, :] = src[b, u + y0, v + x0, :] where inside src, else 0; shape [n, hh, ww, c]. */
function shifted(backend: WasmBackend, src: tf.TensorInfo, n: number, sh: number, sw: number, c: number,
  hh: number, ww: number, y0: number, x0: number): tf.TensorInfo {
  const out = backend.makeOutput([n, hh, ww, c], 'float32');
  const o = f32(backend, out);
  const v = f32(backend, src);
  o.fill(0);
  const u0 = Math.max(0, -y0), u1 = Math.min(hh, sh - y0);
  const c0 = Math.max(0, -x0), c1 = Math.min(ww, sw - x0);
  if (c1 <= c0) return out;
  for (let b = 0; b < n; b++) {
    for (let u = u0; u < u1; u++) {
      const s = ((b * sh + u + y0) * sw + c0 + x0) * c;
      o.set(v.subarray(s, s + (c1 - c0) * c), ((b * hh + u) * ww + c0) * c);
    }
  }
  return out;
}

function dilated(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co,
    strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: fh, filterWidth: fw } = info;
  const top = (fh - 1) * dh - info.padInfo.top;
  const left = (fw - 1) * dw - info.padInfo.left;
  const hp = h + (fh - 1) * dh;
  const wp = w + (fw - 1) * dw;
  const wT = flipTranspose(backend, filter, fh, fw, ci, co);
  const dyp = backend.makeOutput([n, hp, wp, co], 'float32');
  const dst = f32(backend, dyp);
  const src = f32(backend, dy);
  dst.fill(0);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const py = y * sh + top;
      if (py < 0 || py >= hp) continue;
      for (let x = 0; x < ow; x++) {
        const px = x * sw + left;
        if (px < 0 || px >= wp) continue;
        const s = ((b * oh + y) * ow + x) * co;
        dst.set(src.subarray(s, s + co), ((b * hp + py) * wp + px) * co);
      }
    }
  }
  const dx = call('Conv2D', backend, { x: dyp, filter: wT },
    { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: [dh, dw], dimRoundingMode: undefined });
  free(backend, dyp, wT);
  return dx;
}

/** [fh, fw, ci, co] -> spatially flipped [fh, fw, co, ci] (small: a JS loop is cheaper than two kernels). */
function flipTranspose(backend: WasmBackend, filter: tf.TensorInfo, fh: number, fw: number, ci: number, co: number): tf.TensorInfo {
  const out = backend.makeOutput([fh, fw, co, ci], 'float32');
  const o = f32(backend, out);
  const f = f32(backend, filter);
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const fo = ((fh - 1 - i) * fw + (fw - 1 - j)) * co * ci;
      const fi = (i * fw + j) * ci * co;
      for (let c = 0; c < ci; c++) for (let k = 0; k < co; k++) o[fo + k * ci + c] = f[fi + c * co + k]!;
    }
  }
  return out;
}
