/**
 * StyleGAN network hyperparameters (the `model` block of train-stylegan params) and the level
 * arithmetic shared by the generator and the discriminator.
 *
 * Levels are indexed from 0 (4x4) to L-1 (maxResolution); level i works at 4 * 2^i pixels.
 * Channel widths follow StyleGAN: nf(res) = min(fmapBase / res_log2-ish, fmapMax), see `channels`.
 */
export interface StyleGanConfig {
  /** Highest resolution the networks are built for (all levels are created up front). */
  maxResolution: number;
  /** Size of z. */
  zDim: number;
  /** Size of w (and of the mapping network's hidden layers when mappingWidth is absent). */
  wDim: number;
  /** Number of dense layers in the mapping network. */
  mappingLayers: number;
  /** Hidden width of the mapping network. */
  mappingWidth: number;
  /** Learning-rate multiplier of the mapping network (0.01 in StyleGAN). */
  mappingLrMul: number;
  /** Channel budget: a level at resolution r has min(fmapBase / 2^(log2(r) - 1), fmapMax) channels. */
  fmapBase: number;
  fmapMax: number;
  /** Group size of the minibatch standard deviation layer. */
  mbstdGroup: number;
  /**
   * Discriminator fade-in: 'output' blends the two critics' scores as in the paper
   * (alpha * critic_l(x) + (1 - alpha) * critic_{l-1}(down(x))); 'features' blends FromRGB
   * features after the new block, as ProGAN's implementation does (one pass, cheaper).
   */
  dBlend: 'output' | 'features';
}

export const defaultConfig: StyleGanConfig = {
  maxResolution: 128,
  zDim: 512,
  wDim: 512,
  mappingLayers: 8,
  mappingWidth: 512,
  mappingLrMul: 0.01,
  fmapBase: 8192,
  fmapMax: 512,
  mbstdGroup: 4,
  dBlend: 'output',
};

export function numLevels(cfg: Pick<StyleGanConfig, 'maxResolution'>): number {
  return Math.log2(cfg.maxResolution) - 1;
}

export function levelResolution(level: number): number {
  return 4 << level;
}

/** Level index of a power-of-two resolution >= 4, or -1. */
export function levelOf(resolution: number): number {
  const l = Math.log2(resolution) - 2;
  return Number.isInteger(l) && l >= 0 ? l : -1;
}

/** Feature maps at a resolution (StyleGAN's nf(stage) with stage = log2(res) - 1). */
export function channels(cfg: Pick<StyleGanConfig, 'fmapBase' | 'fmapMax'>, resolution: number): number {
  return Math.max(1, Math.min(Math.floor(cfg.fmapBase / 2 ** (Math.log2(resolution) - 1)), cfg.fmapMax));
}

/** Checks invariants a schema cannot express; returns a message or null. */
export function checkConfig(cfg: StyleGanConfig): string | null {
  if (levelOf(cfg.maxResolution) < 0) return `maxResolution ${cfg.maxResolution} must be a power of two >= 4`;
  if (cfg.mbstdGroup < 1) return 'mbstdGroup must be >= 1';
  return null;
}
