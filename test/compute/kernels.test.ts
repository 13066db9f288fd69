/**
 * Our wasm kernels (runner/compute/kernels) against the pure-JS `cpu` backend: every op case the
 * models use, forward and gradients, plus dilation-2 kernel calls (tfjs-core's own conv gradient
 * refuses dilation > 1, so those go through runKernel and a dilated-filter reference on cpu).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../runner/compute/backend.js';
import { caseInputs, opCases, runCase, type OpCase } from '../../runner/compute/op-cases.js';
import { auditKernels } from '../../runner/compute/audit.js';

/** Max error, absolute below 1 and relative above (values of gradients can be large). */
function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return e;
}

async function onBoth<T>(f: () => T): Promise<{ cpu: T; wasm: T }> {
  await initBackend('cpu');
  const cpu = f();
  await initBackend('wasm');
  return { cpu, wasm: f() };
}

test('every op case matches the cpu backend, forward and gradients (1e-4)', async () => {
  for (const c of opCases()) {
    const r = await onBoth(() => runCase(c));
    assert.ok(maxErr(r.wasm.y, r.cpu.y) < 1e-4, `${c.name} forward`);
    assert.equal(r.wasm.grads.length, r.cpu.grads.length, `${c.name} grads`);
    r.wasm.grads.forEach((g, i) => assert.ok(maxErr(g, r.cpu.grads[i]!) < 1e-4, `${c.name} grad ${i}: ${maxErr(g, r.cpu.grads[i]!)}`));
  }
});

test('larger conv layers (16 channels, 17 px, batch 3) match cpu for dx and dW', async () => {
  const cases: OpCase[] = [];
  for (const [k, s, pad] of [[4, 2, 'same'], [3, 1, 'same'], [3, 2, 'valid'], [4, 2, 'valid']] as const) {
    cases.push({ name: `k${k} s${s} ${pad}`, shapes: [[3, 17, 17, 16], [k, k, 16, 24]],
      f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad) });
    // conv2dTranspose back to 17 px from the forward conv's output size (its forward is our dx kernel).
    const yShape = tf.backend_util.computeConv2DInfo([3, 17, 17, 16], [k, k, 16, 24], s, 1, pad).outShape;
    cases.push({ name: `transpose k${k} s${s} ${pad}`, shapes: [yShape, [k, k, 16, 24]], fixedShape: true,
      f: (y, w) => tf.conv2dTranspose(y as tf.Tensor4D, w as tf.Tensor4D, [3, 17, 17, 16], s, pad) });
  }
  for (const c of cases) {
    const r = await onBoth(() => runCase(c, 3));
    assert.ok(maxErr(r.wasm.y, r.cpu.y) < 1e-4, `${c.name} forward`);
    r.wasm.grads.forEach((g, i) => assert.ok(maxErr(g, r.cpu.grads[i]!) < 1e-4, `${c.name} grad ${i}: ${maxErr(g, r.cpu.grads[i]!)}`));
  }
});

/** Filter with (d-1) zeros between taps: conv with dilation d == conv of this with dilation 1. */
function dilateFilter(w: tf.Tensor4D, d: number): tf.Tensor4D {
  const [fh, fw, ci, co] = w.shape;
  const src = w.arraySync();
  const out = tf.buffer([(fh - 1) * d + 1, (fw - 1) * d + 1, ci, co]);
  for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) for (let c = 0; c < ci; c++) for (let k = 0; k < co; k++) out.set(src[i]![j]![c]![k]!, i * d, j * d, c, k);
  return out.toTensor() as tf.Tensor4D;
}

test('dilation 2: Conv2DBackpropInput/Filter kernels match a dilated-filter reference on cpu', async () => {
  for (const [s, pad] of [[1, 'same'], [1, 'valid'], [2, 'valid']] as const) {
    const d = 2;
    const ref = await (async () => {
      await initBackend('cpu');
      const [x, w] = caseInputs({ name: 'x', shapes: [[2, 11, 11, 3], [3, 3, 3, 4]], f: (t) => t }, 5) as [tf.Tensor4D, tf.Tensor4D];
      const wd = dilateFilter(w, d);
      const y = tf.conv2d(x, wd, s, pad);
      const dy = caseInputs({ name: 'dy', shapes: [y.shape], f: (t) => t }, 9)[0]!;
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wd }, { inputShape: x.shape, strides: s, pad, dataFormat: 'NHWC' }) as tf.Tensor;
      const dwd = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { filterShape: wd.shape, strides: s, pad, dataFormat: 'NHWC' }) as tf.Tensor4D;
      const dw = tf.stridedSlice(dwd, [0, 0, 0, 0], wd.shape, [d, d, 1, 1]);
      return { y: y.dataSync(), dx: dx.dataSync(), dw: dw.dataSync(), x: x.arraySync(), w: w.arraySync(), dy: dy.arraySync() };
    })();
    await initBackend('wasm');
    const x = tf.tensor(ref.x) as tf.Tensor4D, w = tf.tensor(ref.w) as tf.Tensor4D, dy = tf.tensor(ref.dy);
    const y = tf.conv2d(x, w, s, pad, 'NHWC', d === 2 && s === 2 ? 1 : d);
    if (s === 1) assert.ok(maxErr(y.dataSync(), ref.y) < 1e-4, `forward s${s} ${pad}`);
    const attrs = { strides: s, pad, dataFormat: 'NHWC', dilations: d };
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor;
    assert.ok(maxErr(dx.dataSync(), ref.dx) < 1e-4, `dx s${s} ${pad}`);
    assert.ok(maxErr(dw.dataSync(), ref.dw) < 1e-4, `dW s${s} ${pad}`);
  }
});

test('our kernels free every temporary (tensor count and wasm data ids unchanged)', async () => {
  await initBackend('wasm');
  const c = opCases().find((o) => o.name.startsWith('conv2d k4 s2 same'))!;
  runCase(c);
  const before = { t: tf.memory().numTensors, ids: tf.engine().backend.numDataIds() };
  for (let i = 0; i < 3; i++) runCase(c);
  runCase({ name: 'seg', shapes: [[5, 4]], f: (x) => tf.unsortedSegmentSum(x, tf.tensor1d([0, 1, 0, 2, 1], 'int32'), 3) });
  assert.deepEqual({ t: tf.memory().numTensors, ids: tf.engine().backend.numDataIds() }, before);
});

test('fresh filters every step (training) do not grow the wasm heap (XNNPACK operators are freed)', async () => {
  await initBackend('wasm');
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  const x = tf.randomNormal([8, 16, 16, 16]) as tf.Tensor4D;
  const dy = tf.randomNormal([8, 8, 8, 32]) as tf.Tensor4D;
  const step = () => tf.tidy(() => {
    const w = tf.randomNormal([4, 4, 16, 32]) as tf.Tensor4D;
    tf.conv2d(x, w, 2, 'same').dataSync();
    tf.conv2dTranspose(dy, w, x.shape, 2, 'same').dataSync();
    (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape }) as tf.Tensor).dataSync();
  });
  for (let i = 0; i < 20; i++) step();
  const before = heap();
  // Leaking the packed weights of dy-as-filter alone would add 64 KB a step (19 MB over 300).
  for (let i = 0; i < 300; i++) step();
  assert.equal(heap(), before);
  tf.dispose([x, dy]);
});

test('audit: no kernel the models need is missing on wasm with our kernels', async () => {
  await initBackend('wasm');
  const r = await auditKernels(1);
  assert.deepEqual(r.missing, []);
  for (const row of r.rows) {
    assert.equal(row.forward, 'ok', `${row.name} forward`);
    assert.ok(row.backward === 'ok' || row.backward === 'n/a', `${row.name} backward: ${row.backward}`);
  }
  // And the stock backend does lack them (so the audit can fail).
  await initBackend('wasm', { wasmKernels: false });
  const stock = await auditKernels(1);
  assert.ok(stock.missing.includes('Conv2DBackpropFilter') || stock.missing.includes('UnsortedSegmentSum'), stock.missing.join());
  await initBackend('wasm');
});

test('wasm ResizeNearestNeighborGrad is right for batch 2 (block sums), where the cpu backend is not', async () => {
  const grad = () => {
    const w = tf.reshape(tf.range(0, 32), [2, 4, 4, 1]);
    return Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [4, 4]), w)))(tf.ones([2, 2, 2, 1])).dataSync());
  };
  // Pixel (b, i, j) receives the 2x2 block of w at (b, 2i.., 2j..): b*16 + {0,1,4,5} + 8i + 2j.
  const expected = [10, 18, 42, 50, 74, 82, 106, 114];
  const r = await onBoth(grad);
  assert.deepEqual(r.wasm, expected);
  assert.notDeepEqual(r.cpu, expected, 'cpu backend bug fixed upstream? then drop the batch-1 workaround in op-cases.ts');
});

test('Adam steps give the same weights on wasm and cpu', async () => {
  const run = () => {
    const [x] = caseInputs({ name: 'x', shapes: [[4, 3]], f: (t) => t }, 11);
    const v = tf.variable(tf.fill([4, 3], 0.5));
    const opt = tf.train.adam(0.05);
    for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(tf.mul(v, v), x!))) as tf.Scalar);
    const out = Array.from(v.dataSync());
    opt.dispose();
    tf.dispose([v, x!]);
    return out;
  };
  const r = await onBoth(run);
  assert.ok(maxErr(r.wasm, r.cpu) < 1e-6, `${maxErr(r.wasm, r.cpu)}`);
  assert.ok(r.wasm.some((w) => Math.abs(w - 0.5) > 0.01), "weights moved");
});
