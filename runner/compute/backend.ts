/**
 * tfjs backend selection: picks the backend a training stage runs on and says why.
 *
 * `auto`: @tensorflow/tfjs-node-gpu when it loads and sees a CUDA device, else @tensorflow/tfjs-node
 * (libtensorflow on the CPU), else the wasm backend with our kernels (kernels/index.ts).
 * `tensorflow`: one of the native packages or a UserError with install steps (docs/compute.md).
 * `wasm` / `cpu`: exactly that backend. Both native packages are optional and are loaded with a
 * dynamic import so this module works where they are absent. Idempotent: repeated calls with the
 * same request return the first result (the backend is re-selected if something switched it).
 * Does not: decide worker counts (parallel.ts) or record anything (the stage calls ctx.setEnv).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node bundle registers no gradients (they live in ESM files Node cannot import);
// tfjs-layers' Node bundle carries a copy and registers them globally on load. Without this
// import tf.grad/optimizers fail with "gradient function not found for Sum".
import '@tensorflow/tfjs-layers';
import { UserError } from '../errors.js';
import { installChainedOps } from './chained-ops.js';
import { registerWasmKernels, restoreStockWasmKernels } from './kernels/index.js';

export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The tfjs backend now active: 'tensorflow' | 'wasm' | 'cpu'. */
  backend: string;
  /** One line for the manifest: what was chosen and why the better options were skipped. */
  reason: string;
  request: BackendRequest;
  /** True when a CUDA device runs the ops (tfjs-node-gpu saw a GPU). */
  gpu: boolean;
  /** Native package that provided 'tensorflow', when one did. */
  nativePackage?: string;
  /** Per-option skip reasons, in the order tried (e.g. "@tensorflow/tfjs-node: not installed"). */
  skipped: string[];
  /** wasm only: SIMD build in use, and the names of kernels we registered over the stock ones. */
  wasmSimd?: boolean;
  wasmKernels?: string[];
  tfjsVersion: string;
}

export interface BackendOptions {
  /** Register our wasm kernels (default true). False gives the stock wasm backend (benchmarks). */
  wasmKernels?: boolean;
}

export const INSTALL_HINT =
  'install it on the GPU host: `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs CUDA 11.2 + cuDNN 8.1 ' +
  'and internet access to download libtensorflow; CPU-only hosts: `npm install @tensorflow/tfjs-node@4.22.0`); ' +
  'see docs/compute.md';

const cache = new Map<string, BackendInfo>();

/** Selects and initialises a backend; returns what ran and why (see module doc). */
export async function initBackend(request: BackendRequest, opts: BackendOptions = {}): Promise<BackendInfo> {
  const key = `${request}:${opts.wasmKernels !== false}`;
  const hit = cache.get(key);
  if (hit) {
    if (tf.getBackend() !== hit.backend) await tf.setBackend(hit.backend);
    if (hit.backend === 'wasm') applyWasmKernels(opts);
    return hit;
  }
  // Must be set before libtensorflow initialises CUDA: otherwise TF grabs all GPU memory up front.
  process.env.TF_FORCE_GPU_ALLOW_GROWTH = 'true';
  const skipped: string[] = [];
  let info: BackendInfo | undefined;
  if (request === 'auto' || request === 'tensorflow') {
    info = await tryNative(request, skipped);
    if (!info && request === 'tensorflow') {
      throw new UserError(`compute.backend: 'tensorflow' requested but no native TensorFlow package loaded (${skipped.join('; ')}); ${INSTALL_HINT}`);
    }
  }
  if (!info && request === 'cpu') {
    await mustSet('cpu');
    info = base('cpu', request, skipped, 'cpu backend as requested (pure JS, slow for convolutions)');
  }
  if (!info) {
    await mustSet('wasm');
    const kernels = applyWasmKernels(opts);
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
    const why = request === 'wasm' ? 'wasm backend as requested' : `wasm backend (fallback: ${skipped.join('; ')})`;
    info = base('wasm', request, skipped,
      `${why}; simd=${simd}, single-threaded; ${kernels.length ? `our kernels: ${kernels.join(', ')}` : 'stock kernels'}`);
    info.wasmSimd = simd;
    info.wasmKernels = kernels;
  }
  cache.set(key, info);
  quietCpuAdvice();
  installChainedOps();
  return info;
}

/**
 * The cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js ... install our
 * node backend" on its first use; our selection already tried the native packages and recorded why
 * they were skipped (info.reason), so that banner would only mislead CLI users.
 */
function quietCpuAdvice(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}

function applyWasmKernels(opts: BackendOptions): string[] {
  if (opts.wasmKernels !== false) return registerWasmKernels();
  restoreStockWasmKernels();
  return [];
}

function base(backend: string, request: BackendRequest, skipped: string[], reason: string): BackendInfo {
  return { backend, reason, request, gpu: false, skipped, tfjsVersion: tf.version_core };
}

async function mustSet(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
}

/** Loads a package for its side effects (tests pass a fake to exercise the native paths). */
export type Importer = (pkg: string) => Promise<unknown>;

// A variable specifier keeps TypeScript from resolving the (absent) optional package.
const importPackage: Importer = (pkg) => import(pkg);

/**
 * Tries tfjs-node-gpu then tfjs-node; records why each was skipped. Exported for tests only
 * (initBackend is the API): returns undefined when neither gives a 'tensorflow' backend.
 */
export async function tryNative(request: BackendRequest, skipped: string[], load: Importer = importPackage): Promise<BackendInfo | undefined> {
  let cpuFallback: { pkg: string } | undefined;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (cpuFallback) break; // 'tensorflow' is registered already; a second package would replace it.
    try {
      await load(pkg);
    } catch (e) {
      skipped.push(`${pkg}: ${loadError(e, pkg)}`);
      continue;
    }
    // tfjs-node registers 'tensorflow' into the process-global engine (tfjs-core keeps its engine
    // and kernel registry on globalThis), so our tfjs-core instance sees it even when npm did not
    // dedupe tfjs-core. If it is still missing, the package is from an incompatible tfjs major.
    if (!tf.findBackendFactory('tensorflow')) {
      skipped.push(`${pkg}: loaded but registered no 'tensorflow' backend with @tensorflow/tfjs-core ${tf.version_core} (version mismatch? run \`npm ls @tensorflow/tfjs-core\`)`);
      continue;
    }
    try {
      await mustSet('tensorflow');
    } catch (e) {
      skipped.push(`${pkg}: backend failed to initialise: ${loadError(e, pkg)}`);
      continue;
    }
    const be = tf.backend() as unknown as { isUsingGpuDevice?: boolean; isGPUPackage?: boolean };
    const gpu = Boolean(be.isUsingGpuDevice);
    if (pkg.endsWith('-gpu') && !gpu) {
      skipped.push(`${pkg}: loaded but sees no CUDA device (check nvidia-smi, CUDA 11.2/cuDNN 8.1 libraries on LD_LIBRARY_PATH)`);
      cpuFallback = { pkg };
      continue;
    }
    const info = base('tensorflow', request, skipped, `${pkg} (${gpu ? 'GPU' : 'native CPU'})${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`);
    info.gpu = gpu;
    info.nativePackage = pkg;
    return info;
  }
  if (cpuFallback) {
    // libtensorflow on the CPU still beats wasm by a wide margin: keep it rather than fall to wasm.
    const info = base('tensorflow', request, skipped, `${cpuFallback.pkg} on the CPU (no GPU visible); ${skipped.join('; ')}`);
    info.nativePackage = cpuFallback.pkg;
    return info;
  }
  return undefined;
}

function loadError(e: unknown, pkg: string): string {
  const err = e as { code?: string; message?: string };
  const notFound = err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND';
  // Only the package itself missing is "not installed"; a missing file inside it is a broken install.
  if (notFound && (err.message ?? '').includes(`'${pkg}'`)) return 'not installed';
  return (err?.message ?? String(e)).split('\n')[0]!.slice(0, 200);
}
