/**
 * The `synthetic` source of the dataset stage: `count` procedurally drawn portraits (render.ts)
 * with their soft foreground masks and factor table, written as a dataset artifact:
 *   images (png/, images.u8, dataset.json), masks.u8 + masks.json, factors.json, factors.csv,
 *   sample-grid.png, mask-grid.png, bad.json (always empty lists, for a uniform layout).
 * Rendering is synchronous JS on this thread; PNG encoding overlaps it in sharp's thread pool.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted } from '../../errors.js';
import type { StageContext } from '../../stages/types.js';
import { DatasetOutput } from '../output.js';
import { BACKGROUND_FACTORS, BACKGROUND_TYPES, FACE_FACTORS, HAIR_STYLES } from './params.js';
import { renderSample } from './render.js';

export { renderSample } from './render.js';
export { BACKGROUND_FACTORS, FACE_FACTORS, HAIR_STYLES, BACKGROUND_TYPES } from './params.js';

export interface SyntheticOptions {
  count: number;
  seed: number;
  resolution: number;
}

/** Shape of factors.json. */
export interface FactorTable {
  faceFactors: string[];
  backgroundFactors: string[];
  /** One row per image: face factor values then background factor values. */
  rows: number[][];
  /** Integer codes of the categorical factors. */
  codes: { hairStyle: string[]; bgType: string[] };
}

export async function generateSynthetic(ctx: StageContext<unknown>, o: SyntheticOptions): Promise<Record<string, unknown>> {
  const out = new DatasetOutput(ctx.outDir, o.resolution, { masks: true, expected: o.count, window: Math.max(2, ctx.compute.workers * 2) });
  const rows: number[][] = [];
  let maskSum = 0;
  const t0 = Date.now();
  try {
    for (let i = 0; i < o.count; i++) {
      if (i % 16 === 0) throwIfAborted(ctx.signal);
      const s = renderSample(o.seed, i, o.resolution);
      rows.push([...s.face, ...s.background]);
      for (let k = 0; k < s.mask.length; k++) maskSum += s.mask[k]!;
      await out.add(`synthetic/${o.seed}/${i}`, s.rgb, { mask: s.mask });
      if ((i + 1) % 50 === 0 || i + 1 === o.count) {
        const secs = Math.max(1e-3, (Date.now() - t0) / 1000);
        ctx.progress({ done: i + 1, total: o.count, message: `${i + 1}/${o.count} faces, ${((i + 1) / secs).toFixed(0)} img/s` });
      }
    }
  } catch (e) {
    await out.abort();
    throw e;
  }
  const table: FactorTable = {
    faceFactors: [...FACE_FACTORS],
    backgroundFactors: [...BACKGROUND_FACTORS],
    rows,
    codes: { hairStyle: [...HAIR_STYLES], bgType: [...BACKGROUND_TYPES] },
  };
  writeFileSync(join(ctx.outDir, 'factors.json'), JSON.stringify(table) + '\n');
  writeFileSync(join(ctx.outDir, 'factors.csv'), factorsCsv(table));
  writeFileSync(join(ctx.outDir, 'bad.json'), JSON.stringify({ policy: null, examined: o.count, bad: [], converted: [], ignored: [] }, null, 1) + '\n');
  await out.finish({ source: 'synthetic', seed: o.seed });
  const fgFraction = maskSum / (255 * o.count * o.resolution * o.resolution);
  return {
    source: 'synthetic', count: o.count, resolution: o.resolution, seed: o.seed, bad: 0, converted: 0,
    masks: true, factors: FACE_FACTORS.length + BACKGROUND_FACTORS.length, foregroundFraction: Math.round(fgFraction * 1e4) / 1e4,
  };
}

/** CSV with a header row (index, face factors, background factors); numbers as JSON writes them. */
export function factorsCsv(t: FactorTable): string {
  const lines = [['index', ...t.faceFactors, ...t.backgroundFactors].join(',')];
  t.rows.forEach((r, i) => lines.push([i, ...r].join(',')));
  return lines.join('\n') + '\n';
}
