/**
 * Run one stage kind in isolation for unit tests: params get their schema defaults, outputs go to a
 * fresh temp folder, and the result is returned as an ArtifactRef other stages can consume.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadSubSchemas } from '../../runner/config/schemas.js';
import { hashFolder } from '../../runner/store/hash.js';
import type { ArtifactRef, StageKind, StageContext, StageResult } from '../../runner/stages/types.js';


export function applyDefaults<P>(kind: StageKind<P>, params: Record<string, unknown>): P {
  const ajv = new Ajv2020({ strict: true, useDefaults: true, allErrors: true });
  for (const s of loadSubSchemas()) ajv.addSchema(s);
  const copy = structuredClone(params);
  const validate =
    typeof kind.paramsSchema === 'string'
      ? ajv.getSchema(`https://btf.local/schemas/stages/${kind.paramsSchema}`)!
      : ajv.compile(kind.paramsSchema);
  if (!validate(copy)) throw new Error(`${kind.kind} params invalid: ${ajv.errorsText(validate.errors)}`);
  return copy as P;
}

export async function runStage<P>(
  kind: StageKind<P>,
  params: Record<string, unknown>,
  inputs: Record<string, ArtifactRef | ArtifactRef[]> = {},
  opts: { signal?: AbortSignal; backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu'; workers?: number } = {},
): Promise<{ ref: ArtifactRef; result: StageResult | void; env: Record<string, unknown>; logs: string[] }> {
  const outDir = mkdtempSync(join(tmpdir(), `btf-${kind.kind}-out-`));
  const workDir = mkdtempSync(join(tmpdir(), `btf-${kind.kind}-work-`));
  const logDir = mkdtempSync(join(tmpdir(), `btf-${kind.kind}-logs-`));
  const env: Record<string, unknown> = {};
  const logs: string[] = [];
  const ctx: StageContext<P> = {
    id: kind.kind,
    params: applyDefaults(kind, params),
    inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Array.isArray(v) ? v[0]! : v])),
    inputLists: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
    outDir,
    logDir,
    workDir,
    signal: opts.signal ?? new AbortController().signal,
    progress: () => {},
    log: (l) => logs.push(l),
    setEnv: (k, v) => { env[k] = v; },
    compute: { backend: opts.backend ?? 'wasm', workers: opts.workers ?? 1 },
  };
  const result = await kind.run(ctx);
  const ref: ArtifactRef = { key: 'test', hash: hashFolder(outDir).hash, dir: outDir, logDir, summary: result?.summary ?? {}, kind: kind.kind };
  return { ref, result, env, logs };
}
