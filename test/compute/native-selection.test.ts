/**
 * The native-backend branch of backend selection, which this machine cannot reach for real (no
 * tfjs-node here): a fake importer stands in for the packages and registers a 'tensorflow'
 * backend (a cpu backend carrying tfjs-node's `isUsingGpuDevice` flag) the way tfjs-node does.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tryNative, type Importer } from '../../runner/compute/backend.js';

const GPU = '@tensorflow/tfjs-node-gpu';
const CPU = '@tensorflow/tfjs-node';

function notFound(pkg: string): Error {
  return Object.assign(new Error(`Cannot find package '${pkg}' imported from /x/backend.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** Importer where `present` packages register a fake 'tensorflow' backend (GPU seen or not). */
function fake(present: Record<string, { gpu: boolean } | Error | 'no-backend'>): Importer {
  return async (pkg) => {
    const p = present[pkg];
    if (!p) throw notFound(pkg);
    if (p instanceof Error) throw p;
    if (p === 'no-backend') return;
    tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: p.gpu, isGPUPackage: pkg === GPU }), 3);
  };
}

afterEach(async () => {
  await tf.setBackend('cpu');
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
});

test('GPU package that sees a GPU wins', async () => {
  const skipped: string[] = [];
  const info = await tryNative('auto', skipped, fake({ [GPU]: { gpu: true }, [CPU]: { gpu: false } }));
  assert.equal(info?.backend, 'tensorflow');
  assert.equal(info?.gpu, true);
  assert.equal(info?.nativePackage, GPU);
  assert.equal(info?.reason, `${GPU} (GPU)`);
  assert.equal(tf.getBackend(), 'tensorflow');
});

test('GPU package without a GPU stays on libtensorflow CPU and says why', async () => {
  const skipped: string[] = [];
  const info = await tryNative('auto', skipped, fake({ [GPU]: { gpu: false } }));
  assert.equal(info?.backend, 'tensorflow');
  assert.equal(info?.gpu, false);
  assert.match(info!.reason, /^@tensorflow\/tfjs-node-gpu on the CPU \(no GPU visible\); .*sees no CUDA device/);
});

test('tfjs-node used when the GPU package is absent', async () => {
  const skipped: string[] = [];
  const info = await tryNative('tensorflow', skipped, fake({ [CPU]: { gpu: false } }));
  assert.equal(info?.nativePackage, CPU);
  assert.equal(info?.reason, `${CPU} (native CPU); skipped ${GPU}: not installed`);
});

test('broken installs are reported with their cause, not as "not installed"', async () => {
  const skipped: string[] = [];
  const info = await tryNative('auto', skipped, fake({
    [GPU]: new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory'),
    [CPU]: Object.assign(new Error(`Cannot find module '/x/node_modules/${CPU}/lib/napi-v8/tfjs_binding.node'`), { code: 'MODULE_NOT_FOUND' }),
  }));
  assert.equal(info, undefined);
  assert.deepEqual(skipped, [
    `${GPU}: libcudart.so.11.0: cannot open shared object file: No such file or directory`,
    `${CPU}: Cannot find module '/x/node_modules/${CPU}/lib/napi-v8/tfjs_binding.node'`,
  ]);
});

test('a package that registers no backend into our tfjs-core is reported as a version mismatch', async () => {
  const skipped: string[] = [];
  const info = await tryNative('auto', skipped, fake({ [GPU]: 'no-backend' }));
  assert.equal(info, undefined);
  assert.match(skipped[0]!, /^@tensorflow\/tfjs-node-gpu: loaded but registered no 'tensorflow' backend with @tensorflow\/tfjs-core 4\.22\.0 \(version mismatch\?/);
  assert.equal(skipped[1], `${CPU}: not installed`);
});
