/**
 * Small, fast, deterministic stage kinds for testing the runner without machine learning. Loaded
 * as a plugin: BTF_PLUGINS=<repo>/dist/test/stages/test-stages.js.
 * - t-source writes `files` files of `bytes` bytes derived from `text`, sleeping `delayMs` between
 *   files (so tests can kill it mid-stage), honouring the abort signal.
 * - t-combine hashes its inputs' files together with `salt` into one file.
 */
import { writeFileSync, readFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { throwIfAborted, UserError } from '../../runner/errors.js';
import { listFiles } from '../../runner/store/hash.js';
import type { StageKind } from '../../runner/stages/types.js';

export const PLUGIN_PATH = new URL(import.meta.url).pathname;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((res) => {
    const onAbort = () => (clearTimeout(t), res());
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), res()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

function bytesFor(text: string, i: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update(`${text}:${i}`).digest();
  for (let off = 0; off < n; off += 32) {
    block.copy(out, off, 0, Math.min(32, n - off));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

interface SourceParams {
  text: string;
  files: number;
  bytes: number;
  delayMs: number;
  epochs: number;
  fail: boolean;
  nondeterministic: boolean;
  accelerator: boolean;
}

/** Tests that count executions set BTF_TEST_RUNLOG: each run appends its stage id there. */
function logRun(id: string, what = 'start'): void {
  const log = process.env['BTF_TEST_RUNLOG'];
  if (log) appendFileSync(log, `${id} ${process.pid} ${what} ${Date.now()}\n`);
}

export const tSource: StageKind<SourceParams> = {
  kind: 't-source',
  version: 1,
  description: 'test stage: writes deterministic files',
  paramsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties: {
      text: { type: 'string', default: 'x', description: 'seed text of the content' },
      files: { type: 'integer', minimum: 1, default: 1, description: 'number of files' },
      bytes: { type: 'integer', minimum: 0, default: 16, description: 'bytes per file' },
      delayMs: { type: 'integer', minimum: 0, default: 0, description: 'sleep between files' },
      epochs: { type: 'integer', minimum: 1, default: 1, description: 'only validated (corpus tests)' },
      fail: { type: 'boolean', default: false, description: 'throw after writing half the files' },
      nondeterministic: { type: 'boolean', default: false, description: 'add random bytes (to test verify/diff)' },
      accelerator: { type: 'boolean', default: false, description: 'declare that the stage needs the accelerator' },
    },
  },
  inputs: [],
  accelerator: (p) => p.accelerator,
  async run(ctx) {
    const { text, files, bytes, delayMs, fail } = ctx.params;
    logRun(ctx.id);
    if (ctx.params.nondeterministic) writeFileSync(join(ctx.outDir, 'random.bin'), randomBytes(16));
    mkdirSync(join(ctx.outDir, 'f'), { recursive: true });
    for (let i = 0; i < files; i++) {
      throwIfAborted(ctx.signal);
      if (fail && i === Math.floor(files / 2)) throw new UserError(`t-source: asked to fail at file ${i}`);
      writeFileSync(join(ctx.outDir, 'f', `${String(i).padStart(5, '0')}.bin`), bytesFor(text, i, bytes));
      ctx.progress({ done: i + 1, total: files, message: `file ${i + 1}` });
      if (delayMs) await sleep(delayMs, ctx.signal);
    }
    throwIfAborted(ctx.signal);
    logRun(ctx.id, 'end');
    return { summary: { files } };
  },
};

interface CombineParams {
  salt: string;
  delayMs: number;
}

export const tCombine: StageKind<CombineParams> = {
  kind: 't-combine',
  version: 1,
  description: 'test stage: hashes its inputs together',
  paramsSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties: {
      salt: { type: 'string', default: '', description: 'mixed into the output' },
      delayMs: { type: 'integer', minimum: 0, default: 0, description: 'sleep before writing' },
    },
  },
  inputs: ['a', 'b', 'c', 'd'].map((name) => ({ name, optional: true })),
  async run(ctx) {
    logRun(ctx.id);
    if (ctx.params.delayMs) await sleep(ctx.params.delayMs, ctx.signal);
    throwIfAborted(ctx.signal);
    const h = createHash('sha256').update(ctx.params.salt);
    for (const name of Object.keys(ctx.inputs).sort()) {
      const dir = ctx.inputs[name]!.dir;
      for (const f of listFiles(dir)) h.update(f).update(readFileSync(join(dir, f)));
    }
    writeFileSync(join(ctx.outDir, 'combined.txt'), h.digest('hex') + '\n');
  },
};

/** t-gather: counts the artifacts it receives per input (tests `multiple` inputs). */
export const tGather: StageKind<Record<string, never>> = {
  kind: 't-gather',
  version: 1,
  description: 'test stage: records how many artifacts each input received',
  paramsSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false, properties: {} },
  inputs: [
    { name: 'one', optional: true },
    { name: 'runs', optional: true, multiple: true },
  ],
  async run(ctx) {
    const counts = Object.fromEntries(Object.entries(ctx.inputLists).map(([k, v]) => [k, v.length]));
    writeFileSync(join(ctx.outDir, 'gathered.json'), JSON.stringify(counts));
  },
};

export const stages = [tSource, tCombine, tGather];
