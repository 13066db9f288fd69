/**
 * `train-stylegan` stage: trains one level (resolution) of the progressive StyleGAN
 * (runner/models/stylegan/) on a packed image dataset, starting from the previous level's
 * artifact. Each level is its own stage, so changing one level's epochs reuses the levels below.
 * The loop is runner/models/stylegan/loop.ts; this module binds it to the stage contract.
 *
 * Outputs in outDir:
 *   config.json                 params and derived sizes, written before training starts
 *   weights.json/.bin           G, D, Gs (EMA) and both w averages, keyed G/..., D/..., Gs/...
 *   snapshots/epoch-NNN/        Gs.json/.bin + position.json every `snapshotEvery` epochs (FID curves)
 *   metrics.jsonl/.csv          every `logEvery` steps: epoch, step, kimg, alpha, lr, mean losses (deterministic)
 *   (logDir) timing.jsonl/.csv  wall-clock seconds and images/s per logged interval (outside the output hash)
 *   samples.png                 grid of Gs samples at the final alpha
 * Resume: every epoch writes a full resume point (weights + Adam moments) under workDir/resume/.
 */
import { UserError } from '../errors.js';
import { useBackend } from './backend-env.js';
import { trainStyleGanLevel, type TrainStyleGanParams } from '../models/stylegan/loop.js';
import type { StageContext, StageKind } from './types.js';

export const trainStyleGanKind: StageKind<TrainStyleGanParams> = {
  kind: 'train-stylegan',
  version: 2,
  description: 'Train one level of a progressive StyleGAN (fade-in, snapshots, metrics, resume).',
  paramsSchema: 'train-stylegan.schema.json',
  inputs: [
    { name: 'data', description: 'packed RGB image dataset (dataset.json + images.u8) at >= the level resolution' },
    { name: 'previous', optional: true, kinds: ['train-stylegan'], description: "the previous level's train-stylegan artifact (absent at 4x4)" },
  ],
  accelerator: () => true,
  async run(ctx) {
    const data = ctx.inputs.data;
    if (!data) throw new UserError(`stage ${ctx.id}: input 'data' is required`);
    const be = await useBackend(ctx as StageContext<unknown>, { training: true });
    const summary = await trainStyleGanLevel(ctx.params, {
      dataDir: data.dir,
      previousDir: ctx.inputs.previous?.dir,
      workDir: ctx.workDir,
      outDir: ctx.outDir,
      logDir: ctx.logDir,
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (l) => ctx.log(l),
      id: ctx.id,
    });
    return { summary: { ...summary, backend: be.backend } };
  },
};

export default trainStyleGanKind;
