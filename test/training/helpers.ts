/**
 * Test helpers for training: tiny procedural packed datasets (coloured blobs on a shaded
 * background), train-vae params with schema defaults (both schemas in one Ajv, by $id, so the
 * relative $ref to the shared schedule schema resolves), and a StageContext for direct runs.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PackedWriter } from '../../runner/datasets/packed.js';
import { rngFor, Stream } from '../../runner/training/rng.js';
import type { TrainVaeParams } from '../../runner/training/vae-loop.js';
import type { ArtifactRef, StageContext } from '../../runner/stages/types.js';

const schemasDir = fileURLToPath(new URL('../../../schemas/', import.meta.url));

/**
 * Writes `n` RxR RGB blob images (deterministic in seed) as a packed dataset into a new temp folder.
 * 'varied': random background colour with a vertical shade, blob of random colour, size and place
 * (9 factors); 'simple': uniform grey background of random level, white blob of fixed size at a
 * random place (3 factors, learnable in a few hundred steps).
 */
export function makeBlobDataset(n: number, R = 32, seed = 1, dir = mkdtempSync(join(tmpdir(), 'btf-blobs-')), kind: 'varied' | 'simple' = 'varied'): string {
  mkdirSync(dir, { recursive: true });
  const w = new PackedWriter(dir, { resolution: R, channels: 3, file: 'images.u8' });
  const img = new Uint8Array(R * R * 3);
  for (let i = 0; i < n; i++) {
    const rng = rngFor(seed, Stream.user, i);
    const bg = [rng.next(), rng.next(), rng.next()].map((v) => 60 + 100 * v);
    const cx = R * (0.25 + 0.5 * rng.next()), cy = R * (0.25 + 0.5 * rng.next());
    let rad = R * (0.12 + 0.15 * rng.next());
    const col = [rng.next(), rng.next(), rng.next()].map((v) => 255 * v);
    if (kind === 'simple') { bg.fill(40 + 120 * rng.next()); col.fill(255); rad = R * 0.2; }
    for (let y = 0; y < R; y++) {
      for (let x = 0; x < R; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < rad * rad;
        for (let c = 0; c < 3; c++) img[(y * R + x) * 3 + c] = Math.round(inside ? col[c]! : (kind === 'simple' ? bg[c]! : bg[c]! * (0.7 + 0.3 * y / R)));
      }
    }
    w.append(img);
  }
  w.finish({ source: 'test-blobs' });
  return dir;
}

/** train-vae params with schema defaults applied (throws on invalid params). */
export function vaeParams(overrides: Record<string, unknown> = {}): TrainVaeParams {
  const ajv = new Ajv2020({ strict: true, useDefaults: true, allErrors: true });
  ajv.addSchema(JSON.parse(readFileSync(join(schemasDir, 'defs/schedule.schema.json'), 'utf8')));
  const stage = JSON.parse(readFileSync(join(schemasDir, 'stages/train-vae.schema.json'), 'utf8'));
  ajv.addSchema(stage);
  const validate = ajv.getSchema(stage.$id)!;
  const p = structuredClone(overrides);
  if (!validate(p)) throw new Error(`train-vae params invalid: ${ajv.errorsText(validate.errors)}`);
  return p as unknown as TrainVaeParams;
}

export function dataRef(dir: string): ArtifactRef {
  return { key: 'test', hash: 'test', dir, summary: {}, kind: 'dataset' };
}

/** A StageContext writing into fresh temp folders (or the given ones). */
export function trainContext(params: TrainVaeParams, dataDir: string, o: { backend?: 'wasm' | 'cpu'; workDir?: string; outDir?: string; progress?: StageContext<TrainVaeParams>['progress'] } = {}): StageContext<TrainVaeParams> & { env: Record<string, unknown>; logs: string[] } {
  const env: Record<string, unknown> = {};
  const logs: string[] = [];
  const data = dataRef(dataDir);
  const ctx: StageContext<TrainVaeParams> & { env: Record<string, unknown>; logs: string[] } = {
    id: 'train-vae',
    params,
    inputs: { data },
    inputLists: { data: [data] },
    outDir: o.outDir ?? mkdtempSync(join(tmpdir(), 'btf-train-vae-out-')),
    workDir: o.workDir ?? mkdtempSync(join(tmpdir(), 'btf-train-vae-work-')),
    logDir: mkdtempSync(join(tmpdir(), 'btf-train-vae-logs-')),
    signal: new AbortController().signal,
    progress: o.progress ?? (() => {}),
    log: (l) => logs.push(l),
    setEnv: (k, v) => { env[k] = v; },
    compute: { backend: o.backend ?? 'cpu', workers: 1 },
    env,
    logs,
  };
  return ctx;
}
