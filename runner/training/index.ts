/**
 * The model-agnostic training utilities, for any training stage (docs/training.md). The VAE loop
 * (vae-loop.ts, vae-eval.ts) is VAE-specific and not re-exported here.
 */
export { Adam, type AdamOptions } from './adam.js';
export { initTrainingBackend, type TrainingBackend } from './backend.js';
export { batchesPerEpoch, epochBatches, mirrorImage, toSigned, type Batch, type BatchOptions } from './batches.js';
export { MetricsLog, type Row } from './metrics-log.js';
export { fileHandler, loadTensors, loadWeightsInto, saveLayersModel, saveTensors, writeFileSynced } from './model-files.js';
export { permutation, rngFor, Stream, type Rng } from './rng.js';
export { makeSchedule, scheduleDefaults, scheduleFactor, scheduleTypes, type ScheduleSpec, type ScheduleType } from './schedules.js';
export { exportSnapshotModels, latestSnapshot, listSnapshots, restoreSnapshot, snapshotName, writeSnapshot, type Position, type SnapshotContent } from './snapshot.js';
export type { TrainingIo } from './io.js';
