/**
 * Tensors as read from a PyTorch checkpoint: dtype, shape, strides and storage offset over the raw
 * little-endian storage bytes (no copy until asked), and row-major gathering into float arrays for
 * contiguous, strided and shared-storage tensors. Assumes a little-endian host (x86, ARM).
 * Reading files is torch-checkpoint.ts's job.
 */

export type TorchDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Raw little-endian storage bytes; legacy storages are filled once the trailer has been read. */
export interface TorchStorage {
  key: string;
  dtype: TorchDType;
  elementSize: number;
  numel: number;
  bytes?: Uint8Array;
}

export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    /** Offset into the storage, in elements. */
    readonly offset: number,
    readonly shape: readonly number[],
    /** Strides in elements, one per dimension. */
    readonly stride: readonly number[],
  ) {}

  get dtype(): TorchDType { return this.storage.dtype; }
  get numel(): number { return this.shape.reduce((a, b) => a * b, 1); }

  get isContiguous(): boolean {
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.stride[d] !== expect) return false;
      expect *= this.shape[d]!;
    }
    return true;
  }

  /** Values row-major as float32 (integers and halves converted; int64 beyond 2^24 loses precision). */
  toFloat32(): Float32Array {
    const out = new Float32Array(this.numel);
    this.gather(out);
    return out;
  }

  /** Values row-major as float64 (exact for every dtype except int64 beyond 2^53). */
  toFloat64(): Float64Array {
    const out = new Float64Array(this.numel);
    this.gather(out);
    return out;
  }

  private gather(out: Float32Array | Float64Array): void {
    const n = out.length;
    if (n === 0) return;
    if (this.offset + maxIndex(this.shape, this.stride) >= this.storage.numel) {
      throw new Error(`tensor view (offset ${this.offset}, shape [${this.shape}], stride [${this.stride}]) exceeds storage ${this.storage.key} of ${this.storage.numel} elements`);
    }
    const typed = this.isContiguous ? typedView(this.storage) : undefined;
    if (typed) {
      out.set(typed.subarray(this.offset, this.offset + n));
      return;
    }
    const src = elements(this.storage);
    if (this.isContiguous) {
      for (let i = 0; i < n; i++) out[i] = src(this.offset + i);
      return;
    }
    // Odometer over the index space: one add per element instead of a dot product.
    const rank = this.shape.length;
    const idx = new Array<number>(rank).fill(0);
    let at = this.offset;
    for (let i = 0; i < n; i++) {
      out[i] = src(at);
      for (let d = rank - 1; d >= 0; d--) {
        if (++idx[d]! < this.shape[d]!) { at += this.stride[d]!; break; }
        at -= this.stride[d]! * (this.shape[d]! - 1);
        idx[d] = 0;
      }
    }
  }
}

function maxIndex(shape: readonly number[], stride: readonly number[]): number {
  return shape.reduce((acc, s, d) => acc + (s - 1) * Math.max(0, stride[d]!), 0);
}

/** A typed array over the storage for dtypes JS has natively (not int64/float16/bfloat16). */
function typedView(s: TorchStorage): Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | undefined {
  const ctor = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array }[s.dtype as string];
  if (!ctor || !s.bytes) return undefined;
  const b = s.bytes.byteOffset % s.elementSize === 0 ? s.bytes : s.bytes.slice();
  return new ctor(b.buffer as ArrayBuffer, b.byteOffset, s.numel);
}

/** An element reader for a storage (typed-array view when aligned, a copy otherwise). */
function elements(s: TorchStorage): (i: number) => number {
  if (!s.bytes) throw new Error(`storage ${s.key} has no data`);
  const b = s.bytes.byteOffset % s.elementSize === 0 ? s.bytes : s.bytes.slice();
  const n = s.numel;
  switch (s.dtype) {
    case 'float32': { const a = new Float32Array(b.buffer, b.byteOffset, n); return (i) => a[i]!; }
    case 'float64': { const a = new Float64Array(b.buffer, b.byteOffset, n); return (i) => a[i]!; }
    case 'int64': { const a = new BigInt64Array(b.buffer, b.byteOffset, n); return (i) => Number(a[i]!); }
    case 'int32': { const a = new Int32Array(b.buffer, b.byteOffset, n); return (i) => a[i]!; }
    case 'int16': { const a = new Int16Array(b.buffer, b.byteOffset, n); return (i) => a[i]!; }
    case 'int8': { const a = new Int8Array(b.buffer, b.byteOffset, n); return (i) => a[i]!; }
    case 'uint8': case 'bool': { const a = new Uint8Array(b.buffer, b.byteOffset, n); return (i) => a[i]!; }
    case 'float16': { const a = new Uint16Array(b.buffer, b.byteOffset, n); return (i) => halfToFloat(a[i]!); }
    case 'bfloat16': {
      const a = new Uint16Array(b.buffer, b.byteOffset, n);
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      return (i) => { u[0] = a[i]! << 16; return f[0]!; };
    }
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
