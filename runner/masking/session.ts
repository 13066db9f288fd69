/**
 * Turns loaded model bytes into one reusable onnxruntime-node session at the requested input size and
 * batch: widens float16 weights (./fp16.ts), rewrites the baked-in sizes (./retarget.ts) when the
 * size or batch differs from the export, keeps only the mask output, and picks the execution provider.
 *
 * Provider policy: "cpu" -> CPU only. "cuda" -> try CUDA then CPU, and fall back to a CPU session
 * (with a log line) when the CUDA provider library cannot load. "auto" -> try CUDA only when
 * onnxruntime reports it bundled or its provider library sits beside the binding, so a CPU-only host
 * never pays for (or prints) a failed CUDA load.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { PbMessage } from './protobuf.js';
import { F, DT, subs, valueInfoShape } from './onnx-model.js';
import { widenFloat16 } from './fp16.js';
import { retargetModel } from './retarget.js';
import { calibrationTensors, exposeTensors, quantizeQDQ } from './quantize.js';

/** Observes each quantised tensor's min/max over the samples, then builds the QDQ graph. */
async function quantizeWithCalibration(bytes: Uint8Array, size: number, batch: number, samples: Float32Array[]): Promise<{ bytes: Uint8Array; convs: number }> {
  if (samples.length === 0) throw new Error('int8 needs at least one calibration image');
  const names = calibrationTensors(bytes);
  // Unoptimised, so every named tensor still exists to be fetched.
  const cal = await ort.InferenceSession.create(exposeTensors(bytes, names), { graphOptimizationLevel: 'disabled', executionProviders: ['cpu'] });
  const ranges = new Map<string, [number, number]>();
  try {
    const plane = 3 * size * size;
    for (const x of samples) {
      // A graph rewritten to a fixed batch takes that many images: repeat the sample (same ranges).
      const feed = new Float32Array(batch * plane);
      for (let b = 0; b < batch; b++) feed.set(x, b * plane);
      const out = await cal.run({ [cal.inputNames[0]!]: new ort.Tensor('float32', feed, [batch, 3, size, size]) }, names);
      for (const n of names) {
        const d = out[n]!.data as Float32Array;
        let lo = Infinity, hi = -Infinity;
        for (let i = 0; i < d.length; i++) { const v = d[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
        const r = ranges.get(n);
        ranges.set(n, r ? [Math.min(r[0], lo), Math.max(r[1], hi)] : [lo, hi]);
        out[n]!.dispose?.();
      }
    }
  } finally {
    await cal.release();
  }
  return quantizeQDQ(bytes, ranges);
}

export type ProviderChoice = 'auto' | 'cpu' | 'cuda';

export interface SegmenterOptions {
  /** Square input size to run at. */
  size: number;
  /** Images per run. */
  batch: number;
  /** Widen float16 weights to float32 (faster on CPUs without half-precision units). */
  float32: boolean;
  /**
   * Quantise convs to int8 (QDQ) with activation ranges observed on these preprocessed inputs
   * (each 3 * size * size); implies float32 widening first.
   */
  int8Calibration?: Float32Array[];
  provider: ProviderChoice;
  /** ORT intra-op threads; 0 lets ORT choose. */
  threads: number;
  log?: (line: string) => void;
}

export interface GraphInfo {
  /** Fixed [N, C, H, W] of the image input, or undefined dims when symbolic. */
  dims: (number | string)[];
  hasFloat16: boolean;
}

export function graphInfo(bytes: Uint8Array): GraphInfo {
  const graph = PbMessage.parse(PbMessage.parse(bytes).bytes(F.model.graph) ?? new Uint8Array());
  const initNames = new Set(subs(graph, F.graph.initializer).map((s) => s.msg.string(F.tensor.name)));
  const input = subs(graph, F.graph.input).find((s) => !initNames.has(s.msg.string(F.valueInfo.name)));
  const dims = input ? (valueInfoShape(input.msg)?.dims ?? []) : [];
  // Initializer data types sit in field 2 of each TensorProto; scanning them is cheap (no data copy).
  const hasFloat16 = subs(graph, F.graph.initializer).some((s) => Number(s.msg.int(F.tensor.dataType) ?? 0n) === DT.FLOAT16);
  return { dims, hasFloat16 };
}

/** True when this onnxruntime build can load CUDA without a download. */
export function cudaLikelyAvailable(): boolean {
  const listed = ort.listSupportedBackends?.() ?? [];
  const cuda = listed.find((b) => b.name === 'cuda');
  if (!cuda) return false;
  if (cuda.bundled) return true;
  try {
    const require = createRequire(import.meta.url);
    const pkg = dirname(require.resolve('onnxruntime-node'));
    const bin = join(pkg, '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

export interface Segmenter {
  size: number;
  batch: number;
  provider: 'cuda' | 'cpu';
  /** What was done to the graph, for logs. */
  notes: string[];
  /** Runs `n <= batch` images packed NCHW in `input`; returns n * size * size mask values. */
  run(input: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export async function openSegmenter(modelBytes: Uint8Array, opts: SegmenterOptions): Promise<Segmenter> {
  const info = graphInfo(modelBytes);
  const notes: string[] = [];
  let bytes = modelBytes;
  if ((opts.float32 || opts.int8Calibration) && info.hasFloat16) {
    const w = widenFloat16(bytes);
    bytes = w.bytes;
    notes.push(`float16 -> float32 (${w.tensors} weights, ${w.casts} casts)`);
  }
  const [n, , h, w] = info.dims;
  const fixed = typeof h === 'number' && typeof w === 'number' && h > 0 && h === w;
  if (fixed) {
    // Rewrite even at the native size: it drops ISNet's 11 unused side outputs.
    const r = retargetModel(bytes, { size: opts.size, batch: opts.batch, keepOutputs: 1 });
    bytes = r.bytes;
    notes.push(`graph ${h}px -> ${opts.size}px, batch ${opts.batch} (${r.report.resizeConstants} Resize size constants)`);
  } else if (typeof n === 'number' && n > 0 && n !== opts.batch) {
    throw new Error(`model input has a fixed batch of ${n} but symbolic spatial dims; run it with batch ${n}`);
  }
  if (opts.int8Calibration) {
    const q = await quantizeWithCalibration(bytes, opts.size, fixed ? opts.batch : 1, opts.int8Calibration);
    bytes = q.bytes;
    notes.push(`int8 QDQ (${q.convs} convs, ranges from ${opts.int8Calibration.length} images)`);
  }
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    // No busy-waiting between ops: on a shared machine spinning threads burn CPU others need.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    ...(opts.threads > 0 ? { intraOpNumThreads: opts.threads } : {}),
  };
  let session: ort.InferenceSession | undefined;
  let provider: 'cuda' | 'cpu' = 'cpu';
  if (opts.provider === 'cuda' || (opts.provider === 'auto' && cudaLikelyAvailable())) {
    try {
      session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cuda', 'cpu'] });
      provider = 'cuda';
    } catch (e) {
      opts.log?.(`CUDA execution provider unavailable (${(e as Error).message.split('\n')[0]}); using CPU`);
    }
  }
  session ??= await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
  const s = session;
  const inputName = s.inputNames[0]!;
  const outputName = s.outputNames[0]!;
  const plane = opts.size * opts.size;
  return {
    size: opts.size,
    batch: opts.batch,
    provider,
    notes,
    async run(input, count) {
      if (count > opts.batch) throw new Error(`run: ${count} images > batch ${opts.batch}`);
      // A fixed-batch graph needs a full batch; the tail of a short last batch is padding.
      const feedN = fixed ? opts.batch : count;
      const data = input.length === feedN * 3 * plane ? input : input.subarray(0, feedN * 3 * plane);
      const t = new ort.Tensor('float32', data, [feedN, 3, opts.size, opts.size]);
      const out = await s.run({ [inputName]: t }, [outputName]);
      const y = out[outputName]!;
      const vals = y.data as Float32Array;
      // Output is [N, C, H, W] (or [N, H, W]); channel 0 of each image is the mask.
      const perImage = vals.length / feedN;
      const res = new Float32Array(count * plane);
      for (let i = 0; i < count; i++) res.set(vals.subarray(i * perImage, i * perImage + plane), i * plane);
      t.dispose?.();
      y.dispose?.();
      return res;
    },
    async dispose() { await s.release(); },
  };
}
