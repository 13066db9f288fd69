/**
 * The `weigh` stage and weightDrop: a flat image encodes smaller than noise, grey-background
 * synthetic faces weigh less than the raw ones (direction only; the drop is logged), pixel
 * statistics of known images, evenly spaced sampling with `limit`, the JPEG option, determinism,
 * and weightDrop's arithmetic and refusals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetStage } from '../../runner/stages/dataset.js';
import { compositeStage } from '../../runner/stages/composite.js';
import { weighStage } from '../../runner/stages/weigh.js';
import { PackedWriter } from '../../runner/datasets/packed.js';
import { adjustFid, weightDrop } from '../../runner/metrics/weight.js';
import { UserError } from '../../runner/errors.js';
import type { ArtifactRef } from '../../runner/stages/types.js';
import { runStage } from '../helpers/run-stage.js';

type Summary = Record<string, any> & { meanBytes: number };

function images(res: number, count: number, pixel: (img: number, i: number) => number): ArtifactRef {
  const dir = mkdtempSync(join(tmpdir(), 'btf-weigh-test-'));
  const w = new PackedWriter(dir, { resolution: res, channels: 3, file: 'images.u8' });
  for (let k = 0; k < count; k++) w.append(Uint8Array.from({ length: res * res * 3 }, (_, i) => pixel(k, i)));
  w.finish();
  return { key: 'k', hash: 'h', dir, summary: {}, kind: 'dataset' };
}

/** Uniform random bytes: murmur3's fmix32 of (seed, image, index). */
function noise(seed: number): (img: number, i: number) => number {
  return (img, i) => {
    let h = (seed * 0x9e3779b1 + img * 0x85ebca6b + i) | 0;
    h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
    return h & 255;
  };
}

test('a flat image weighs less than noise; stats of a constant image are exact', async () => {
  const flat = images(32, 2, (_k, i) => [10, 20, 30][i % 3]!);
  const noisy = images(32, 2, noise(1));
  const f = (await runStage(weighStage, {}, { images: flat })).ref.summary as Summary;
  const n = (await runStage(weighStage, {}, { images: noisy })).ref.summary as Summary;
  assert.ok(f.meanBytes * 5 < n.meanBytes, `flat ${f.meanBytes} B vs noise ${n.meanBytes} B`);
  assert.ok(n.meanBytes > 32 * 32 * 3 * 0.95, 'random bytes do not compress');
  assert.deepEqual(f.pixels.mean, [10, 20, 30]);
  assert.deepEqual(f.pixels.std, [0, 0, 0]);
  assert.equal(f.pixels.lumaEntropyBits, 0);
  assert.equal(f.pixels.lumaGradientMean, 0);
  assert.ok(Math.abs(f.pixels.lumaMean - (0.299 * 10 + 0.587 * 20 + 0.114 * 30)) < 1e-9);
  assert.equal(f.n, 2);
  assert.equal(f.bytesPerPixel, f.meanBytes / (32 * 32));
  assert.deepEqual(f.encoding, { format: 'png', compressionLevel: 9, adaptiveFiltering: true, palette: false, progressive: false });
});

test('weight.json: per-image sizes, evenly spaced limit, deterministic, versions recorded', async () => {
  // Image k is flat grey level k*20, so each sampled index is identifiable from its mean.
  const ds = images(16, 10, (k) => k * 20);
  const all = await runStage(weighStage, {}, { images: ds });
  const again = await runStage(weighStage, {}, { images: ds });
  assert.equal(all.ref.hash, again.ref.hash);
  const w = JSON.parse(readFileSync(join(all.ref.dir, 'weight.json'), 'utf8'));
  assert.equal(w.bytes.length, 10);
  assert.equal(w.meanBytes, w.bytes.reduce((a: number, b: number) => a + b, 0) / 10);
  assert.equal(typeof all.env['weigh.vips'], 'string');
  assert.equal(w.versions.vips, all.env['weigh.vips']);
  const some = (await runStage(weighStage, { limit: 4 }, { images: ds })).ref.summary as Summary;
  assert.equal(some.n, 4);
  assert.equal(some.sampling, 'evenly spaced');
  // indices floor(k*10/4) = 0, 2, 5, 7 -> grey levels 0, 40, 100, 140: mean 70.
  assert.ok(Math.abs(some.pixels.mean[0] - 70) < 1e-9, `${some.pixels.mean[0]}`);
});

test('jpeg encoding is applied and recorded', async () => {
  const ds = images(32, 2, noise(3));
  const png = (await runStage(weighStage, {}, { images: ds })).ref.summary as Summary;
  const q50 = (await runStage(weighStage, { encoding: { format: 'jpeg', quality: 50 } }, { images: ds })).ref.summary as Summary;
  const q95 = (await runStage(weighStage, { encoding: { format: 'jpeg', quality: 95 } }, { images: ds })).ref.summary as Summary;
  assert.equal(q50.encoding.format, 'jpeg');
  assert.equal(q50.encoding.quality, 50);
  assert.ok(q50.meanBytes < q95.meanBytes && q50.meanBytes < png.meanBytes);
  assert.throws(() => weightDrop(png, q50), UserError);
});

test('grey-background synthetic faces weigh less than the raw ones', async () => {
  const ds = (await runStage(datasetStage, { source: 'synthetic', resolution: 64, count: 32, seed: 11 })).ref;
  const grey = (await runStage(compositeStage, { mode: 'grey', strip: 0 }, { images: ds })).ref;
  const raw = (await runStage(weighStage, {}, { images: ds })).ref.summary as Summary;
  const g = (await runStage(weighStage, {}, { images: grey })).ref.summary as Summary;
  const d = weightDrop(raw, g);
  console.log(`# weight drop raw -> grey, 32 synthetic faces at 64 px: d = ${d.toFixed(4)} (raw ${raw.meanBytes.toFixed(0)} B, grey ${g.meanBytes.toFixed(0)} B)`);
  assert.ok(d > 0 && d < 1, `d = ${d}`);
  assert.ok(g.pixels.lumaEntropyBits < raw.pixels.lumaEntropyBits);
});

test('weightDrop: 1 - grey/raw; refuses mismatched encodings, resolutions and missing sizes', () => {
  const enc = { format: 'png', compressionLevel: 9 };
  const d = weightDrop({ meanBytes: 1.87e6, encoding: enc, resolution: 128 }, { meanBytes: 1.58e6, encoding: { compressionLevel: 9, format: 'png' }, resolution: 128 });
  assert.ok(Math.abs(d - (1 - 1.58 / 1.87)) < 1e-12); // the paper's sizes: d = 0.155
  assert.ok(Math.abs(adjustFid(100, d) - 100 * (1.58 / 1.87)) < 1e-9);
  assert.equal(weightDrop({ meanBytes: 100 }, { meanBytes: 120 }), 1 - 1.2);
  assert.throws(() => weightDrop({ meanBytes: 100, resolution: 64 }, { meanBytes: 80, resolution: 128 }), UserError);
  assert.throws(() => weightDrop({ meanBytes: 0 }, { meanBytes: 80 }), UserError);
  assert.throws(() => weightDrop({} as never, { meanBytes: 80 }), UserError);
});
