/**
 * Writes a dataset artifact in the layout every consumer expects:
 *   png/000000.png ...   lossless copies, in dataset order (6+ digit names)
 *   images.u8 + dataset.json   the packed NHWC form (PackedWriter)
 *   masks.u8 + masks.json      optional packed soft masks (channels 1)
 *   sample-grid.png            the first 64 images (and mask-grid.png with masks)
 * PNG encodes run in sharp's thread pool with at most `window` in flight, while the packed files
 * are appended in order; only the grid's 64 images stay in memory.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PackedWriter, type PackedMeta } from './packed.js';
import { encodePng } from '../imaging/png.js';
import { gridPng } from '../imaging/grid.js';

export const GRID_COUNT = 64;

export class DatasetOutput {
  private readonly images: PackedWriter;
  private readonly masks: PackedWriter | null;
  private readonly names: string[] = [];
  private readonly gridImages: Uint8Array[] = [];
  private readonly gridMasks: Uint8Array[] = [];
  private pending: Promise<void>[] = [];
  private readonly digits: number;
  private readonly window: number;

  constructor(private readonly outDir: string, readonly resolution: number, opts: { masks?: boolean; expected?: number; window?: number } = {}) {
    mkdirSync(join(outDir, 'png'), { recursive: true });
    this.images = new PackedWriter(outDir, { resolution, channels: 3, file: 'images.u8' }, 'dataset.json');
    this.masks = opts.masks ? new PackedWriter(outDir, { resolution, channels: 1, file: 'masks.u8' }, 'masks.json') : null;
    this.digits = Math.max(6, String(Math.max(0, (opts.expected ?? 0) - 1)).length);
    this.window = Math.max(1, opts.window ?? 4);
  }

  get count(): number { return this.names.length; }

  /** PNG path (relative to the artifact) of image i. */
  pngName(i: number): string {
    return `png/${String(i).padStart(this.digits, '0')}.png`;
  }

  /**
   * Appends one image (resolution^2 * 3 bytes RGB) and optionally its mask and an already encoded
   * PNG of it; waits when too many PNG writes are in flight.
   */
  async add(name: string, rgb: Uint8Array, opts: { png?: Buffer; mask?: Uint8Array } = {}): Promise<void> {
    const i = this.names.length;
    this.names.push(name);
    this.images.append(rgb);
    if (this.masks) {
      if (!opts.mask) throw new Error('DatasetOutput.add: mask required');
      this.masks.append(opts.mask);
      if (i < GRID_COUNT) this.gridMasks.push(opts.mask.slice());
    }
    if (i < GRID_COUNT) this.gridImages.push(rgb.slice());
    const file = join(this.outDir, this.pngName(i));
    const png = opts.png;
    const write = png ? writeFile(file, png) : encodePng(rgb, this.resolution, this.resolution, 3).then((b) => writeFile(file, b));
    write.catch(() => {}); // a failed write (disk full) is rethrown when awaited below, never unhandled
    this.pending.push(write);
    if (this.pending.length >= this.window) await this.pending.shift();
  }

  /** Flushes PNGs, writes grids and the meta files. */
  async finish(extra: Record<string, unknown>): Promise<PackedMeta> {
    await Promise.all(this.pending);
    this.pending = [];
    const base = { ...extra, names: this.names, pngDir: 'png' };
    const meta = this.images.finish(base);
    if (this.masks) this.masks.finish({ ...extra, names: this.names, of: 'dataset.json' });
    if (this.gridImages.length > 0) {
      await writeFile(join(this.outDir, 'sample-grid.png'), await gridPng(this.gridImages, this.resolution, 3, { cols: 8 }));
      if (this.gridMasks.length > 0) await writeFile(join(this.outDir, 'mask-grid.png'), await gridPng(this.gridMasks, this.resolution, 1, { cols: 8 }));
    }
    return meta;
  }

  /** Closes files after a failure (outputs are discarded by the runner). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.pending);
    try { this.images.finish({ aborted: true }); } catch { /* already closed */ }
    try { this.masks?.finish({ aborted: true }); } catch { /* already closed */ }
  }
}
