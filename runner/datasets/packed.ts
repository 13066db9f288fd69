/**
 * The packed image format every image-producing stage (dataset, composite, ...) writes, so training
 * and evaluation read batches with one positioned read instead of decoding PNGs.
 *
 * Layout in an artifact folder:
 *   dataset.json   { format: "btf-packed-v1", count, resolution, channels, file, ... }
 *   images.u8      count * resolution * resolution * channels bytes, NHWC, uint8, image i at
 *                  offset i * imageBytes.
 * A mask artifact uses the same layout with channels = 1 (file "masks.u8", meta "masks.json").
 * Readers never hold more than the batch they asked for: a 70,000-image dataset streams.
 */
import { openSync, readSync, closeSync, writeSync, fsyncSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export interface PackedMeta {
  format: 'btf-packed-v1';
  count: number;
  resolution: number;
  channels: number;
  /** Packed data file name, relative to the artifact folder. */
  file: string;
  /** Per-image names (source relative paths, or synthetic ids), same order as the packed data. */
  names?: string[];
  [extra: string]: unknown;
}

export function imageBytes(meta: Pick<PackedMeta, 'resolution' | 'channels'>): number {
  return meta.resolution * meta.resolution * meta.channels;
}

/** Streaming reader over a packed file. Call `close()` when done. */
export class PackedReader {
  readonly meta: PackedMeta;
  private fd: number;
  private readonly bytes: number;

  constructor(dir: string, metaFile = 'dataset.json') {
    let meta: PackedMeta;
    try {
      meta = JSON.parse(readFileSync(join(dir, metaFile), 'utf8')) as PackedMeta;
    } catch (e) {
      throw new UserError(`${join(dir, metaFile)}: not a packed image artifact (${(e as Error).message})`);
    }
    if (meta.format !== 'btf-packed-v1') throw new UserError(`${join(dir, metaFile)}: unknown format ${String(meta.format)}`);
    this.meta = meta;
    this.bytes = imageBytes(meta);
    this.fd = openSync(join(dir, meta.file), 'r');
  }

  get count(): number { return this.meta.count; }

  /** Reads images [start, start + n) into one NHWC uint8 buffer. */
  readRange(start: number, n: number, into?: Uint8Array): Uint8Array {
    if (start < 0 || n < 0 || start + n > this.meta.count) throw new RangeError(`range ${start}+${n} outside 0..${this.meta.count}`);
    const out = into ?? new Uint8Array(n * this.bytes);
    let off = 0;
    const want = n * this.bytes;
    while (off < want) {
      const got = readSync(this.fd, out, off, want - off, start * this.bytes + off);
      if (got === 0) throw new Error(`packed file truncated at image ${start + Math.floor(off / this.bytes)}`);
      off += got;
    }
    return out;
  }

  /** Reads an arbitrary list of images (e.g. a shuffled batch) into one NHWC uint8 buffer. */
  readIndices(indices: ArrayLike<number>, into?: Uint8Array): Uint8Array {
    const out = into ?? new Uint8Array(indices.length * this.bytes);
    for (let k = 0; k < indices.length; k++) {
      this.readRange(indices[k]!, 1, out.subarray(k * this.bytes, (k + 1) * this.bytes));
    }
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Appending writer; `finish()` flushes, fsyncs and writes the meta file. */
export class PackedWriter {
  private fd: number;
  private n = 0;
  private readonly bytes: number;

  constructor(private readonly dir: string, private readonly meta: { resolution: number; channels: number; file: string; names?: string[] }, private readonly metaFile = 'dataset.json') {
    this.bytes = imageBytes(meta);
    this.fd = openSync(join(dir, meta.file), 'w');
  }

  get count(): number { return this.n; }

  /** Appends one or more whole images (length must be a multiple of the image size). */
  append(pixels: Uint8Array): void {
    if (pixels.length % this.bytes !== 0) throw new Error(`append: ${pixels.length} bytes is not a whole number of ${this.bytes}-byte images`);
    let off = 0;
    while (off < pixels.length) off += writeSync(this.fd, pixels, off, pixels.length - off);
    this.n += pixels.length / this.bytes;
  }

  finish(extra: Record<string, unknown> = {}): PackedMeta {
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    const meta: PackedMeta = { format: 'btf-packed-v1', ...this.meta, count: this.n, ...extra } as PackedMeta;
    writeFileSync(join(this.dir, this.metaFile), JSON.stringify(meta, null, 1) + '\n');
    return meta;
  }
}
