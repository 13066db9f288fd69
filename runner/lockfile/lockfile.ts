/**
 * `<experiment>.lock.json`: what a run produced, like package-lock.json / dvc.lock. For every stage:
 * kind, version, params (after defaults), inputs (stage id + output hash), key and output hash; plus
 * the environment of the run. No timestamps, so two identical runs write identical stage entries and
 * two machines can diff their lock files (`btf diff`). Written atomically after every stage, so an
 * interrupted run leaves a valid lock of what finished.
 */
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';

export interface LockInput {
  stage: string;
  hash: string;
}

/** Every (stage, hash) an entry's inputs name, lists flattened. */
export function lockInputs(s: LockStage): LockInput[] {
  return Object.values(s.inputs).flatMap((v) => (Array.isArray(v) ? v : [v]));
}

export interface LockStage {
  kind: string;
  version: number;
  key: string;
  outputHash: string;
  params: Record<string, unknown>;
  /**
   * The params as keyed, where they differ from `params`: path params replaced by the content
   * fingerprint the key used. Machine-independent, so `btf diff` compares these.
   */
  keyParams?: Record<string, unknown>;
  /** Input name -> producing stage and its output hash (a list for `multiple` inputs). */
  inputs: Record<string, LockInput | LockInput[]>;
  /** Backend or other facts the stage recorded that may explain numeric differences. */
  environment?: Record<string, unknown>;
}

export interface LockFile {
  btfLock: 1;
  experiment: string;
  environment: Record<string, unknown>;
  /** Stage ids in topological order. */
  order: string[];
  stages: Record<string, LockStage>;
}

export function lockPathFor(experimentFile: string): string {
  const base = basename(experimentFile).replace(/\.(ya?ml)$/i, '');
  return join(dirname(experimentFile), `${base}.lock.json`);
}

export function readLock(path: string): LockFile | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: LockFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as LockFile;
  } catch (e) {
    throw new UserError(`${path}:1:1: not a valid lock file (${(e as Error).message})`);
  }
  if (parsed.btfLock !== 1 || typeof parsed.stages !== 'object') throw new UserError(`${path}:1:1: not a btf lock file (missing btfLock: 1)`);
  return parsed;
}

export function writeLock(path: string, lock: LockFile): void {
  const ordered: LockFile = { ...lock, stages: Object.fromEntries(lock.order.filter((id) => lock.stages[id]).map((id) => [id, lock.stages[id]!])) };
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(ordered, null, 2) + '\n');
  renameSync(tmp, path);
}
