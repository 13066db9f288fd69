/**
 * Benchmark: FID Inception feature extraction throughput (images/s) on the wasm backend, for
 * uint8 64x64 inputs resized to 299x299 inside the network (the FID path of a level-64 snapshot),
 * at batch sizes 8, 16 and 32 through `featuresFromUint8`.
 *
 * Uses `inception-random` (same architecture and op count as the real weights, which are not
 * available offline), so the throughput is that of the real network. One warm-up image first, then
 * one timed batch per size. Run with `npm run bench` (the lead wires it) or directly:
 * `node -e "import('./dist/test/bench/inception.js').then(m => m.bench()).then(console.log)"`.
 */
import { initBackend } from '../../runner/compute/backend.js';
import { featuresFromUint8, loadInception } from '../../runner/metrics/inception/index.js';

export async function bench(): Promise<Record<string, number | string>> {
  const info = await initBackend('wasm');
  const net = await loadInception({ features: 'inception-random', seed: 0 });
  const res = 64;
  const make = (n: number) => Uint8Array.from({ length: n * res * res * 3 }, (_, i) => (i * 2654435761) >>> 24);
  const out: Record<string, number | string> = { backend: info.backend, wasmSimd: String(info.wasmSimd ?? false), input: `${res}x${res} uint8 -> 299` };
  try {
    await featuresFromUint8(net, make(1), { count: 1, height: res, width: res, channels: 3 });
    for (const batch of [8, 16, 32]) {
      const data = make(batch);
      const t0 = performance.now();
      await featuresFromUint8(net, data, { count: batch, height: res, width: res, channels: 3 }, { batchSize: batch });
      const s = (performance.now() - t0) / 1000;
      out[`batch${batch}_images_per_s`] = Number((batch / s).toFixed(3));
    }
  } finally {
    net.dispose();
  }
  return out;
}
