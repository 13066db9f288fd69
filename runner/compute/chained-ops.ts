/**
 * Installs tfjs's chained tensor methods (`x.reshape(...)`, `x.mul(...)`) that the Node bundle of
 * @tensorflow/tfjs-core leaves out (upstream they come from the ESM-only side-effect module
 * `public/chained_ops/register_all_chained_ops`). Some gradient functions shipped in
 * tfjs-layers' bundle call them (tf.prod's and batched tf.gather's gradients: "x.reshape is not a
 * function"). Only missing methods are added; each forwards to the op of the same name.
 */
import * as tf from '@tensorflow/tfjs-core';

type AnyFn = (...a: unknown[]) => unknown;

/** Methods that are `op(this, ...args)` with the op of the same name on `tf`. */
const SAME_NAME = `abs acos acosh add all any argMax argMin asin asinh atan atan2 atanh avgPool batchToSpaceND
batchNorm broadcastTo cast ceil clipByValue conv1d conv2d conv2dTranspose cos cosh cumprod cumsum depthToSpace
depthwiseConv2d dilation2d div divNoNan dot elu equal erf euclideanNorm exp expandDims expm1 floor floorDiv gather
greater greaterEqual isFinite isInf isNaN leakyRelu less lessEqual localResponseNormalization log log1p logSigmoid
logSoftmax logSumExp logicalAnd logicalNot logicalOr logicalXor matMul max maxPool maximum mean min minimum
mirrorPad mod mul neg norm notEqual oneHot onesLike pad pool pow prelu prod reciprocal relu relu6 reshape reverse
round rsqrt selu separableConv2d sigmoid sign sin sinh slice softmax softplus spaceToBatchND split sqrt square
squaredDifference squeeze step stridedSlice sub sum tan tanh tile topk transpose unique unsortedSegmentSum unstack
zerosLike`.split(/\s+/);

let done = false;

export function installChainedOps(): void {
  if (done) return;
  done = true;
  const ops = tf as unknown as Record<string, AnyFn>;
  const special: Record<string, (this: tf.Tensor, ...a: never[]) => unknown> = {
    asScalar() { return tf.reshape(this, []); },
    as1D() { return tf.reshape(this, [this.size]); },
    flatten() { return tf.reshape(this, [this.size]); },
    as2D(r: number, c: number) { return tf.reshape(this, [r, c]); },
    as3D(r: number, c: number, d: number) { return tf.reshape(this, [r, c, d]); },
    as4D(r: number, c: number, d: number, d2: number) { return tf.reshape(this, [r, c, d, d2]); },
    as5D(r: number, c: number, d: number, d2: number, d3: number) { return tf.reshape(this, [r, c, d, d2, d3]); },
    asType(dtype: tf.DataType) { return tf.cast(this, dtype); },
    toFloat() { return tf.cast(this, 'float32'); },
    toInt() { return tf.cast(this, 'int32'); },
    toBool() { return tf.cast(this, 'bool'); },
    reshapeAs(x: tf.Tensor) { return tf.reshape(this, x.shape); },
    concat(x: tf.Tensor | tf.Tensor[], axis?: number) { return tf.concat([this, ...(Array.isArray(x) ? x : [x])], axis); },
    stack(x: tf.Tensor | tf.Tensor[], axis?: number) { return tf.stack([this, ...(Array.isArray(x) ? x : [x])], axis); },
    where(cond: tf.Tensor, x: tf.Tensor) { return tf.where(cond, this, x); },
    resizeBilinear(...a: never[]) { return (tf.image.resizeBilinear as AnyFn)(this, ...a); },
    resizeNearestNeighbor(...a: never[]) { return (tf.image.resizeNearestNeighbor as AnyFn)(this, ...a); },
  };
  const protos = new Set<object>([tf.Tensor.prototype]);
  const probe = tf.scalar(0);
  protos.add(Object.getPrototypeOf(probe) as object);
  probe.dispose();
  for (const proto of protos) {
    const p = proto as Record<string, unknown>;
    for (const name of SAME_NAME) {
      const op = ops[name];
      if (typeof op !== 'function' || name in p) continue;
      p[name] = function (this: tf.Tensor, ...a: unknown[]) { return op(this, ...a); };
    }
    for (const [name, fn] of Object.entries(special)) if (!(name in p)) p[name] = fn;
  }
}
