/**
 * The contract between the runner and a stage kind.
 *
 * A stage kind is a pure function of (params, input artifacts) -> files in `ctx.outDir`.
 * The runner owns everything else: keys, locking, atomic commit, manifests, progress display.
 * A stage must never write outside `ctx.outDir` (and `ctx.workDir` for resumable state), must
 * never depend on paths, names or timestamps for its output, and must honour `ctx.signal`.
 */

/** One committed, immutable artifact in the store. */
export interface ArtifactRef {
  /** The stage key (sha256 hex) this artifact was produced under. */
  key: string;
  /** The output hash: sha256 of the sorted (path, sha256) manifest of its files. */
  hash: string;
  /** Absolute path of the folder holding the artifact's files (read-only). */
  dir: string;
  /** Its run-specific files (timings, logs), not covered by the output hash; may be empty. */
  logDir?: string;
  /** The `summary` the producing stage returned (small JSON: metrics, counts, shapes). */
  summary: Record<string, unknown>;
  /** Stage kind that produced it. */
  kind: string;
}

export interface ProgressUpdate {
  /** Units of work done so far (images, steps, ...). */
  done?: number;
  /** Total units of work, when known. */
  total?: number;
  /** Short status shown beside the bar (e.g. "epoch 3/10 loss 0.0132 12.5 img/s"). */
  message?: string;
}

/** Compute settings the experiment asked for (`compute:` in the experiment file). */
export interface ComputeRequest {
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Number of worker threads/processes a stage may use for data-parallel work. */
  workers: number;
}

export interface StageContext<P> {
  /** Stage id in the experiment (for messages only: it never enters a key or an output). */
  id: string;
  /** Params validated against the kind's schema, defaults applied. */
  params: P;
  /** Input artifacts by input name (for a `multiple` input: its first artifact). */
  inputs: Record<string, ArtifactRef>;
  /** Every input as a list: one artifact for a plain input, all of them for a `multiple` input. */
  inputLists: Record<string, ArtifactRef[]>;
  /** Private, empty folder: the only place a stage writes its outputs. Committed atomically on success. */
  outDir: string;
  /**
   * Folder for run-specific files (wall-clock timings, logs) kept with the artifact under
   * `a/<key>/logs/` but outside its output hash: they differ between runs by nature, and must not
   * make a reproduction look different.
   */
  logDir: string;
  /**
   * Persistent folder for this key that survives a crash (snapshots for resume). Only the lock
   * holder for this key uses it; the runner deletes it after a successful commit.
   */
  workDir: string;
  /** Aborted on Ctrl-C / SIGTERM: stop promptly and throw (the runner discards `outDir`). */
  signal: AbortSignal;
  progress(update: ProgressUpdate): void;
  /** A line for the run log (shown under the stage in listr2, printed plainly without a TTY). */
  log(line: string): void;
  /** Record an environment fact in the artifact manifest (e.g. which tfjs backend ran and why). */
  setEnv(name: string, value: string | number | boolean): void;
  compute: ComputeRequest;
}

export interface StageResult {
  /** Small JSON stored in the manifest and available to consumers as `ArtifactRef.summary`. */
  summary?: Record<string, unknown>;
}

export interface InputSpec {
  name: string;
  /** Optional inputs may be left out in the experiment file. */
  optional?: boolean;
  /**
   * The input takes a list of artifacts (`inputs: { runs: [a, b] }`), e.g. one per seed replica:
   * a stage fed by a per-seed stage through a multiple input gathers all replicas.
   */
  multiple?: boolean;
  /** Kinds that may feed this input (checked at plan time). */
  kinds?: string[];
  description?: string;
}

export interface StageKind<P = any> {
  /** Name used as `kind:` in experiment files. */
  kind: string;
  /** Implementation version: bump it whenever outputs for the same params/inputs would change. */
  version: number;
  /** One line for `btf --help` and docs. */
  description: string;
  /** File name of the params schema under `schemas/stages/` (JSON Schema draft 2020-12); plugins may give the schema object itself. */
  paramsSchema: string | Record<string, unknown>;
  /** Named inputs this kind consumes. */
  inputs: InputSpec[];
  /**
   * Params (dotted names, e.g. 'path', 'model.path') that name files or folders. The runner resolves
   * them against the experiment file that set them (and `~`), and keys the stage on their content
   * fingerprint instead of the path, so moving data or sharing a key across machines works.
   */
  paths?: string[];
  /** True when the stage needs the accelerator (run one at a time). */
  accelerator?: (params: P) => boolean;
  run(ctx: StageContext<P>): Promise<StageResult | void>;
}
