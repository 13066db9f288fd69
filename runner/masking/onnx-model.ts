/**
 * Just enough of the ONNX ModelProto schema (field numbers from onnx/onnx.proto) to read a graph's
 * nodes, initializers and input/output shapes, and to write edited copies. Built on ./protobuf.ts;
 * every field not named here is carried through unchanged.
 */
import { PbMessage, decodePackedVarints, lenField, type PbField } from './protobuf.js';

/** Field numbers used by the edits (onnx.proto3). */
export const F = {
  model: { graph: 7, opsetImport: 8 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attr: { name: 1, f: 2, i: 3, s: 4, t: 5, ints: 8, type: 20 },
  tensor: { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1, param: 2 },
} as const;

/** TensorProto.DataType values we read. */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10 } as const;

/** A parsed message plus the field it came from, so an edit can be written back in place. */
export interface Sub {
  field: PbField;
  msg: PbMessage;
}

export function subs(parent: PbMessage, no: number): Sub[] {
  return parent.all(no).map((field) => ({ field, msg: PbMessage.parse(field.value as Uint8Array) }));
}

/** Writes an edited child message back into its parent at the same position. */
export function putBack(parent: PbMessage, sub: Sub): void {
  const next = lenField(sub.field.no, sub.msg);
  parent.replace(sub.field, next);
  sub.field = next;
}

/** Repeated int64 that may be packed (proto3 default) or unpacked. */
export function int64s(msg: PbMessage, no: number): bigint[] {
  const out: bigint[] = [];
  for (const f of msg.all(no)) {
    if (f.value instanceof Uint8Array) out.push(...decodePackedVarints(f.value));
    else out.push(BigInt.asIntN(64, f.value));
  }
  return out;
}

/** Values of an int64 TensorProto (raw_data or int64_data). */
export function tensorInt64s(t: PbMessage): bigint[] {
  const raw = t.bytes(F.tensor.rawData);
  if (raw) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: bigint[] = [];
    for (let i = 0; i + 8 <= raw.length; i += 8) out.push(dv.getBigInt64(i, true));
    return out;
  }
  return int64s(t, F.tensor.int64Data);
}

/** Values of a float32 TensorProto (raw_data or float_data). */
export function tensorFloats(t: PbMessage): number[] {
  const raw = t.bytes(F.tensor.rawData);
  if (raw) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: number[] = [];
    for (let i = 0; i + 4 <= raw.length; i += 4) out.push(dv.getFloat32(i, true));
    return out;
  }
  const out: number[] = [];
  for (const f of t.all(F.tensor.floatData)) {
    const b = f.value as Uint8Array;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i + 4 <= b.length; i += 4) out.push(dv.getFloat32(i, true));
  }
  return out;
}

/** Shape of a ValueInfoProto's tensor type: numbers for fixed dims, strings for symbolic ones. */
export function valueInfoShape(vi: PbMessage): { elemType: number; dims: (number | string)[] } | undefined {
  const type = vi.bytes(F.valueInfo.type);
  if (!type) return undefined;
  const tt = PbMessage.parse(type).bytes(F.type.tensorType);
  if (!tt) return undefined;
  const ttm = PbMessage.parse(tt);
  const shape = ttm.bytes(F.tensorType.shape);
  const dims = shape
    ? PbMessage.parse(shape).all(F.shape.dim).map((d) => {
      const dm = PbMessage.parse(d.value as Uint8Array);
      const v = dm.int(F.dim.value);
      return v !== undefined ? Number(v) : (dm.string(F.dim.param) ?? '?');
    })
    : [];
  return { elemType: Number(ttm.int(F.tensorType.elemType) ?? 0n), dims };
}

export interface OnnxSummary {
  inputs: { name: string; elemType: number; dims: (number | string)[] }[];
  outputs: { name: string; elemType: number; dims: (number | string)[] }[];
  opCounts: Record<string, number>;
  initializerTypes: Record<number, number>;
  nodes: number;
}

/** A quick structural summary (for docs, tests and error messages). */
export function summarizeOnnx(bytes: Uint8Array): OnnxSummary {
  const model = PbMessage.parse(bytes);
  const graph = PbMessage.parse(model.bytes(F.model.graph) ?? new Uint8Array());
  const io = (no: number) => subs(graph, no).map(({ msg }) => ({ name: msg.string(F.valueInfo.name) ?? '', ...(valueInfoShape(msg) ?? { elemType: 0, dims: [] }) }));
  const opCounts: Record<string, number> = {};
  const nodes = subs(graph, F.graph.node);
  for (const { msg } of nodes) {
    const op = msg.string(F.node.opType) ?? '?';
    opCounts[op] = (opCounts[op] ?? 0) + 1;
  }
  const initializerTypes: Record<number, number> = {};
  for (const { msg } of subs(graph, F.graph.initializer)) {
    const dt = Number(msg.int(F.tensor.dataType) ?? 0n);
    initializerTypes[dt] = (initializerTypes[dt] ?? 0) + 1;
  }
  return { inputs: io(F.graph.input), outputs: io(F.graph.output), opCounts, initializerTypes, nodes: nodes.length };
}
