/**
 * A small, self-describing tensor file pair used for StyleGAN weights, snapshots and resume
 * state: `<base>.json` ({format, meta, tensors: [{name, shape, offset}]}) and `<base>.bin`
 * (float32 little-endian, tensors back to back in name order). Written to a temporary name and
 * renamed, so a kill leaves either the old pair or the new one (the .json is renamed last and is
 * the commit point). Deterministic bytes: same tensors -> same files.
 *
 * Private to the StyleGAN model until runner/training grows a shared snapshot format.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../errors.js';

export const TENSORS_FORMAT = 'btf-tensors-v1';

export interface TensorEntry { name: string; shape: number[]; offset: number }
export interface TensorFile { meta: Record<string, unknown>; tensors: Map<string, { shape: number[]; data: Float32Array }> }

function writeAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

/** Writes named tensors (sorted by name) and a JSON meta object. */
export function writeTensors(dir: string, base: string, tensors: Map<string, tf.Tensor>, meta: Record<string, unknown> = {}): void {
  const names = [...tensors.keys()].sort();
  const entries: TensorEntry[] = [];
  let total = 0;
  for (const n of names) {
    entries.push({ name: n, shape: tensors.get(n)!.shape, offset: total });
    total += tensors.get(n)!.size * 4;
  }
  const buf = new Uint8Array(total);
  const view = new Float32Array(buf.buffer);
  for (let i = 0; i < names.length; i++) view.set(tensors.get(names[i]!)!.dataSync() as Float32Array, entries[i]!.offset / 4);
  if (new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) throw new Error('big-endian hosts are not supported');
  writeAtomic(join(dir, `${base}.bin`), buf);
  writeAtomic(join(dir, `${base}.json`), new TextEncoder().encode(JSON.stringify({ format: TENSORS_FORMAT, meta, tensors: entries }, null, 1) + '\n'));
}

export function hasTensors(dir: string, base: string): boolean {
  return existsSync(join(dir, `${base}.json`));
}

export function readTensors(dir: string, base: string): TensorFile {
  const jsonPath = join(dir, `${base}.json`);
  let head: { format: string; meta: Record<string, unknown>; tensors: TensorEntry[] };
  try {
    head = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new UserError(`${jsonPath}: cannot read StyleGAN weights (${(e as Error).message})`);
  }
  if (head.format !== TENSORS_FORMAT) throw new UserError(`${jsonPath}: unknown format ${String(head.format)}`);
  const bin = readFileSync(join(dir, `${base}.bin`));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const e of head.tensors) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset / 4 + size > all.length) throw new UserError(`${jsonPath}: ${e.name} runs past the end of ${base}.bin`);
    tensors.set(e.name, { shape: e.shape, data: all.subarray(e.offset / 4, e.offset / 4 + size) });
  }
  return { meta: head.meta, tensors };
}
