/**
 * The content-addressed artifact store.
 *
 *   <root>/objects/ab/<sha256>    file contents, read-only, shared by every artifact that has them
 *   <root>/a/<key>/meta.json      manifest: stage, params, inputs, output hash, summary, timings, env
 *   <root>/a/<key>/files.json     [{path, sha256, size}] sorted by path
 *   <root>/a/<key>/data/...       the artifact's files (hard links into objects/)
 *   <root>/a/<key>/logs/...       run-specific files (timings): kept, not hashed, not in objects/
 *   <root>/tmp/<pid>-<rand>/      private folders of running stages (data/ is the stage's outDir)
 *   <root>/work/<key>/            resumable state of an unfinished stage (snapshots)
 *   <root>/locks/                 per-key locks (lock.ts)
 *   <root>/specs/<key>.json       what `btf exec KEY` needs to run a stage from its key alone
 *   <root>/roots/<id>.json        experiment lock files that use this store (gc keeps what they name)
 *
 * Commit is atomic: files are hashed, linked into objects/, fsynced, the manifest is written beside
 * them and the whole tmp folder is renamed to a/<key> in one step. A crash at any point leaves either
 * no artifact or a complete one; leftovers in tmp/ and unreferenced objects are swept by `gc`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, linkSync, unlinkSync, chmodSync, openSync, fsyncSync, closeSync, statSync, readdirSync, mkdtempSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { hostname, cpus, platform, arch } from 'node:os';
import { UserError } from '../errors.js';
import { hashFile, listFiles, outputHash, type FileEntry } from './hash.js';
import { FingerprintCache } from './fingerprint.js';
import type { ArtifactRef } from '../stages/types.js';

export interface ArtifactMeta {
  btfArtifact: 1;
  key: string;
  kind: string;
  version: number;
  params: Record<string, unknown>;
  /** Input name -> key and output hash of the artifact that fed it (a list for `multiple` inputs). */
  inputs: Record<string, SpecInput | SpecInput[]>;
  outputHash: string;
  fileCount: number;
  totalBytes: number;
  summary: Record<string, unknown>;
  timings: { startedAt: string; finishedAt: string; seconds: number };
  environment: Record<string, unknown>;
  /** Stage id that first produced it (informational; ids never enter keys). */
  producedBy?: string;
  /** Unix ms when committed; files modified later than this are re-hashed on read. */
  committedAtMs: number;
}

export interface SpecInput {
  key: string;
  hash: string;
}

export interface StageSpec {
  key: string;
  kind: string;
  version: number;
  params: Record<string, unknown>;
  inputs: Record<string, SpecInput | SpecInput[]>;
  id?: string;
}

export class DamagedArtifactError extends UserError {}

/** Artifacts below this size are fully re-hashed on every read; larger ones are checked by size/mtime. */
const FULL_VERIFY_BYTES = 32 * 1024 * 1024;

export function baseEnvironment(): Record<string, unknown> {
  return { node: process.version, platform: platform(), arch: arch(), host: hostname(), cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length };
}

function fsyncPath(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    /* some filesystems refuse fsync on directories; the rename is still atomic */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n');
  fsyncPath(tmp);
  renameSync(tmp, path);
}

export class Store {
  readonly root: string;
  private fpCache: FingerprintCache | undefined;
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Content fingerprints of input paths, cached in the store by (size, mtime, inode). */
  fingerprints(): FingerprintCache {
    this.fpCache ??= new FingerprintCache(this.path('cache', 'fingerprints.json'));
    return this.fpCache;
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  artifactDir(key: string): string {
    return this.path('a', key);
  }

  has(key: string): boolean {
    return existsSync(join(this.artifactDir(key), 'meta.json'));
  }

  readMeta(key: string): ArtifactMeta {
    try {
      return JSON.parse(readFileSync(join(this.artifactDir(key), 'meta.json'), 'utf8')) as ArtifactMeta;
    } catch (e) {
      throw new DamagedArtifactError(`store ${this.root}: artifact ${key.slice(0, 12)} has an unreadable manifest (${(e as Error).message}); run 'btf fsck --repair'`);
    }
  }

  readFiles(key: string): FileEntry[] {
    return JSON.parse(readFileSync(join(this.artifactDir(key), 'files.json'), 'utf8')) as FileEntry[];
  }

  /** Files whose content no longer matches the manifest (`full` re-hashes every file). */
  damagedFiles(key: string, full: boolean): string[] {
    const meta = this.readMeta(key);
    let files: FileEntry[];
    try {
      files = this.readFiles(key);
    } catch {
      return ['files.json'];
    }
    const dataDir = join(this.artifactDir(key), 'data');
    const bad: string[] = [];
    for (const f of files) {
      const p = join(dataDir, f.path);
      let st;
      try {
        st = statSync(p);
      } catch {
        bad.push(`${f.path} (missing)`);
        continue;
      }
      if (st.size !== f.size) {
        bad.push(`${f.path} (size ${st.size}, expected ${f.size})`);
        continue;
      }
      if (full || st.mtimeMs > meta.committedAtMs) {
        if (hashFile(p).sha256 !== f.sha256) bad.push(`${f.path} (content changed)`);
      }
    }
    if (outputHash(files) !== meta.outputHash) bad.push('files.json (does not match the output hash)');
    return bad;
  }

  /** Opens a committed artifact for reading, verifying it first; damage is an error, never reuse. */
  open(key: string): ArtifactRef {
    const meta = this.readMeta(key);
    const bad = this.damagedFiles(key, meta.totalBytes <= FULL_VERIFY_BYTES);
    if (bad.length) {
      throw new DamagedArtifactError(`store ${this.root}: artifact ${key.slice(0, 12)} (${meta.kind}) is damaged: ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}; run 'btf fsck --repair' and re-run`);
    }
    return { key, hash: meta.outputHash, dir: join(this.artifactDir(key), 'data'), logDir: join(this.artifactDir(key), 'logs'), summary: meta.summary, kind: meta.kind };
  }

  /** A private folder for a running stage: `data/` is its outDir, `logs/` its (unhashed) logDir. */
  makeTmp(): { dir: string; outDir: string; logDir: string } {
    mkdirSync(this.path('tmp'), { recursive: true });
    const dir = mkdtempSync(join(this.path('tmp'), `${process.pid}-`));
    const outDir = join(dir, 'data');
    const logDir = join(dir, 'logs');
    mkdirSync(outDir);
    mkdirSync(logDir);
    return { dir, outDir, logDir };
  }

  workDir(key: string): string {
    const d = this.path('work', key);
    mkdirSync(d, { recursive: true });
    return d;
  }

  locksDir(): string {
    return this.path('locks');
  }

  /**
   * Commits a finished tmp folder as artifact `key`. Returns the meta. If the key already exists
   * (someone else committed it), the tmp folder is discarded and the existing meta returned.
   */
  commit(tmpDir: string, meta: Omit<ArtifactMeta, 'outputHash' | 'fileCount' | 'totalBytes' | 'committedAtMs' | 'btfArtifact'>): ArtifactMeta {
    const dataDir = join(tmpDir, 'data');
    const names = listFiles(dataDir);
    const files: FileEntry[] = [];
    let total = 0;
    for (const rel of names) {
      const p = join(dataDir, rel);
      fsyncPath(p);
      const { sha256, size } = hashFile(p);
      total += size;
      files.push({ path: rel, sha256, size });
      const obj = this.path('objects', sha256.slice(0, 2), sha256);
      mkdirSync(dirname(obj), { recursive: true });
      try {
        linkSync(p, obj);
        chmodSync(obj, 0o444);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // Same content already stored: share the existing object instead of keeping a copy.
        if (statSync(obj).size === size) {
          unlinkSync(p);
          linkSync(obj, p);
        }
      }
    }
    const full: ArtifactMeta = {
      btfArtifact: 1,
      ...meta,
      outputHash: outputHash(files),
      fileCount: files.length,
      totalBytes: total,
      committedAtMs: Date.now() + 1,
    };
    writeFileSync(join(tmpDir, 'files.json'), JSON.stringify(files) + '\n');
    writeFileSync(join(tmpDir, 'meta.json'), JSON.stringify(full, null, 1) + '\n');
    fsyncPath(join(tmpDir, 'files.json'));
    fsyncPath(join(tmpDir, 'meta.json'));
    for (const d of new Set(names.map((n) => dirname(join(dataDir, n))))) fsyncPath(d);
    fsyncPath(dataDir);
    fsyncPath(tmpDir);
    mkdirSync(this.path('a'), { recursive: true });
    const target = this.artifactDir(meta.key);
    try {
      renameSync(tmpDir, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && this.has(meta.key)) {
        rmSync(tmpDir, { recursive: true, force: true });
        return this.readMeta(meta.key);
      }
      throw e;
    }
    fsyncPath(this.path('a'));
    return full;
  }

  discardTmp(tmpDir: string): void {
    rmSync(tmpDir, { recursive: true, force: true });
  }

  writeSpec(spec: StageSpec): void {
    mkdirSync(this.path('specs'), { recursive: true });
    const p = this.path('specs', `${spec.key}.json`);
    if (!existsSync(p)) writeJsonAtomic(p, spec);
  }

  readSpec(key: string): StageSpec {
    const p = this.path('specs', `${key}.json`);
    if (!existsSync(p)) throw new UserError(`store ${this.root}: no stage spec for key ${key} (run 'btf plan' or 'btf run' first so the store knows it)`);
    return JSON.parse(readFileSync(p, 'utf8')) as StageSpec;
  }

  /** Records an experiment lock file as a gc root. */
  addRoot(lockFile: string): void {
    mkdirSync(this.path('roots'), { recursive: true });
    const id = Buffer.from(resolve(lockFile)).toString('base64url').slice(-100);
    const p = this.path('roots', `${id}.json`);
    if (!existsSync(p)) writeJsonAtomic(p, { lockFile: resolve(lockFile) });
  }

  listKeys(): string[] {
    try {
      return readdirSync(this.path('a')).filter((k) => /^[0-9a-f]{64}$/.test(k));
    } catch {
      return [];
    }
  }
}
