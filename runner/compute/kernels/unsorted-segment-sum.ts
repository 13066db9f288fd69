/**
 * UnsortedSegmentSum for wasm (missing in 4.22; tf.gather's gradient needs it). A JS loop over the
 * heap views: out[ids[i], ...] += x[i, ...]. Ids outside [0, numSegments) are dropped, as in TF.
 * Summation order is the input order, so results are deterministic.
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, type KernelArgs } from './wasm-util.js';

export function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as unknown as tf.UnsortedSegmentSumAttrs).numSegments;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`wasm UnsortedSegmentSum: dtype ${x.dtype} not supported`);
  const idRank = segmentIds.shape.length;
  const inner = x.shape.slice(idRank).reduce((a, b) => a * b, 1);
  const outer = segmentIds.shape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idRank)], x.dtype);
  const o = x.dtype === 'float32' ? f32(backend, out) : (backend.typedArrayFromHeap(out) as Int32Array);
  const v = x.dtype === 'float32' ? f32(backend, x) : (backend.typedArrayFromHeap(x) as Int32Array);
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  o.fill(0);
  for (let i = 0; i < outer; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) o[dst + k]! += v[src + k]!;
  }
  return out;
}
