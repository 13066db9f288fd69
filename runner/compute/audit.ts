/**
 * Kernel audit: runs every op the models need (op-cases.ts) forward and backward on one backend and
 * reports which kernels are missing, which cases fail, and the time spent per kernel (tf.profile),
 * so slow kernels show up beside the cpu backend's numbers.
 *
 * Run it directly after a build: `node dist/runner/compute/audit.js [wasm|cpu|wasm-stock] [batchScale]`.
 * `wasm` is the wasm backend with our kernels (kernels/index.ts); `wasm-stock` without them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { opCases, runCase, type OpCase } from './op-cases.js';

export interface AuditRow {
  name: string;
  /** 'ok', or 'missing kernel X' / the first line of the error. */
  forward: string;
  backward: string;
}

export interface AuditReport {
  backend: string;
  rows: AuditRow[];
  /** Kernel names reported missing ("Kernel 'X' not registered"), deduplicated and sorted. */
  missing: string[];
  /** Milliseconds per kernel name summed over all cases (forward + backward), largest first. */
  kernelMs: Array<[string, number]>;
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /Kernel '(\w+)' not registered/.exec(msg);
  return m ? `missing kernel ${m[1]}` : msg.split('\n')[0]!.slice(0, 160);
}

/** Scales the batch dimension of 4-D image inputs (input 0 and same-shaped ones) so timings are not all overhead. */
function scaled(c: OpCase, batchScale: number): OpCase {
  const first = c.shapes[0]!;
  if (batchScale === 1 || first.length !== 4 || c.fixedShape) return c;
  const same = (s: number[]) => s.length === 4 && s.every((v, i) => v === first[i]);
  return { ...c, shapes: c.shapes.map((s) => (same(s) ? [s[0]! * batchScale, ...s.slice(1)] : s)) };
}

/** Audits the current backend (call tf.setBackend first). */
export async function auditKernels(batchScale = 1, cases: OpCase[] = opCases()): Promise<AuditReport> {
  const rows: AuditRow[] = [];
  const missing = new Set<string>();
  const ms = new Map<string, number>();
  for (const raw of [...cases, adamCase()]) {
    const c = scaled(raw, batchScale);
    const row: AuditRow = { name: c.name, forward: 'ok', backward: 'ok' };
    try {
      const prof = await tf.profile(() => { runCase({ ...c, grad: false }); });
      for (const k of prof.kernels) ms.set(k.name, (ms.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    } catch (e) { row.forward = describe(e); }
    if (raw.grad !== false) {
      try {
        const prof = await tf.profile(() => { runCase(c); });
        for (const k of prof.kernels) ms.set(k.name, (ms.get(k.name) ?? 0) + Number(k.kernelTimeMs));
      } catch (e) { row.backward = describe(e); }
    } else row.backward = 'n/a';
    for (const s of [row.forward, row.backward]) if (s.startsWith('missing kernel ')) missing.add(s.slice(15));
    rows.push(row);
  }
  const kernelMs = [...ms.entries()].sort((a, b) => b[1] - a[1]);
  return { backend: tf.getBackend(), rows, missing: [...missing].sort(), kernelMs };
}

/** Adam on a tiny least-squares problem: exercises the optimizer's update kernels. */
function adamCase(): OpCase {
  return {
    name: 'adam optimizer step',
    shapes: [[4, 3]],
    grad: false,
    f: (x) => {
      const v = tf.variable(tf.zerosLike(x), true);
      const opt = tf.train.adam(0.01);
      opt.minimize(() => tf.sum(tf.square(tf.sub(v, x))) as tf.Scalar);
      opt.minimize(() => tf.sum(tf.square(tf.sub(v, x))) as tf.Scalar);
      const out = v.clone();
      opt.dispose();
      v.dispose();
      return out;
    },
  };
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'wasm';
  const scale = Number(process.argv[3] ?? 1);
  const { initBackend } = await import('./backend.js');
  await initBackend(which === 'cpu' ? 'cpu' : 'wasm', { wasmKernels: which !== 'wasm-stock' });
  const r = await auditKernels(scale);
  console.log(`backend ${which} (batch x${scale})`);
  for (const row of r.rows) if (row.forward !== 'ok' || (row.backward !== 'ok' && row.backward !== 'n/a')) {
    console.log(`  FAIL ${row.name}: forward=${row.forward} backward=${row.backward}`);
  }
  console.log(`missing kernels: ${r.missing.join(', ') || 'none'}`);
  console.log('kernel ms (top 25):');
  for (const [k, v] of r.kernelMs.slice(0, 25)) console.log(`  ${k.padEnd(28)} ${v.toFixed(2)}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\/dist\//, '/dist/'))) await main();
