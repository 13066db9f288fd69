/**
 * Files for tfjs models and named tensors, without tfjs-node (whose file:// handler is absent here).
 *
 *   saveLayersModel(model, dir)  -> dir/model.json + dir/weights.bin, the stock tfjs "layers-model"
 *                                   format (one weights shard); loadable by tfjs-node's
 *                                   tf.loadLayersModel('file://dir/model.json') or, here, by
 *                                   tf.loadLayersModel(fileHandler(dir)).
 *   loadWeightsInto(model, dir)  -> restores saved weights into an existing model bit-exactly.
 *   saveTensors / loadTensors    -> any named tensors (optimizer state) as <base>.json + <base>.bin.
 * Files are written with writeFileSync + fsync; atomicity is the caller's (snapshot.ts renames a
 * finished folder into place).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export function writeFileSynced(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** Saves a LayersModel as dir/model.json + dir/weights.bin (dir must exist). */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (a) => {
    const json: tf.io.ModelJSON = {
      modelTopology: a.modelTopology as object,
      format: a.format ?? 'layers-model',
      generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
      convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
    };
    writeFileSynced(join(dir, 'weights.bin'), joinWeightData(a.weightData));
    writeFileSynced(join(dir, 'model.json'), JSON.stringify(json) + '\n');
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
  }), { includeOptimizer: false });
}

function readModelDir(dir: string): { json: tf.io.ModelJSON; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const parts = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dir, p)));
  const all = Buffer.concat(parts);
  return { json, specs, data: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) };
}

/** An IOHandler for tf.loadLayersModel reading a folder written by saveLayersModel. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const { json, specs, data } = readModelDir(dir);
      return { modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, weightSpecs: specs, weightData: data };
    },
  };
}

/** Copies saved weights into `model`'s variables by their original names (exact float32 values). */
export function loadWeightsInto(model: tfl.LayersModel, dir: string): void {
  const { specs, data } = readModelDir(dir);
  const named = tf.io.decodeWeights(data, specs);
  try {
    for (const w of model.weights) {
      const t = named[w.originalName];
      if (!t) throw new Error(`${join(dir, 'model.json')}: no weight ${w.originalName}`);
      (w.read() as tf.Variable).assign(t);
    }
  } finally {
    tf.dispose(Object.values(named));
  }
}

/** Saves named tensors as dir/<base>.json (specs) + dir/<base>.bin. */
export async function saveTensors(dir: string, base: string, tensors: tf.NamedTensorMap): Promise<void> {
  const names = Object.keys(tensors).sort();
  const { data, specs } = await tf.io.encodeWeights(names.map((name) => ({ name, tensor: tensors[name]! })));
  writeFileSynced(join(dir, `${base}.bin`), joinWeightData(data));
  writeFileSynced(join(dir, `${base}.json`), JSON.stringify({ paths: [`${base}.bin`], weights: specs }) + '\n');
}

/** Loads tensors saved by saveTensors; the caller disposes them. */
export function loadTensors(dir: string, base: string): tf.NamedTensorMap {
  const manifest = JSON.parse(readFileSync(join(dir, `${base}.json`), 'utf8')) as tf.io.WeightsManifestConfig[number];
  const buf = readFileSync(join(dir, `${base}.bin`));
  return tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), manifest.weights);
}
