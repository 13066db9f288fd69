/**
 * Run one stage kind in isolation for unit tests: params get their schema defaults, outputs go to a
 * fresh temp folder, and the result is returned as an ArtifactRef other stages can consume.
 * (Uses the real store commit once the runner lands; the signature stays.)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ArtifactRef, StageKind, StageContext, StageResult } from '../../runner/stages/types.js';

const schemasDir = fileURLToPath(new URL('../../../schemas/', import.meta.url));

export function applyDefaults<P>(kind: StageKind<P>, params: Record<string, unknown>): P {
  const ajv = new Ajv2020({ strict: false, useDefaults: true, allErrors: true });
  const schema = JSON.parse(readFileSync(join(schemasDir, 'stages', kind.paramsSchema), 'utf8'));
  delete schema.$id;
  const copy = structuredClone(params);
  const validate = ajv.compile(schema);
  if (!validate(copy)) throw new Error(`${kind.kind} params invalid: ${ajv.errorsText(validate.errors)}`);
  return copy as P;
}

export async function runStage<P>(
  kind: StageKind<P>,
  params: Record<string, unknown>,
  inputs: Record<string, ArtifactRef> = {},
  opts: { signal?: AbortSignal; backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu'; workers?: number } = {},
): Promise<{ ref: ArtifactRef; result: StageResult | void; env: Record<string, unknown>; logs: string[] }> {
  const outDir = mkdtempSync(join(tmpdir(), `btf-${kind.kind}-out-`));
  const workDir = mkdtempSync(join(tmpdir(), `btf-${kind.kind}-work-`));
  const env: Record<string, unknown> = {};
  const logs: string[] = [];
  const ctx: StageContext<P> = {
    id: kind.kind,
    params: applyDefaults(kind, params),
    inputs,
    outDir,
    workDir,
    signal: opts.signal ?? new AbortController().signal,
    progress: () => {},
    log: (l) => logs.push(l),
    setEnv: (k, v) => { env[k] = v; },
    compute: { backend: opts.backend ?? 'wasm', workers: opts.workers ?? 1 },
  };
  const result = await kind.run(ctx);
  const ref: ArtifactRef = { key: 'test', hash: 'test', dir: outDir, summary: result?.summary ?? {}, kind: kind.kind };
  return { ref, result, env, logs };
}
