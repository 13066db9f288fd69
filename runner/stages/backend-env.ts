/**
 * The tfjs backend a stage asked for (`compute.backend`), selected and recorded: which backend ran
 * and why goes into the artifact manifest (and from there the lock file), and into the run log.
 */
import type { StageContext } from './types.js';

export async function useBackend(ctx: StageContext<unknown>, opts: { training?: boolean } = {}): Promise<{ backend: string; reason: string }> {
  const be = opts.training
    ? await (await import('../training/backend.js')).initTrainingBackend(ctx.compute.backend)
    : await (await import('../compute/backend.js')).initBackend(ctx.compute.backend);
  ctx.setEnv('tfjs.backend', be.backend);
  ctx.setEnv('tfjs.backendReason', be.reason);
  ctx.log(`backend ${be.backend}: ${be.reason}`);
  return { backend: be.backend, reason: be.reason };
}
