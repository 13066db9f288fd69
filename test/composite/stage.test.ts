/**
 * The `composite` stage end to end on small synthetic datasets: raw passes images.u8 through byte
 * for byte, grey uses the ground-truth mask exactly, the `mask` input overrides ground truth, the
 * output is a dataset artifact carrying the truth files, outputs are deterministic (same artifact
 * hash), figure1.png has the documented layout, and missing or mismatched masks are UserErrors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { datasetStage } from '../../runner/stages/dataset.js';
import { compositeStage } from '../../runner/stages/composite.js';
import { PackedReader, PackedWriter } from '../../runner/datasets/packed.js';
import { UserError, Interrupted } from '../../runner/errors.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';

const RES = 32;
const COUNT = 10;
const synthetic = runStage(datasetStage, { source: 'synthetic', resolution: RES, count: COUNT, seed: 7 }).then((r) => r.ref);

/** A hand-made artifact: a packed file (images or masks) in a temp folder. */
function packed(kind: string, res: number, channels: number, count: number, fill: (i: number) => number): ArtifactRef {
  const dir = mkdtempSync(join(tmpdir(), 'btf-composite-test-'));
  const meta = channels === 1 ? 'masks.json' : 'dataset.json';
  const w = new PackedWriter(dir, { resolution: res, channels, file: channels === 1 ? 'masks.u8' : 'images.u8' }, meta);
  w.append(Uint8Array.from({ length: res * res * channels * count }, (_, i) => fill(i)));
  w.finish();
  return { key: 'k', hash: 'h', dir, summary: {}, kind };
}

const read = (dir: string, meta = 'dataset.json'): Uint8Array => {
  const r = new PackedReader(dir, meta);
  try { return r.readRange(0, r.count); } finally { r.close(); }
};

test('raw: images.u8 byte-identical, a dataset artifact, ground truth carried over', async () => {
  const ds = await synthetic;
  const { ref, result } = await runStage(compositeStage, { mode: 'raw' }, { images: ds });
  assert.deepEqual(readFileSync(join(ref.dir, 'images.u8')), readFileSync(join(ds.dir, 'images.u8')));
  const meta = JSON.parse(readFileSync(join(ref.dir, 'dataset.json'), 'utf8'));
  assert.equal(meta.format, 'btf-packed-v1');
  assert.equal(meta.count, COUNT);
  assert.equal(meta.mode, 'raw');
  assert.deepEqual(meta.names, JSON.parse(readFileSync(join(ds.dir, 'dataset.json'), 'utf8')).names);
  for (const f of ['masks.u8', 'masks.json', 'factors.json', 'factors.csv']) {
    assert.deepEqual(readFileSync(join(ref.dir, f)), readFileSync(join(ds.dir, f)), f);
  }
  assert.ok(existsSync(join(ref.dir, 'png', '000000.png')) && existsSync(join(ref.dir, 'sample-grid.png')));
  assert.equal((result as { summary: Record<string, unknown> }).summary.maskSource, 'ground-truth');
});

test('grey with ground-truth masks: exact grey where mask is 0, exact original where 255', async () => {
  const ds = await synthetic;
  const { ref } = await runStage(compositeStage, { mode: 'grey', grey: 90 }, { images: ds });
  const src = read(ds.dir), mask = read(ds.dir, 'masks.json'), out = read(ref.dir);
  let zeros = 0, ones = 0;
  for (let i = 0; i < mask.length; i++) {
    for (let c = 0; c < 3; c++) {
      if (mask[i] === 0) assert.equal(out[i * 3 + c], 90);
      if (mask[i] === 255) assert.equal(out[i * 3 + c], src[i * 3 + c]);
    }
    if (mask[i] === 0) zeros++;
    if (mask[i] === 255) ones++;
  }
  assert.ok(zeros > 1000 && ones > 1000, `both regions present (${zeros}, ${ones})`);
});

test('the mask input overrides ground truth; mismatched masks are a UserError', async () => {
  const ds = await synthetic;
  const allBackground = packed('mask', RES, 1, COUNT, () => 0);
  const { ref, result } = await runStage(compositeStage, { mode: 'grey' }, { images: ds, mask: allBackground });
  assert.ok(read(ref.dir).every((v) => v === 128));
  assert.equal((result as { summary: Record<string, unknown> }).summary.maskSource, 'mask-input');
  const wrongSize = packed('mask', 16, 1, COUNT, () => 0);
  await assert.rejects(runStage(compositeStage, { mode: 'grey' }, { images: ds, mask: wrongSize }), (e: Error) => e instanceof UserError && /16px/.test(e.message));
  const wrongCount = packed('mask', RES, 1, COUNT - 1, () => 0);
  await assert.rejects(runStage(compositeStage, { mode: 'blur' }, { images: ds, mask: wrongCount }), UserError);
});

test('no mask anywhere: grey and blur fail with a UserError, raw works without a figure', async () => {
  const plain = packed('dataset', 8, 3, 3, (i) => (i * 31) % 256);
  for (const mode of ['grey', 'blur']) {
    await assert.rejects(runStage(compositeStage, { mode }, { images: plain }), (e: Error) => e instanceof UserError && /needs a mask/.test(e.message));
  }
  const { ref, result } = await runStage(compositeStage, { mode: 'raw' }, { images: plain });
  assert.deepEqual(readFileSync(join(ref.dir, 'images.u8')), readFileSync(join(plain.dir, 'images.u8')));
  assert.equal(existsSync(join(ref.dir, 'figure1.png')), false);
  assert.equal((result as { summary: Record<string, unknown> }).summary.figure1, null);
});

test('deterministic: the same inputs give the same artifact hash (blur)', async () => {
  const ds = await synthetic;
  const a = await runStage(compositeStage, { mode: 'blur' }, { images: ds });
  const b = await runStage(compositeStage, { mode: 'blur' }, { images: ds });
  assert.equal(a.ref.hash, b.ref.hash);
  const c = await runStage(compositeStage, { mode: 'blur', sigma: 0.2 }, { images: ds });
  assert.notEqual(a.ref.hash, c.ref.hash);
  assert.notDeepEqual(read(a.ref.dir), read(ds.dir));
});

test('figure1.png: strip rows of original | mask | blurred | grey, tiles upscaled to >= 128 px', async () => {
  const ds = await synthetic;
  const { ref } = await runStage(compositeStage, { mode: 'grey', strip: 3 }, { images: ds });
  const meta = await sharp(join(ref.dir, 'figure1.png')).metadata();
  const tile = RES * 4; // 32 px tiles are upscaled 4x
  assert.equal(meta.width, 4 * tile + 5 * 2);
  assert.equal(meta.height, 3 * tile + 4 * 2);
  // Row 1, column 4 (grey) equals the grey composite of image 0 at the tile's top-left pixel.
  const { data } = await sharp(join(ref.dir, 'figure1.png')).raw().toBuffer({ resolveWithObject: true });
  const out = read(ref.dir);
  const x = 2 + 3 * (tile + 2), y = 2;
  assert.deepEqual([...data.subarray((y * meta.width! + x) * 3, (y * meta.width! + x) * 3 + 3)], [...out.subarray(0, 3)]);
  const none = await runStage(compositeStage, { mode: 'grey', strip: 0 }, { images: ds });
  assert.equal(existsSync(join(none.ref.dir, 'figure1.png')), false);
});

test('abort: an aborted signal stops the stage with Interrupted', async () => {
  const ds = await synthetic;
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runStage(compositeStage, { mode: 'blur' }, { images: ds }, { signal: ac.signal }), Interrupted);
});
