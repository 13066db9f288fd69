/**
 * The files of an `images` source: a folder walked recursively or a .zip archive, as one sorted
 * list of relative paths ('/' separators, sorted by UTF-16 code units so every machine agrees).
 * Files that are not candidate images (other extensions, hidden files, macOS resource forks) are
 * returned separately as `ignored` so the artifact can list them: nothing is dropped silently.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { ZipReader, type ZipEntry } from './zip.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];

export interface SourceFile {
  /** Relative path inside the folder or archive. */
  name: string;
  size: number;
}

export interface Ignored {
  name: string;
  reason: string;
}

export interface FileSource {
  kind: 'folder' | 'zip';
  /** Absolute path of the folder or archive. */
  root: string;
  files: SourceFile[];
  ignored: Ignored[];
  read(file: SourceFile): Promise<Buffer>;
  close(): void;
}

function classify(name: string): string | null {
  const parts = name.split('/');
  if (parts.some((p) => p === '__MACOSX')) return 'macOS resource fork';
  if (parts.some((p) => p.startsWith('.'))) return 'hidden file';
  const lower = name.toLowerCase();
  if (!IMAGE_EXTENSIONS.some((e) => lower.endsWith(e))) return `extension not one of ${IMAGE_EXTENSIONS.join(' ')}`;
  return null;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Opens `path` (a folder or a .zip file). `param` names the parameter in error messages. */
export function openSource(path: string, param = 'path'): FileSource {
  const root = resolve(path);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new UserError(`dataset: ${param} '${path}' does not exist (resolved to ${root})`);
  }
  if (st.isDirectory()) return openFolder(root);
  if (st.isFile() && root.toLowerCase().endsWith('.zip')) return openZip(root);
  throw new UserError(`dataset: ${param} '${path}' is neither a folder nor a .zip file`);
}

function openFolder(root: string): FileSource {
  const files: SourceFile[] = [];
  const ignored: Ignored[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const name = rel ? `${rel}/${ent.name}` : ent.name;
      const full = join(dir, ent.name);
      const st = ent.isSymbolicLink() ? statSync(full, { throwIfNoEntry: false }) : null;
      if (ent.isDirectory() || st?.isDirectory()) {
        if (ent.name.startsWith('.')) ignored.push({ name: `${name}/`, reason: 'hidden folder' });
        else walk(full, name);
        continue;
      }
      const why = classify(name);
      if (why) ignored.push({ name, reason: why });
      else files.push({ name, size: st?.size ?? statSync(full).size });
    }
  };
  walk(root, '');
  files.sort(byName);
  ignored.sort(byName);
  return { kind: 'folder', root, files, ignored, read: (f) => readFile(join(root, f.name)), close: () => {} };
}

function openZip(root: string): FileSource {
  const zip = new ZipReader(root);
  const byFile = new Map<string, ZipEntry>();
  const files: SourceFile[] = [];
  const ignored: Ignored[] = [];
  for (const e of zip.entries) {
    const why = classify(e.name);
    if (why) { ignored.push({ name: e.name, reason: why }); continue; }
    if (byFile.has(e.name)) { ignored.push({ name: e.name, reason: 'duplicate name in zip (first kept)' }); continue; }
    byFile.set(e.name, e);
    files.push({ name: e.name, size: e.size });
  }
  files.sort(byName);
  ignored.sort(byName);
  return { kind: 'zip', root, files, ignored, read: (f) => zip.readEntry(byFile.get(f.name)!), close: () => zip.close() };
}

/**
 * A content fingerprint of an images source, for stage keys (DESIGN.md: keys must not depend on
 * paths): sha256 over sorted (name, size, content hash). Zips use the CRC-32s from the central
 * directory (no decompression); folders hash every candidate file once.
 */
export async function fingerprintSource(path: string): Promise<string> {
  const src = openSource(path);
  const h = createHash('sha256');
  try {
    if (src.kind === 'zip') {
      const zip = new ZipReader(src.root);
      const crcs = new Map(zip.entries.map((e) => [e.name, e.crc]));
      zip.close();
      for (const f of src.files) h.update(`${f.name}\0${f.size}\0${crcs.get(f.name)}\n`);
    } else {
      for (const f of src.files) {
        const fh = createHash('sha256');
        for await (const chunk of createReadStream(join(src.root, f.name))) fh.update(chunk as Buffer);
        h.update(`${f.name}\0${f.size}\0${fh.digest('hex')}\n`);
      }
    }
  } finally {
    src.close();
  }
  return h.digest('hex');
}
