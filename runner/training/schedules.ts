/**
 * Learning-rate schedules shared by every training stage (VAE, StyleGAN levels).
 *
 * A schedule is a pure function of (step, totalSteps) -> learning rate, where `step` counts
 * optimiser updates from 0 inside one training run (one stage, or one progressive-growing level),
 * so a new level starts its schedule again from step 0: the paper's "reset at the next level"
 * falls out of each level being its own stage.
 *
 * With u = (step - W) / (T - W) the progress through the post-warm-up part (W = warmupSteps,
 * T = totalSteps, u clamped to [0, 1]) and m = minFactor:
 *   constant         f(u) = 1
 *   step             f(u) = gamma ^ (number of milestones <= u)          (milestones are fractions of T-W)
 *   exponential      f(u) = m ^ u                                          (f(1) = m)
 *   cosine           f(u) = m + (1 - m) * (1 + cos(pi u)) / 2               (f(1) = m)
 *   inverse-sigmoid  s(u) = 1 / (1 + exp(k (u - c)))                        (paper, section 4)
 *                    f(u) = m + (1 - m) * (s(u) - s(1)) / (s(0) - s(1))     (normalised: f(0)=1, f(1)=m)
 *                    k = steepness (how sharp the drop is), c = midpoint (where the drop is centred).
 * and lr(step) = lr0 * warm(step) * f(u), warm(step) = min(1, (step + 1) / W) (linear warm-up, W > 0).
 *
 * Scope: the maths only; the params schema is schemas/defs/schedule.schema.json.
 */

export type ScheduleType = 'constant' | 'step' | 'exponential' | 'cosine' | 'inverse-sigmoid';

/** Mirrors schemas/defs/schedule.schema.json (defaults applied by the schema). */
export interface ScheduleSpec {
  type: ScheduleType;
  /** Linear warm-up over this many steps before the decay starts (0 = none). */
  warmupSteps?: number;
  /** Final multiplier for exponential, cosine and inverse-sigmoid. */
  minFactor?: number;
  /** step: multiply by gamma at each milestone. */
  gamma?: number;
  /** step: fractions of the post-warm-up steps at which the lr is multiplied by gamma. */
  milestones?: number[];
  /** inverse-sigmoid: steepness k. */
  steepness?: number;
  /** inverse-sigmoid: midpoint c (fraction of the post-warm-up steps). */
  midpoint?: number;
}

export const scheduleDefaults: Required<Omit<ScheduleSpec, 'type'>> = {
  warmupSteps: 0,
  minFactor: 0.01,
  gamma: 0.1,
  milestones: [0.5, 0.75],
  steepness: 10,
  midpoint: 0.5,
};

/** Multiplier in (0, 1] applied to the base learning rate at `step` of `totalSteps`. */
export function scheduleFactor(spec: ScheduleSpec, step: number, totalSteps: number): number {
  const s = { ...scheduleDefaults, ...spec };
  const W = Math.max(0, Math.floor(s.warmupSteps));
  const warm = W > 0 ? Math.min(1, (step + 1) / W) : 1;
  const span = Math.max(1, totalSteps - W);
  const u = Math.min(1, Math.max(0, (step - W) / span));
  return warm * decay(s, u);
}

function decay(s: Required<ScheduleSpec>, u: number): number {
  const m = s.minFactor;
  switch (s.type) {
    case 'constant':
      return 1;
    case 'step': {
      let f = 1;
      for (const ms of s.milestones) if (u >= ms) f *= s.gamma;
      return f;
    }
    case 'exponential':
      return Math.pow(m, u);
    case 'cosine':
      return m + (1 - m) * (1 + Math.cos(Math.PI * u)) / 2;
    case 'inverse-sigmoid': {
      const sig = (x: number): number => 1 / (1 + Math.exp(s.steepness * (x - s.midpoint)));
      const s0 = sig(0), s1 = sig(1);
      return m + (1 - m) * (sig(u) - s1) / (s0 - s1);
    }
    default:
      throw new Error(`unknown schedule type ${String((s as { type: unknown }).type)}`);
  }
}

/** The schedule as a pure function lr(step, totalSteps) for base learning rate `lr0`. */
export function makeSchedule(spec: ScheduleSpec, lr0: number): (step: number, totalSteps: number) => number {
  return (step, totalSteps) => lr0 * scheduleFactor(spec, step, totalSteps);
}

export const scheduleTypes: readonly ScheduleType[] = ['constant', 'step', 'exponential', 'cosine', 'inverse-sigmoid'];
