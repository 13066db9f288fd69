/**
 * A small read-only ZIP reader (no dependencies): parses the central directory (including ZIP64
 * for archives over 4 GiB or 65,535 entries) and reads one entry at a time with positioned reads,
 * inflating deflate entries with node:zlib and checking each CRC-32. The archive is never loaded
 * whole, so FFHQ-sized zips stream. Not supported (reported per entry, not fatal): encryption and
 * methods other than stored (0) and deflate (8). Multi-disk archives are refused.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';

const inflateRawAsync = promisify(inflateRaw);

export interface ZipEntry {
  name: string;
  method: number;
  encrypted: boolean;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header. */
  offset: number;
}

/** An entry that cannot be read (bad data, unsupported feature); the reason is stable. */
export class ZipEntryError extends Error {
  constructor(readonly code: 'zip-encrypted' | 'zip-unsupported-method' | 'zip-corrupt', message: string) {
    super(message);
    this.name = 'ZipEntryError';
  }
}

export class ZipReader {
  readonly entries: ZipEntry[];
  private fd: number;
  private readonly fileSize: number;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.fileSize = fstatSync(this.fd).size;
      this.entries = this.readDirectory();
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  private read(pos: number, len: number): Buffer {
    const buf = Buffer.alloc(len);
    let off = 0;
    while (off < len) {
      const got = readSync(this.fd, buf, off, len - off, pos + off);
      if (got === 0) throw new UserError(`${this.path}: zip is truncated (wanted ${len} bytes at offset ${pos})`);
      off += got;
    }
    return buf;
  }

  private readDirectory(): ZipEntry[] {
    // End of central directory: 22 bytes plus a comment of up to 65,535 bytes.
    const tailLen = Math.min(this.fileSize, 22 + 65535);
    const tail = this.read(this.fileSize - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    }
    if (eocd < 0) throw new UserError(`${this.path}: not a zip archive (no end-of-central-directory record)`);
    if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) throw new UserError(`${this.path}: multi-disk zip archives are not supported`);
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      // ZIP64: a locator sits just before the EOCD and points at the ZIP64 EOCD record.
      const locPos = this.fileSize - tailLen + eocd - 20;
      const loc = locPos >= 0 ? this.read(locPos, 20) : Buffer.alloc(0);
      if (loc.length < 20 || loc.readUInt32LE(0) !== 0x07064b50) throw new UserError(`${this.path}: zip64 locator missing`);
      const rec = this.read(Number(loc.readBigUInt64LE(8)), 56);
      if (rec.readUInt32LE(0) !== 0x06064b50) throw new UserError(`${this.path}: zip64 end-of-central-directory record missing`);
      count = Number(rec.readBigUInt64LE(32));
      cdSize = Number(rec.readBigUInt64LE(40));
      cdOffset = Number(rec.readBigUInt64LE(48));
    }
    if (cdOffset + cdSize > this.fileSize) throw new UserError(`${this.path}: zip central directory lies outside the file (truncated archive?)`);
    const cd = this.read(cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new UserError(`${this.path}: corrupt zip central directory at entry ${k}`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const crc = cd.readUInt32LE(p + 16);
      let compressedSize = cd.readUInt32LE(p + 20);
      let size = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      let offset = cd.readUInt32LE(p + 42);
      // Bit 11: UTF-8 names; otherwise CP437, read as latin1 (exact for ASCII names).
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === 0x0001) { // ZIP64 extended information: present fields in fixed order
          let q = e + 4;
          if (size === 0xffffffff) { size = Number(cd.readBigUInt64LE(q)); q += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = Number(cd.readBigUInt64LE(q)); q += 8; }
          if (offset === 0xffffffff) { offset = Number(cd.readBigUInt64LE(q)); q += 8; }
        }
        e += 4 + len;
      }
      p = extraEnd + commentLen;
      if (name.endsWith('/')) continue; // directory
      entries.push({ name, method, encrypted: (flags & 1) !== 0, crc, compressedSize, size, offset });
    }
    return entries;
  }

  /** Reads and verifies one entry's bytes. Throws ZipEntryError for unreadable entries. */
  async readEntry(entry: ZipEntry, maxSize = 2 ** 31 - 1): Promise<Buffer> {
    if (entry.encrypted) throw new ZipEntryError('zip-encrypted', 'entry is encrypted');
    if (entry.method !== 0 && entry.method !== 8) throw new ZipEntryError('zip-unsupported-method', `compression method ${entry.method} (only stored and deflate are supported)`);
    if (entry.size > maxSize) throw new ZipEntryError('zip-corrupt', `entry size ${entry.size} exceeds ${maxSize} bytes`);
    const head = this.read(entry.offset, 30);
    if (head.readUInt32LE(0) !== 0x04034b50) throw new ZipEntryError('zip-corrupt', 'bad local header signature');
    const dataPos = entry.offset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
    if (dataPos + entry.compressedSize > this.fileSize) throw new ZipEntryError('zip-corrupt', 'entry data runs past the end of the archive');
    const raw = this.read(dataPos, entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) {
      data = raw;
    } else {
      try {
        data = await inflateRawAsync(raw, { maxOutputLength: Math.max(1, entry.size) });
      } catch (e) {
        throw new ZipEntryError('zip-corrupt', `inflate failed: ${(e as Error).message}`);
      }
    }
    if (data.length !== entry.size) throw new ZipEntryError('zip-corrupt', `size ${data.length} != ${entry.size} in directory`);
    if ((crc32(data) >>> 0) !== entry.crc) throw new ZipEntryError('zip-corrupt', 'CRC-32 mismatch');
    return data;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
