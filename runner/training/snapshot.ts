/**
 * Training snapshots for resume and for FID curves, model-agnostic.
 *
 * A snapshot is a folder `<root>/<name>/` holding
 *   <model>/model.json + weights.bin   one per model (stock tfjs layers format, model-files.ts)
 *   <state>.json + <state>.bin         named tensors per state group (e.g. "optimizer")
 *   position.json                      where training stands: { epoch, step, ... } plus anything the
 *                                      loop needs to check it resumes the same run (e.g. a params hash)
 * It is written into `<root>/.tmp-<name>/` and renamed into place only when every file is flushed,
 * so a kill -9 at any moment leaves either the previous snapshot set or the new one, never a half
 * one. No RNG state is stored: training randomness is a pure function of (seed, epoch, step)
 * (rng.ts), so the position is enough.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensors, loadWeightsInto, saveLayersModel, saveTensors, writeFileSynced } from './model-files.js';

export interface Position {
  /** Completed epochs (or levels' epochs) at the time of the snapshot. */
  epoch: number;
  /** Completed optimiser steps. */
  step: number;
  [extra: string]: unknown;
}

export interface SnapshotContent {
  models: Record<string, tfl.LayersModel>;
  /** Named tensor groups, e.g. { optimizer: adam.state() }. */
  tensors?: Record<string, tf.NamedTensorMap>;
  position: Position;
}

/** Zero-padded snapshot folder name for an epoch: epoch-007. */
export function snapshotName(epoch: number): string {
  return `epoch-${String(epoch).padStart(3, '0')}`;
}

/** Writes a snapshot atomically (see module doc); replaces an existing one of the same name. */
export async function writeSnapshot(root: string, name: string, content: SnapshotContent): Promise<string> {
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.tmp-${name}`);
  const dest = join(root, name);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const [m, model] of Object.entries(content.models)) {
    mkdirSync(join(tmp, m));
    await saveLayersModel(model, join(tmp, m));
  }
  for (const [g, tensors] of Object.entries(content.tensors ?? {})) await saveTensors(tmp, g, tensors);
  writeFileSynced(join(tmp, 'position.json'), JSON.stringify(content.position, null, 1) + '\n');
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}

/** Completed snapshots under root (half-written `.tmp-*` folders are ignored), oldest step first. */
export function listSnapshots(root: string): { name: string; dir: string; position: Position }[] {
  if (!existsSync(root)) return [];
  const out: { name: string; dir: string; position: Position }[] = [];
  for (const name of readdirSync(root)) {
    if (name.startsWith('.')) continue;
    const p = join(root, name, 'position.json');
    if (!existsSync(p)) continue;
    try {
      out.push({ name, dir: join(root, name), position: JSON.parse(readFileSync(p, 'utf8')) as Position });
    } catch {
      continue; // unreadable: treat as absent (a newer complete one, or a fresh start, follows)
    }
  }
  return out.sort((a, b) => a.position.step - b.position.step || a.name.localeCompare(b.name));
}

export function latestSnapshot(root: string): { name: string; dir: string; position: Position } | undefined {
  return listSnapshots(root).at(-1);
}

/** Restores a snapshot's models (by folder name) and tensor groups; returns its position. */
export function restoreSnapshot(dir: string, content: { models: Record<string, tfl.LayersModel>; tensorGroups?: string[] }): { position: Position; tensors: Record<string, tf.NamedTensorMap> } {
  for (const [m, model] of Object.entries(content.models)) loadWeightsInto(model, join(dir, m));
  const tensors: Record<string, tf.NamedTensorMap> = {};
  for (const g of content.tensorGroups ?? []) tensors[g] = loadTensors(dir, g);
  const position = JSON.parse(readFileSync(join(dir, 'position.json'), 'utf8')) as Position;
  return { position, tensors };
}

/** Copies the listed model folders of a snapshot (no optimizer state) to dest, e.g. outDir/snapshots/epoch-003. */
export function exportSnapshotModels(snapshotDir: string, dest: string, models: string[]): void {
  mkdirSync(dest, { recursive: true });
  for (const m of models) cpSync(join(snapshotDir, m), join(dest, m), { recursive: true });
  cpSync(join(snapshotDir, 'position.json'), join(dest, 'position.json'));
}
