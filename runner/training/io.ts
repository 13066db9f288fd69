/** The folders and callbacks a training loop gets from its stage; shared by the VAE and StyleGAN loops. */
import type { ProgressUpdate } from '../stages/types.js';

/** What every training loop gets from its stage (folders, abort signal, progress and log). */
export interface TrainingIo {
  /** Folder of the packed dataset artifact. */
  dataDir: string;
  /** Resume state that survives a crash (ctx.workDir). */
  workDir: string;
  outDir: string;
  /** Where wall-clock timing files go (outside the output hash); defaults to outDir. */
  logDir?: string;
  signal: AbortSignal;
  progress(u: ProgressUpdate): void;
  log(line: string): void;
}
