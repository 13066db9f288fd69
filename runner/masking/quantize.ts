/**
 * Static int8 quantisation of a float32 conv graph in QDQ form, so onnxruntime can run its convs as
 * QLinearConv (integer kernels; VNNI on this x86). Used by `precision: "int8"` (the ISNet default);
 * ./session.ts observes the activation ranges on calibration images first.
 *
 * For every Conv: its activation input and its output (or the output of the Relu right after it)
 * get QuantizeLinear -> DequantizeLinear pairs with uint8 ranges from calibration; its weights
 * become int8 per output channel (symmetric) behind a DequantizeLinear; its bias int32 at
 * scale x_scale * w_scale. ORT fuses DQ -> Conv -> Q into QLinearConv and drops a Relu whose Q has
 * zero point 0. Node order is not kept topological (ORT sorts the graph when it loads it).
 */
import { PbMessage, lenField, varintField } from './protobuf.js';
import { F, DT, subs, tensorFloats, int64s } from './onnx-model.js';

const enc = (s: string) => new TextEncoder().encode(s);

function tensor(name: string, dataType: number, dims: number[], raw: Uint8Array): PbMessage {
  const fields = [...dims.map((d) => varintField(F.tensor.dims, d)), varintField(F.tensor.dataType, dataType), lenField(F.tensor.name, enc(name)), lenField(F.tensor.rawData, raw)];
  return new PbMessage(fields);
}

function node(op: string, inputs: string[], outputs: string[], name: string, attrs: PbMessage[] = []): PbMessage {
  return new PbMessage([
    ...inputs.map((i) => lenField(F.node.input, enc(i))),
    ...outputs.map((o) => lenField(F.node.output, enc(o))),
    lenField(F.node.name, enc(name)),
    lenField(F.node.opType, enc(op)),
    ...attrs.map((a) => lenField(F.node.attribute, a)),
  ]);
}

function intAttr(name: string, v: number): PbMessage {
  return new PbMessage([lenField(F.attr.name, enc(name)), varintField(F.attr.i, v), varintField(F.attr.type, 2)]);
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Names of the tensors calibration must observe: each Conv's input 0 and its (Relu'd) output. */
export function calibrationTensors(bytes: Uint8Array): string[] {
  const graph = PbMessage.parse(PbMessage.parse(bytes).bytes(F.model.graph)!);
  const nodes = subs(graph, F.graph.node).map((s) => s.msg);
  const consumers = new Map<string, PbMessage[]>();
  for (const n of nodes) for (const i of n.strings(F.node.input)) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  const out = new Set<string>();
  for (const n of nodes) {
    if (n.string(F.node.opType) !== 'Conv') continue;
    out.add(n.strings(F.node.input)[0]!);
    const y = n.strings(F.node.output)[0]!;
    const c = consumers.get(y) ?? [];
    out.add(c.length === 1 && c[0]!.string(F.node.opType) === 'Relu' ? c[0]!.strings(F.node.output)[0]! : y);
  }
  return [...out];
}

/** Adds the named tensors as float graph outputs (for a calibration session). */
export function exposeTensors(bytes: Uint8Array, names: string[]): Uint8Array {
  const model = PbMessage.parse(bytes);
  const gf = model.one(F.model.graph)!;
  const graph = PbMessage.parse(gf.value as Uint8Array);
  const have = new Set(subs(graph, F.graph.output).map((s) => s.msg.string(F.valueInfo.name)));
  for (const n of names) {
    if (have.has(n)) continue;
    const tt = new PbMessage([varintField(F.tensorType.elemType, DT.FLOAT)]);
    const type = new PbMessage([lenField(F.type.tensorType, tt)]);
    graph.fields.push(lenField(F.graph.output, new PbMessage([lenField(F.valueInfo.name, enc(n)), lenField(F.valueInfo.type, type)])));
  }
  model.replace(gf, lenField(F.model.graph, graph));
  return model.encode();
}

/** uint8 scale / zero point covering [min(lo, 0), max(hi, 0)]. */
function u8Params(lo: number, hi: number): { scale: number; zp: number } {
  lo = Math.min(lo, 0); hi = Math.max(hi, 0);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zp: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

export function quantizeQDQ(bytes: Uint8Array, ranges: Map<string, [number, number]>): { bytes: Uint8Array; convs: number } {
  const model = PbMessage.parse(bytes);
  const gf = model.one(F.model.graph)!;
  const graph = PbMessage.parse(gf.value as Uint8Array);
  const inits = new Map(subs(graph, F.graph.initializer).map((s) => [s.msg.string(F.tensor.name)!, s]));
  const nodeSubs = subs(graph, F.graph.node);
  const consumers = new Map<string, PbMessage[]>();
  for (const { msg } of nodeSubs) for (const i of msg.strings(F.node.input)) consumers.set(i, [...(consumers.get(i) ?? []), msg]);
  const newInits: PbMessage[] = [];
  const qdqDone = new Map<string, string>(); // tensor -> its dequantised name
  const renames = new Map<string, string>(); // for consumers of a tensor that got Q/DQ after it
  const added: PbMessage[][] = nodeSubs.map(() => []);
  const replaced = new Map<number, PbMessage>();
  let convs = 0;
  const scaleOf = new Map<string, { scale: number; zp: number }>();

  const qdq = (t: string, at: number): string => {
    const hit = qdqDone.get(t);
    if (hit) return hit;
    const r = ranges.get(t);
    if (!r) throw new Error(`quantize: no calibration range for ${t}`);
    const p = u8Params(r[0], r[1]);
    scaleOf.set(t, p);
    newInits.push(tensor(`${t}_qs`, DT.FLOAT, [], f32([p.scale])), tensor(`${t}_qz`, DT.UINT8, [], Uint8Array.of(p.zp)));
    added[at]!.push(
      node('QuantizeLinear', [t, `${t}_qs`, `${t}_qz`], [`${t}_q`], `${t}_Q`),
      node('DequantizeLinear', [`${t}_q`, `${t}_qs`, `${t}_qz`], [`${t}_dq`], `${t}_DQ`),
    );
    qdqDone.set(t, `${t}_dq`);
    return `${t}_dq`;
  };

  nodeSubs.forEach(({ msg }, idx) => {
    if (msg.string(F.node.opType) !== 'Conv') return;
    const ins = msg.strings(F.node.input);
    const w = inits.get(ins[1]!);
    if (!w || Number(w.msg.int(F.tensor.dataType)) !== DT.FLOAT) return;
    // Input activation.
    const xName = ins[0]!;
    const xdq = qdq(xName, idx);
    const xs = scaleOf.get(xName)!.scale;
    // Weights: symmetric int8 per output channel.
    const dims = int64s(w.msg, F.tensor.dims).map(Number);
    const wv = tensorFloats(w.msg);
    const oc = dims[0]!, per = wv.length / oc;
    const wq = new Int8Array(wv.length), ws: number[] = [];
    for (let c = 0; c < oc; c++) {
      let m = 0;
      for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(wv[c * per + i]!));
      const s = m > 0 ? m / 127 : 1;
      ws.push(s);
      for (let i = 0; i < per; i++) wq[c * per + i] = Math.max(-127, Math.min(127, Math.round(wv[c * per + i]! / s)));
    }
    const wn = ins[1]!;
    newInits.push(tensor(`${wn}_q`, DT.INT8, dims, new Uint8Array(wq.buffer)), tensor(`${wn}_ws`, DT.FLOAT, [oc], f32(ws)), tensor(`${wn}_wz`, DT.INT8, [oc], new Uint8Array(oc)));
    added[idx]!.push(node('DequantizeLinear', [`${wn}_q`, `${wn}_ws`, `${wn}_wz`], [`${wn}_dq`], `${wn}_DQ`, [intAttr('axis', 0)]));
    const nextIns = [xdq, `${wn}_dq`];
    if (ins[2]) {
      const b = inits.get(ins[2])!;
      const bv = tensorFloats(b.msg);
      const bq = new Int32Array(bv.length), bs: number[] = [];
      for (let c = 0; c < bv.length; c++) { bs.push(xs * ws[c]!); bq[c] = Math.round(bv[c]! / bs[c]!); }
      newInits.push(tensor(`${ins[2]}_q`, DT.INT32, [bv.length], new Uint8Array(bq.buffer)), tensor(`${ins[2]}_bs`, DT.FLOAT, [bv.length], f32(bs)), tensor(`${ins[2]}_bz`, DT.INT32, [bv.length], new Uint8Array(bv.length * 4)));
      added[idx]!.push(node('DequantizeLinear', [`${ins[2]}_q`, `${ins[2]}_bs`, `${ins[2]}_bz`], [`${ins[2]}_dq`], `${ins[2]}_DQ`, [intAttr('axis', 0)]));
      nextIns.push(`${ins[2]}_dq`);
    }
    const conv = new PbMessage([...nextIns.map((i) => lenField(F.node.input, enc(i))), ...msg.fields.filter((f) => f.no !== F.node.input)]);
    replaced.set(idx, conv);
    convs++;
    // Output (after the Relu when the Relu is its only consumer): Q/DQ, consumers read the DQ.
    const y = msg.strings(F.node.output)[0]!;
    const c = consumers.get(y) ?? [];
    const reluNode = c.length === 1 && c[0]!.string(F.node.opType) === 'Relu' ? c[0]! : undefined;
    const t = reluNode ? reluNode.strings(F.node.output)[0]! : y;
    const at = reluNode ? nodeSubs.findIndex((s) => s.msg === reluNode) : idx;
    renames.set(t, qdq(t, at));
  });

  // Rebuild the node list: each node (with renamed inputs), then the nodes added after it.
  const rebuilt: PbMessage[] = [];
  nodeSubs.forEach(({ msg }, idx) => {
    let n = replaced.get(idx) ?? msg;
    const ins = n.strings(F.node.input);
    if (ins.some((i) => renames.has(i))) {
      n = new PbMessage([...ins.map((i) => lenField(F.node.input, enc(renames.get(i) ?? i))), ...n.fields.filter((f) => f.no !== F.node.input)]);
    }
    rebuilt.push(n);
    rebuilt.push(...added[idx]!);
  });
  graph.remove(F.graph.node);
  // Node field order in GraphProto does not matter to ORT; append nodes and new initializers.
  for (const n of rebuilt) graph.fields.push(lenField(F.graph.node, n));
  for (const t of newInits) graph.fields.push(lenField(F.graph.initializer, t));
  // Drop the float weights that now have int8 copies.
  const dropped = new Set<string>();
  for (const t of newInits) {
    const nm = t.string(F.tensor.name)!;
    if (nm.endsWith('_q') && inits.has(nm.slice(0, -2))) dropped.add(nm.slice(0, -2));
  }
  graph.fields = graph.fields.filter((f) => f.no !== F.graph.initializer || !dropped.has(PbMessage.parse(f.value as Uint8Array).string(F.tensor.name) ?? ''));
  model.replace(gf, lenField(F.model.graph, graph));
  return { bytes: model.encode(), convs };
}
