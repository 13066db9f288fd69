/**
 * Small artifacts for the report tests, laid out as in a store (`<root>/a/<key>/data` with a
 * meta.json beside data/): real dataset, composite and weigh outputs from their stages (32 px,
 * 12 synthetic faces), and hand-written fid / mask / model / pca / traverse / leakage files in the
 * shapes those stages write (docs/evaluation.md, masking.md, training.md).
 */
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { datasetStage } from '../../runner/stages/dataset.js';
import { compositeStage } from '../../runner/stages/composite.js';
import { weighStage } from '../../runner/stages/weigh.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';

export function keyOf(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A store-like root; `put` moves a folder into it and writes meta.json beside data/. */
export class FakeStore {
  readonly root = mkdtempSync(join(tmpdir(), 'btf-report-store-'));

  put(id: string, kind: string, dir: string, summary: Record<string, unknown>, env: Record<string, unknown> = {}, seconds = 1.5): ArtifactRef {
    const key = keyOf(`${id}/${kind}`);
    const adir = join(this.root, 'a', key);
    mkdirSync(adir, { recursive: true });
    renameSync(dir, join(adir, 'data'));
    const meta = {
      btfArtifact: 1, key, kind, version: 1, params: {}, inputs: {}, outputHash: keyOf(`hash ${id}`), fileCount: 1, totalBytes: 1, summary,
      timings: { startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.500Z', seconds },
      environment: { node: 'v20.0.0', platform: 'linux', arch: 'x64', cpu: 'test cpu', cpus: 2, ...env }, producedBy: id, committedAtMs: 0,
    };
    writeFileSync(join(adir, 'meta.json'), JSON.stringify(meta));
    return { key, hash: meta.outputHash, dir: join(adir, 'data'), summary, kind };
  }

  /** A fresh folder filled by `fill`, then committed under `id`. */
  async make(id: string, kind: string, summary: Record<string, unknown>, fill: (dir: string) => Promise<void> | void, env: Record<string, unknown> = {}): Promise<ArtifactRef> {
    const dir = mkdtempSync(join(tmpdir(), 'btf-report-art-'));
    await fill(dir);
    return this.put(id, kind, dir, summary, env);
  }
}

export async function png(w: number, h: number, seed: number): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3);
  let s = seed >>> 0;
  for (let i = 0; i < px.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; px[i] = s >>> 24; }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

export function fidRows(finals: number, epochs: number, adjusted: number | null, shift = 0): Array<Record<string, unknown>> {
  return Array.from({ length: epochs }, (_, i) => {
    const fid = finals + (epochs - 1 - i) * 10 + shift;
    return { snapshot: `epoch-${String(i + 1).padStart(3, '0')}`, epoch: i + 1, step: (i + 1) * 8, level: 32, alpha: 1, fid, kid: fid / 1000, kidStd: 0.001, n: 64, nReals: 64, comparable: false, ...(adjusted !== null ? { adjustedFid: fid * (1 - adjusted) } : {}) };
  });
}

/** A fid artifact as the fid stage writes it (fid.json + samples.png). */
export function fidArtifact(store: FakeStore, id: string, final: number, opts: { adjusted?: number | null; epochs?: number; masked?: boolean } = {}): Promise<ArtifactRef> {
  const rows = fidRows(final, opts.epochs ?? 4, opts.adjusted ?? null);
  const extractor = { network: 'inception-random', inputSize: 75, dim: 2048, seed: 0 };
  const last = rows[rows.length - 1]!;
  const summary = { final: last, points: rows.length, fid: last['fid'], comparable: false, extractor, model: 'train-vae', samples: 64, ...(opts.adjusted != null ? { adjustedFid: last['adjustedFid'], weightDrop: opts.adjusted } : {}) };
  return store.make(id, 'fid', summary, async (dir) => {
    writeFileSync(join(dir, 'fid.json'), JSON.stringify({ model: 'train-vae', extractor, comparable: false, samples: 64, seed: 0, psi: 1, masked: opts.masked ? { grey: 128 } : null, weightDrop: opts.adjusted ?? null, rows }));
    writeFileSync(join(dir, 'samples.png'), await png(24, 24, final));
  }, { 'tfjs.backend': 'wasm', 'tfjs.backendReason': 'auto: no tfjs-node; wasm is the fast CPU backend' });
}

export interface Everything {
  store: FakeStore;
  inputs: Record<string, ArtifactRef[]>;
}

/** Every role of the report stage, with one or two artifacts each. */
export async function everything(): Promise<Everything> {
  const store = new FakeStore();
  const data = await runStage(datasetStage, { source: 'synthetic', resolution: 32, count: 12, seed: 3 });
  const grey = await runStage(compositeStage, { mode: 'grey', strip: 3 }, { images: data.ref });
  const wRaw = await runStage(weighStage, {}, { images: data.ref });
  const wGrey = await runStage(weighStage, {}, { images: grey.ref });
  const faces = store.put('faces', 'dataset', data.ref.dir, data.ref.summary);
  const greyRef = store.put('grey', 'composite', grey.ref.dir, grey.ref.summary);
  const rawWeights = [store.put('weigh-raw', 'weigh', wRaw.ref.dir, wRaw.ref.summary)];
  const greyWeights = [store.put('weigh-grey', 'weigh', wGrey.ref.dir, wGrey.ref.summary)];
  const mask = await store.make('mask', 'mask', { count: 12, resolution: 32, model: 'isnet', family: 'isnet', inputSize: 256 }, async (dir) => {
    writeFileSync(join(dir, 'quality.json'), JSON.stringify({ threshold: 0.5, iou: { mean: 0.93, median: 0.94, min: 0.81, max: 0.98 }, mae: { mean: 0.02, median: 0.02, min: 0.01, max: 0.05 }, perImage: [{ name: 'a.png', iou: 0.81, mae: 0.05 }, { name: 'b.png', iou: 0.98, mae: 0.01 }] }));
    writeFileSync(join(dir, 'masks-grid.png'), await png(32, 32, 9));
  }, { 'mask.provider': 'cpu' });
  const model = await store.make('vae-raw', 'train-vae', { epochs: 4, steps: 40 }, (dir) => {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ step: i + 1, epoch: Math.floor(i / 10) + 1, lr: 1e-3, loss: 1 / (i + 1) + 0.1, recon: 0.5 / (i + 1) + 0.05, kl: 0.02 }));
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  }, { 'tfjs.backend': 'wasm', 'tfjs.backendReason': 'requested wasm' });
  const fid = await fidArtifact(store, 'fid-raw', 150, { adjusted: 0.2 });
  const pca = await store.make('pca-raw', 'pca', { k: 8 }, (dir) => {
    writeFileSync(join(dir, 'pca.json'), JSON.stringify({ format: 'btf-pca-v1', dim: 8, n: 64, k: 8, eigenvalues: [5, 3, 2, 1, 0.5, 0.3, 0.1, 0.1], explainedVarianceRatio: [0.42, 0.25, 0.17, 0.08, 0.04, 0.03, 0.005, 0.005], fresh: { n: 32, sd: [2.1, 1.8, 1.4, 1, 0.7, 0.55, 0.3, 0.3] } }));
  });
  const trav = await store.make('traverse-raw', 'traverse', {}, async (dir) => {
    writeFileSync(join(dir, 'pc-01.png'), await png(48, 16, 1));
    writeFileSync(join(dir, 'pc-02.png'), await png(48, 16, 2));
    writeFileSync(join(dir, 'leakage.json'), JSON.stringify({ columns: ['component', 'leakage'], rows: [{ component: 0, leakage: 0.52 }] }));
  });
  // A second traverse artifact wired only as `leakage` (its table without its grids).
  const leak = await store.make('traverse-grey', 'traverse', {}, (dir) => {
    writeFileSync(join(dir, 'leakage.json'), JSON.stringify({ notes: ['mask-based leakage'], columns: ['component', 'leakage'], rows: [{ component: 0, leakage: 0.41 }, { component: 1, leakage: 0.07 }] }));
  });
  return {
    store,
    inputs: { datasets: [faces], composites: [greyRef], masks: [mask], rawWeights, greyWeights, models: [model], fids: [fid], pcas: [pca], traversals: [trav], leakage: [leak] },
  };
}
