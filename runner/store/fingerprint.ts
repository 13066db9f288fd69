/**
 * Content fingerprints of files and folders that params point at (a dataset folder, a model file),
 * so a stage key depends on what the path holds, never on the path itself (DESIGN: paths never
 * enter keys). Per-file hashes are cached in the store by (size, mtime, inode), like DVC's state
 * database, so re-planning an experiment over 70,000 images re-hashes only what changed.
 */
import { existsSync, readFileSync, statSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { hashFile, listFiles, manifestText, type FileEntry } from './hash.js';

type CacheEntry = [size: number, mtimeMs: number, ino: number, sha256: string];

export class FingerprintCache {
  private entries: Record<string, CacheEntry> | undefined;
  private dirty = false;
  private readonly memo = new Map<string, string>();
  constructor(private readonly file: string) {}

  private load(): Record<string, CacheEntry> {
    if (!this.entries) {
      try {
        this.entries = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, CacheEntry>;
      } catch {
        this.entries = {};
      }
    }
    return this.entries;
  }

  private fileSha(path: string): { sha256: string; size: number } {
    const st = statSync(path);
    const cache = this.load();
    const c = cache[path];
    if (c && c[0] === st.size && c[1] === st.mtimeMs && c[2] === st.ino) return { sha256: c[3], size: st.size };
    const h = hashFile(path);
    cache[path] = [st.size, st.mtimeMs, st.ino, h.sha256];
    this.dirty = true;
    return h;
  }

  /** `file:<sha256>` for a file, `dir:<sha256 of its sha256sum-style manifest>` for a folder. */
  fingerprint(path: string): string {
    const m = this.memo.get(path);
    if (m) return m;
    const st = statSync(path);
    let fp: string;
    if (st.isDirectory()) {
      const files: FileEntry[] = listFiles(path).map((rel) => ({ path: rel, ...this.fileSha(join(path, rel)) }));
      fp = `dir:${createHash('sha256').update(manifestText(files)).digest('hex')}`;
    } else fp = `file:${this.fileSha(path).sha256}`;
    this.memo.set(path, fp);
    return fp;
  }

  save(): void {
    if (!this.dirty || !this.entries) return;
    mkdirSync(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.entries));
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}

export function pathExists(p: string): boolean {
  return existsSync(p);
}
