/**
 * `train-vae` stage: trains the paper's convolutional VAE (runner/models/vae.ts) on a packed image
 * dataset artifact. The loop lives in runner/training/vae-loop.ts; this module binds it to the
 * stage contract (backend choice recorded with setEnv, progress, abort, workDir resume).
 *
 * Outputs in outDir:
 *   encoder/, decoder/          model.json + weights.bin (stock tfjs layers format)
 *   optimizer.json/.bin         Adam moments; position.json { epoch, step }
 *   snapshots/epoch-NNN/        encoder/ + decoder/ + position.json every `snapshotEvery` epochs (FID curves)
 *   training.json               params and derived sizes, written before training starts
 *   metrics.jsonl/.csv          per step: step, epoch, lr, loss, recon, kl (deterministic)
 *   eval.jsonl/.csv             per snapshot: held-out MSE vs mean-image MSE (when holdout > 0)
 *   loss.svg                    loss, recon and kl per step (runner/report/svg-plot.ts)
 *   (logDir) timing.jsonl/.csv  per step: seconds, images/s (wall-clock, so outside the output hash)
 */
import { UserError } from '../errors.js';
import { useBackend } from './backend-env.js';
import { trainVae, type TrainVaeParams } from '../training/vae-loop.js';
import type { StageContext, StageKind } from './types.js';

export const trainVaeKind: StageKind<TrainVaeParams> = {
  kind: 'train-vae',
  version: 1,
  description: 'Train the convolutional VAE on a packed image dataset (snapshots, metrics, resume).',
  paramsSchema: 'train-vae.schema.json',
  inputs: [{ name: 'data', description: 'packed image dataset (dataset.json + images.u8)' }],
  accelerator: () => true,
  async run(ctx) {
    const data = ctx.inputs.data;
    if (!data) throw new UserError(`stage ${ctx.id}: input 'data' is required`);
    await useBackend(ctx as StageContext<unknown>, { training: true });
    const summary = await trainVae(ctx.params, {
      dataDir: data.dir,
      workDir: ctx.workDir,
      outDir: ctx.outDir,
      logDir: ctx.logDir,
      signal: ctx.signal,
      progress: (u) => ctx.progress(u),
      log: (l) => ctx.log(l),
    });
    return { summary };
  },
};

export default trainVaeKind;
