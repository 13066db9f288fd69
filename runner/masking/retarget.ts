/**
 * Rewrites a fixed-shape segmentation graph (ISNet / U2-Net exports from PyTorch) so it runs at another
 * square input size, and optionally keeps only its first output.
 *
 * Why: ISNet's exported graph hard-codes every bilinear up-sampling target (the Resize `sizes` tensor,
 * or the constant half of a Shape->Slice->Concat chain) for a 1024x1024 input, so declaring the input
 * dynamic fails at the first skip-connection Concat. Every such spatial size is 1024 / 2^k (stride-2
 * convolutions and ceil-mode 2x2 max-pools), so it maps to ceil-halving the new size k times.
 *
 * Edits, all through ./protobuf.ts (every other byte is kept):
 *   - graph input: [B, C, ref, ref] -> [batch, C, size, size]
 *   - Resize `sizes` constants (initializer or Constant node, directly or via Concat): H, W remapped;
 *     a 4-long constant also gets its batch entry set to `batch`
 *   - graph outputs: only the first is kept (when keepOutputs = 1), its spatial dims remapped;
 *     ORT then prunes the side branches nothing reads
 *   - value_info is dropped (it records the old shapes; ORT re-infers shapes)
 * Does not handle graphs whose Resize uses `scales` with a different meaning, or Reshape constants
 * that bake spatial sizes in (none in ISNet / U2-Net); those are reported as errors by ORT at load.
 */
import { PbMessage, lenField, varintField } from './protobuf.js';
import { F, DT, subs, putBack, tensorInt64s, type Sub } from './onnx-model.js';

export interface RetargetOptions {
  /** New square input size (pixels). */
  size: number;
  /** Batch size baked into the graph (the exports fix it at 1). */
  batch?: number;
  /** Keep only the first N graph outputs (ISNet lists 12: the mask, 5 side masks, 6 feature maps). */
  keepOutputs?: number;
}

export interface RetargetReport {
  refSize: number;
  resizeConstants: number;
  outputsKept: number;
}

/** Size at down-sampling level k for input n: ceil-halve k times (what stride-2 conv / ceil pool do). */
export function sizeAtLevel(n: number, k: number): number {
  let s = n;
  for (let i = 0; i < k; i++) s = Math.ceil(s / 2);
  return s;
}

/** Maps a spatial size of the reference graph to the new input size. */
export function remapSpatial(v: number, refSize: number, size: number): number {
  const ratio = refSize / v;
  const k = Math.round(Math.log2(ratio));
  if (v <= 0 || 2 ** k !== ratio) throw new Error(`retarget: spatial size ${v} is not ${refSize}/2^k`);
  return sizeAtLevel(size, k);
}

function int64Tensor(old: PbMessage, values: bigint[]): PbMessage {
  // Keep name and dims; replace data by raw little-endian int64.
  const raw = new Uint8Array(values.length * 8);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, v, true));
  const next = new PbMessage(old.fields.filter((f) => f.no !== F.tensor.rawData && f.no !== F.tensor.int64Data));
  next.fields.push(lenField(F.tensor.rawData, raw));
  return next;
}

function setDims(vi: PbMessage, dims: number[]): PbMessage {
  const type = PbMessage.parse(vi.bytes(F.valueInfo.type)!);
  const ttField = type.one(F.type.tensorType)!;
  const tt = PbMessage.parse(ttField.value as Uint8Array);
  const shape = new PbMessage(dims.map((d) => lenField(F.shape.dim, new PbMessage([varintField(F.dim.value, d)]))));
  tt.remove(F.tensorType.shape);
  tt.fields.push(lenField(F.tensorType.shape, shape));
  type.replace(ttField, lenField(F.type.tensorType, tt));
  const next = new PbMessage(vi.fields.filter((f) => f.no !== F.valueInfo.type));
  next.fields.push(lenField(F.valueInfo.type, type));
  return next;
}

function dimsOf(vi: PbMessage): number[] {
  const tt = PbMessage.parse(PbMessage.parse(vi.bytes(F.valueInfo.type)!).bytes(F.type.tensorType)!);
  const shape = PbMessage.parse(tt.bytes(F.tensorType.shape)!);
  return shape.all(F.shape.dim).map((d) => Number(PbMessage.parse(d.value as Uint8Array).int(F.dim.value) ?? -1n));
}

/** Returns a rewritten copy of the model bytes (the input is not modified). */
export function retargetModel(bytes: Uint8Array, opts: RetargetOptions): { bytes: Uint8Array; report: RetargetReport } {
  const batch = opts.batch ?? 1;
  const model = PbMessage.parse(bytes);
  const graphSub: Sub = { field: model.one(F.model.graph)!, msg: PbMessage.parse(model.bytes(F.model.graph)!) };
  const graph = graphSub.msg;

  const inputs = subs(graph, F.graph.input);
  const inits = new Map(subs(graph, F.graph.initializer).map((s) => [s.msg.string(F.tensor.name) ?? '', s]));
  const realInputs = inputs.filter((s) => !inits.has(s.msg.string(F.valueInfo.name) ?? ''));
  if (realInputs.length !== 1) throw new Error(`retarget: expected one image input, found ${realInputs.length}`);
  const inDims = dimsOf(realInputs[0]!.msg);
  if (inDims.length !== 4 || inDims[2] !== inDims[3] || !(inDims[2]! > 0)) throw new Error(`retarget: input shape [${inDims}] is not a fixed square NCHW`);
  const refSize = inDims[2]!;
  const map = (v: bigint) => BigInt(remapSpatial(Number(v), refSize, opts.size));
  realInputs[0]!.msg = setDims(realInputs[0]!.msg, [batch, inDims[1]!, opts.size, opts.size]);
  putBack(graph, realInputs[0]!);

  const nodes = subs(graph, F.graph.node);
  const producer = new Map<string, Sub>();
  for (const n of nodes) for (const o of n.msg.strings(F.node.output)) producer.set(o, n);

  let edited = 0;
  const done = new Set<string>();
  /** Rewrites the int64 constant named `name` (2 spatial values, or 4 = N, C, H, W). */
  const rewriteConst = (name: string): boolean => {
    if (done.has(name)) return true;
    const init = inits.get(name);
    const node = producer.get(name);
    let tensorSub: Sub | undefined;
    let attrSub: Sub | undefined;
    if (init) tensorSub = init;
    else if (node && node.msg.string(F.node.opType) === 'Constant') {
      attrSub = subs(node.msg, F.node.attribute).find((a) => a.msg.string(F.attr.name) === 'value');
      if (attrSub) tensorSub = { field: attrSub.msg.one(F.attr.t)!, msg: PbMessage.parse(attrSub.msg.bytes(F.attr.t)!) };
    }
    if (!tensorSub || Number(tensorSub.msg.int(F.tensor.dataType) ?? 0n) !== DT.INT64) return false;
    const vals = tensorInt64s(tensorSub.msg);
    let next: bigint[];
    if (vals.length === 2) next = vals.map(map);
    else if (vals.length === 4) next = [BigInt(batch), vals[1]!, map(vals[2]!), map(vals[3]!)];
    else return false;
    tensorSub.msg = int64Tensor(tensorSub.msg, next);
    if (init) putBack(graph, init);
    else {
      putBack(attrSub!.msg, tensorSub);
      putBack(node!.msg, attrSub!);
      putBack(graph, node!);
    }
    done.add(name);
    edited++;
    return true;
  };

  // Same size and batch as exported: the Resize targets are already right, whatever form they take
  // (rembg's U2-Net exports may compute them from shapes); only the outputs are pruned.
  const sameShape = opts.size === refSize && batch === (inDims[0]! > 0 ? inDims[0] : 1);
  for (const n of nodes) {
    if (sameShape) break;
    if (n.msg.string(F.node.opType) !== 'Resize') continue;
    const sizes = n.msg.strings(F.node.input)[3];
    if (!sizes) continue; // scales-based Resize: size-independent
    if (rewriteConst(sizes)) continue;
    const p = producer.get(sizes);
    if (p && p.msg.string(F.node.opType) === 'Concat') {
      // sizes = Concat(Shape(x)[0:2], const[H, W]): only the constant half is spatial.
      const ok = p.msg.strings(F.node.input).some((i) => rewriteConst(i));
      if (ok) continue;
    }
    throw new Error(`retarget: Resize ${n.msg.string(F.node.name) ?? ''} has sizes "${sizes}" that are not a recognised constant`);
  }

  const outputs = subs(graph, F.graph.output);
  const keep = Math.min(opts.keepOutputs ?? outputs.length, outputs.length);
  graph.remove(F.graph.output);
  for (const o of outputs.slice(0, keep)) {
    const d = dimsOf(o.msg);
    if (d.length === 4) o.msg = setDims(o.msg, [batch, d[1]!, Number(map(BigInt(d[2]!))), Number(map(BigInt(d[3]!)))]);
    graph.fields.push(lenField(F.graph.output, o.msg));
  }
  graph.remove(F.graph.valueInfo);
  putBack(model, graphSub);
  return { bytes: model.encode(), report: { refSize, resizeConstants: edited, outputsKept: keep } };
}
