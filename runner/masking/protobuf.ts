/**
 * Minimal protobuf wire-format reader/writer: just enough to edit a few fields of an ONNX ModelProto
 * without a protobuf dependency or a .proto compiler.
 *
 * Scope: a message is parsed one level deep into a list of fields; each field keeps a view of its
 * original bytes (tag + payload), so fields nobody touched, unknown fields included, are written back
 * byte-for-byte. Nested messages are parsed on demand (`PbMessage.parse(field.value)`). Groups
 * (wire types 3/4, unused by ONNX) are rejected. Not a general protobuf library: no schema, no
 * packed-field helpers beyond what the ONNX edits need.
 */

export const WT_VARINT = 0;
export const WT_I64 = 1;
export const WT_LEN = 2;
export const WT_I32 = 5;

export interface PbField {
  /** Field number. */
  no: number;
  /** Wire type. */
  wt: number;
  /** Varint / fixed values as bigint; length-delimited payload as a view into the source bytes. */
  value: bigint | Uint8Array;
  /** Original tag + payload bytes; absent on fields built in memory. */
  raw?: Uint8Array;
}

/** Reads one varint at `pos`; returns [value, nextPos]. */
export function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 63n) throw new Error('protobuf: varint too long');
  }
}

/** Encodes a varint; negative numbers use two's complement over 64 bits, as protobuf int64 does. */
export function encodeVarint(v: bigint | number): Uint8Array {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

export class PbMessage {
  constructor(public fields: PbField[] = []) {}

  static parse(buf: Uint8Array): PbMessage {
    const fields: PbField[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const start = pos;
      const [tag, p1] = readVarint(buf, pos);
      pos = p1;
      const no = Number(tag >> 3n);
      const wt = Number(tag & 7n);
      let value: bigint | Uint8Array;
      if (wt === WT_VARINT) {
        [value, pos] = readVarint(buf, pos);
      } else if (wt === WT_I64 || wt === WT_I32) {
        const n = wt === WT_I64 ? 8 : 4;
        if (pos + n > buf.length) throw new Error('protobuf: truncated fixed field');
        const dv = new DataView(buf.buffer, buf.byteOffset + pos, n);
        value = n === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true));
        pos += n;
      } else if (wt === WT_LEN) {
        const [len, p2] = readVarint(buf, pos);
        const end = p2 + Number(len);
        if (end > buf.length) throw new Error(`protobuf: field ${no} runs past the end (${end} > ${buf.length})`);
        value = buf.subarray(p2, end);
        pos = end;
      } else {
        throw new Error(`protobuf: unsupported wire type ${wt} (field ${no})`);
      }
      fields.push({ no, wt, value, raw: buf.subarray(start, pos) });
    }
    return new PbMessage(fields);
  }

  /** All fields with this number, in order. */
  all(no: number): PbField[] {
    return this.fields.filter((f) => f.no === no);
  }

  /** Last occurrence (protobuf semantics for a non-repeated field), or undefined. */
  one(no: number): PbField | undefined {
    for (let i = this.fields.length - 1; i >= 0; i--) if (this.fields[i]!.no === no) return this.fields[i];
    return undefined;
  }

  bytes(no: number): Uint8Array | undefined {
    const f = this.one(no);
    return f && f.value instanceof Uint8Array ? f.value : undefined;
  }

  string(no: number): string | undefined {
    const b = this.bytes(no);
    return b ? new TextDecoder().decode(b) : undefined;
  }

  int(no: number): bigint | undefined {
    const f = this.one(no);
    return f && typeof f.value === 'bigint' ? f.value : undefined;
  }

  strings(no: number): string[] {
    return this.all(no).map((f) => new TextDecoder().decode(f.value as Uint8Array));
  }

  /** Replaces the field object `old` with `next`, keeping its position. */
  replace(old: PbField, next: PbField): void {
    const i = this.fields.indexOf(old);
    if (i < 0) throw new Error('protobuf: field to replace is not in this message');
    this.fields[i] = next;
  }

  /** Removes every field with this number. */
  remove(no: number): void {
    this.fields = this.fields.filter((f) => f.no !== no);
  }

  encode(): Uint8Array {
    return concat(this.fields.map(encodeField));
  }
}

export function lenField(no: number, payload: Uint8Array | PbMessage): PbField {
  return { no, wt: WT_LEN, value: payload instanceof PbMessage ? payload.encode() : payload };
}

export function varintField(no: number, v: bigint | number): PbField {
  return { no, wt: WT_VARINT, value: BigInt(v) };
}

export function encodeField(f: PbField): Uint8Array {
  if (f.raw) return f.raw;
  const tag = encodeVarint((BigInt(f.no) << 3n) | BigInt(f.wt));
  if (f.wt === WT_VARINT) return concat([tag, encodeVarint(f.value as bigint)]);
  if (f.wt === WT_LEN) {
    const p = f.value as Uint8Array;
    return concat([tag, encodeVarint(p.length), p]);
  }
  const n = f.wt === WT_I64 ? 8 : 4;
  const b = new Uint8Array(n);
  const dv = new DataView(b.buffer);
  if (n === 8) dv.setBigUint64(0, BigInt.asUintN(64, f.value as bigint), true);
  else dv.setUint32(0, Number(f.value), true);
  return concat([tag, b]);
}

/** Decodes a packed repeated varint payload (e.g. TensorProto.dims, AttributeProto.ints). */
export function decodePackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, p] = readVarint(buf, pos);
    out.push(BigInt.asIntN(64, v));
    pos = p;
  }
  return out;
}

export function encodePackedVarints(vals: (bigint | number)[]): Uint8Array {
  return concat(vals.map(encodeVarint));
}
