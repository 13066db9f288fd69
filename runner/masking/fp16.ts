/**
 * Widens a float16 ONNX graph (onnxconverter-common style: float32 graph input/output, Cast nodes at
 * the borders, float16 weights) to float32: every float16 initializer becomes float32 and every
 * `Cast(to=FLOAT16)` becomes a `Cast(to=FLOAT)`, which ORT's optimizer then removes.
 *
 * Why: CPUs without native half-precision arithmetic run float16 convolutions through conversions;
 * the float32 graph computes the same function with the weights' exact values.
 * Does not touch float16 tensors inside Constant nodes or subgraphs (ISNet has none) and refuses
 * graphs that declare float16 inputs/outputs.
 */
import { PbMessage, lenField, varintField } from './protobuf.js';
import { F, DT, subs, putBack, valueInfoShape } from './onnx-model.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half (as uint16 bits) -> float32, exact (subnormals, inf and NaN included). */
export function halfToFloat(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    // Zero or subnormal: value = mant * 2^-24.
    const v = mant * 2 ** -24;
    return sign ? -v : v;
  }
  if (exp === 31) u32[0] = sign | 0x7f800000 | (mant << 13);
  else u32[0] = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  return f32[0]!;
}

function widenTensor(t: PbMessage): PbMessage {
  const raw = t.bytes(F.tensor.rawData);
  let halves: Uint16Array;
  if (raw) {
    halves = new Uint16Array(raw.length / 2);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < halves.length; i++) halves[i] = dv.getUint16(i * 2, true);
  } else {
    // float16 values may also sit in int32_data (one half per element, packed varints).
    const vals: number[] = [];
    for (const f of t.all(F.tensor.int32Data)) {
      if (f.value instanceof Uint8Array) {
        let pos = 0;
        const b = f.value;
        while (pos < b.length) {
          let v = 0, shift = 0, byte: number;
          do { byte = b[pos++]!; v |= (byte & 0x7f) << shift; shift += 7; } while (byte & 0x80);
          vals.push(v);
        }
      } else vals.push(Number(f.value));
    }
    halves = Uint16Array.from(vals);
  }
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i]!);
  const next = new PbMessage(t.fields.filter((f) => f.no !== F.tensor.rawData && f.no !== F.tensor.int32Data && f.no !== F.tensor.dataType));
  next.fields.push(varintField(F.tensor.dataType, DT.FLOAT));
  next.fields.push(lenField(F.tensor.rawData, new Uint8Array(out.buffer)));
  return next;
}

/** Returns a float32 copy of a float16 model plus counts of what changed. */
export function widenFloat16(bytes: Uint8Array): { bytes: Uint8Array; tensors: number; casts: number } {
  const model = PbMessage.parse(bytes);
  const graphField = model.one(F.model.graph)!;
  const graph = PbMessage.parse(graphField.value as Uint8Array);
  for (const no of [F.graph.input, F.graph.output]) {
    for (const { msg } of subs(graph, no)) {
      if (valueInfoShape(msg)?.elemType === DT.FLOAT16) throw new Error(`widenFloat16: graph ${no === F.graph.input ? 'input' : 'output'} ${msg.string(F.valueInfo.name)} is float16`);
    }
  }
  let tensors = 0;
  for (const s of subs(graph, F.graph.initializer)) {
    if (Number(s.msg.int(F.tensor.dataType) ?? 0n) !== DT.FLOAT16) continue;
    s.msg = widenTensor(s.msg);
    putBack(graph, s);
    tensors++;
  }
  let casts = 0;
  for (const n of subs(graph, F.graph.node)) {
    if (n.msg.string(F.node.opType) !== 'Cast') continue;
    for (const a of subs(n.msg, F.node.attribute)) {
      if (a.msg.string(F.attr.name) !== 'to' || Number(a.msg.int(F.attr.i) ?? 0n) !== DT.FLOAT16) continue;
      a.msg = new PbMessage(a.msg.fields.filter((f) => f.no !== F.attr.i));
      a.msg.fields.push(varintField(F.attr.i, DT.FLOAT));
      putBack(n.msg, a);
      putBack(graph, n);
      casts++;
    }
  }
  graph.remove(F.graph.valueInfo); // records float16 intermediate types that no longer hold
  model.replace(graphField, lenField(F.model.graph, graph));
  return { bytes: model.encode(), tensors, casts };
}
