/**
 * Reads the directory and entries of a zip archive held in memory (stored or deflated entries,
 * zip64 sizes/offsets). Enough for PyTorch checkpoints, whose writer stores entries uncompressed and
 * pads them to 64-byte alignment with an extra field. Not a general archiver: no encryption, no
 * multi-disk archives, no data-descriptor-only sizes (sizes are taken from the central directory).
 */
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

/** True when the buffer starts like a zip archive (local file header signature). */
export function looksLikeZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`zip: 64-bit field too large at byte ${at}`);
  return Number(v);
}

/** Parses the central directory; entry names map to their records (later duplicates win). */
export function readZipDirectory(buf: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let eocd = -1;
  // The end record sits in the last 22 bytes plus an optional comment of up to 65535 bytes.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === SIG_EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('zip: end of central directory not found (truncated file?)');
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) throw new Error('zip: zip64 locator missing');
    const z = u64(view, loc + 8);
    if (view.getUint32(z, true) !== SIG_ZIP64_EOCD) throw new Error('zip: zip64 end record missing');
    count = u64(view, z + 32);
    cdOffset = u64(view, z + 48);
  }
  const names = new TextDecoder('utf-8');
  const out = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || view.getUint32(p, true) !== SIG_CENTRAL) throw new Error(`zip: bad central directory entry ${k} at byte ${p}`);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const name = names.decode(buf.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: 64-bit values, present only for the fields saturated at 0xffffffff.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = u64(view, q); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(view, q); q += 8; }
        if (localHeaderOffset === 0xffffffff) { localHeaderOffset = u64(view, q); q += 8; }
      }
      e += 4 + len;
    }
    out.set(name, { name, method, compressedSize, size, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** The bytes of one entry: a view into `buf` when stored, a new buffer when deflated. */
export function zipEntryData(buf: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const h = entry.localHeaderOffset;
  if (h + 30 > buf.length || view.getUint32(h, true) !== SIG_LOCAL) throw new Error(`zip: bad local header for ${entry.name}`);
  // The local extra field (torch's alignment padding) can differ from the central one.
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + entry.compressedSize;
  if (end > buf.length) throw new Error(`zip: entry ${entry.name} runs past the end of the file (truncated?)`);
  const raw = buf.subarray(start, end);
  if (entry.method === 0) return raw;
  if (entry.method === 8) {
    const data = inflateRawSync(raw);
    if (data.length !== entry.size) throw new Error(`zip: entry ${entry.name} inflated to ${data.length} bytes, expected ${entry.size}`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  throw new Error(`zip: entry ${entry.name} uses unsupported compression method ${entry.method}`);
}
