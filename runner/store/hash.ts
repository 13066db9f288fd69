/**
 * File and folder hashing. An artifact's output hash is the sha256 of its manifest written in
 * `sha256sum` format (`<hex>  <relative/path>\n`), lines sorted by path, so anyone can recompute it
 * with coreutils: `find . -type f | sort | xargs sha256sum | sha256sum` (with LC_ALL=C sorting).
 */
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';

export interface FileEntry {
  /** Relative path with '/' separators. */
  path: string;
  sha256: string;
  size: number;
}

const CHUNK = 1 << 20;
let scratch: Buffer | undefined;

/** sha256 of one file, read in 1 MiB chunks into a reused buffer (no per-file allocation). */
export function hashFile(path: string): { sha256: string; size: number } {
  const fd = openSync(path, 'r');
  try {
    scratch ??= Buffer.allocUnsafe(CHUNK);
    const h = createHash('sha256');
    let size = 0;
    for (;;) {
      const n = readSync(fd, scratch, 0, CHUNK, null);
      if (n === 0) break;
      h.update(n === CHUNK ? scratch : scratch.subarray(0, n));
      size += n;
    }
    return { sha256: h.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

/** Relative paths of every regular file below `dir`, sorted bytewise; symlinks and specials are errors. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const ent of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(r);
      else if (ent.isFile()) out.push(r);
      else {
        const st = lstatSync(join(dir, r));
        throw new Error(`${join(dir, r)}: artifacts hold regular files only (found ${st.isSymbolicLink() ? 'a symbolic link' : 'a special file'})`);
      }
    }
  };
  walk('');
  return out.sort(compareBytes);
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The canonical manifest text (sha256sum format, sorted by path). */
export function manifestText(files: FileEntry[]): string {
  return [...files].sort((a, b) => compareBytes(a.path, b.path)).map((f) => `${f.sha256}  ${f.path}\n`).join('');
}

export function outputHash(files: FileEntry[]): string {
  return createHash('sha256').update(manifestText(files)).digest('hex');
}

/** Hashes every file of a folder. */
export function hashFolder(dir: string): { files: FileEntry[]; hash: string } {
  const files = listFiles(dir).map((path) => ({ path, ...hashFile(join(dir, path)) }));
  return { files, hash: outputHash(files) };
}
