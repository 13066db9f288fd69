/**
 * The fid stage on a tiny progressive StyleGAN (levels 4 -> 8, level 8 fading in over both epochs):
 * each snapshot is scored at its own level and alpha against the reals blended the same way; a
 * fade-in snapshot without matching reals is skipped (fid null) or an error, as asked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../runner/errors.js';
import { fidStage } from '../../runner/stages/fid.js';
import { trainStyleGanKind } from '../../runner/stages/train-stylegan.js';
import { runStage } from '../helpers/run-stage.js';
import { faces, realStats } from './helpers.js';

const model = { maxResolution: 16, zDim: 16, wDim: 16, mappingLayers: 2, mappingWidth: 16, fmapBase: 32, fmapMax: 16 };
const data = await faces(16, 6, 32);
const base = { epochs: 2, batchSize: 4, logEvery: 4, samples: 0, model, schedule: { type: 'constant' } };
const l4 = (await runStage(trainStyleGanKind, { ...base, level: 4, fadeInEpochs: 0 }, { data })).ref;
const l8 = (await runStage(trainStyleGanKind, { ...base, level: 8, fadeInEpochs: 2 }, { data, previous: l4 })).ref;
const reals1 = await realStats(data, { level: 8, alpha: 1 });
const reals05 = await realStats(data, { level: 8, alpha: 0.5 });
const FAST = { samples: 12, genBatch: 4, kid: { subsets: 10, subsetSize: 8 }, gridCount: 4 };

const rowsOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'fid.json'), 'utf8')).rows as Array<Record<string, number | string | null>>;

test('each snapshot is scored at its own level and alpha', async () => {
  const { ref } = await runStage(fidStage, FAST, { model: l8, reals: [reals1, reals05] });
  const rows = rowsOf(ref.dir);
  assert.deepEqual(rows.map((r) => [r.snapshot, r.level, r.alpha]), [['epoch-001', 8, 0.5], ['epoch-002', 8, 1]]);
  for (const r of rows) assert.ok(Number.isFinite(r.fid as number) && (r.fid as number) > 0, `${r.snapshot}: ${r.fid}`);
  assert.equal(ref.summary.fid, rows[1]!.fid);
});

test('a fade-in snapshot without reals at its alpha is skipped, or an error when asked', async () => {
  const { ref, logs } = await runStage(fidStage, FAST, { model: l8, reals: reals1 });
  const rows = rowsOf(ref.dir);
  assert.equal(rows[0]!.fid, null);
  assert.ok(Number.isFinite(rows[1]!.fid as number));
  assert.ok(logs.some((l) => /epoch-001: level 8 alpha 0\.5 has no reals input: skipped/.test(l)));
  await assert.rejects(runStage(fidStage, { ...FAST, alphaMismatch: 'error' }, { model: l8, reals: reals1 }),
    (e: unknown) => e instanceof UserError && /alpha 0\.5 and no inputs\.reals has that alpha/.test(e.message));
});

test('level 4 samples need level-4 reals', async () => {
  await assert.rejects(runStage(fidStage, FAST, { model: l4, reals: reals1 }), (e: unknown) => e instanceof UserError && /generates 4 px images/.test(e.message));
});
