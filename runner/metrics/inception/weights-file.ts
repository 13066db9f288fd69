/**
 * Finds, verifies and (only when allowed) downloads the standard FID Inception weights file,
 * `pt_inception-2015-12-05-6726825d.pth` (pytorch-fid's port of TensorFlow's 2015-12-05 Inception).
 *
 * Search order: the configured path (`weights:`; when set, nothing else is tried), then
 * `$BTF_CACHE` (default `~/.cache/btf/`), then torch hub's checkpoint folder (`$TORCH_HOME/hub/
 * checkpoints`, default `~/.cache/torch/hub/checkpoints/`, where pytorch-fid itself caches it).
 * Verification follows torch hub's convention: the hex digits after the last '-' in the published
 * file name (6726825d) are the first digits of the file's sha256. No full hash is published, so a
 * prefix match is all that can be checked. Downloads happen only with `allowDownload` (CLI
 * `--allow-download`), never in tests, to a temp name that is renamed into the cache after it verifies.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../../errors.js';

export const FID_WEIGHTS_FILE = 'pt_inception-2015-12-05-6726825d.pth';
export const FID_WEIGHTS_URL = `https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/${FID_WEIGHTS_FILE}`;
export const FID_WEIGHTS_SHA256_PREFIX = '6726825d';

export interface WeightsFileOptions {
  /** Explicit path from the experiment (`weights:`); relative paths resolve against `baseDir`, `~/` to home. */
  weights?: string;
  baseDir?: string;
  /** Where to look for and download into; default `$BTF_CACHE` or `~/.cache/btf`. */
  cacheDir?: string;
  allowDownload?: boolean;
  /** Download source (default FID_WEIGHTS_URL; tests point it at a local server). */
  url?: string;
  /** Expected sha256 (full, or a prefix); default the published prefix 6726825d. */
  expectedSha256?: string;
  /** Names the setting in messages, e.g. `experiments/x.yaml: evaluation.fid.weights`. */
  where?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface WeightsFile {
  path: string;
  sha256: string;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BTF_CACHE ? resolve(env.BTF_CACHE) : join(homedir(), '.cache', 'btf');
}

function torchHubDir(env: NodeJS.ProcessEnv): string {
  const torchHome = env.TORCH_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'torch');
  return join(torchHome, 'hub', 'checkpoints');
}

/** The folders searched when no explicit path is configured, in order. */
export function searchDirs(opts: WeightsFileOptions = {}): string[] {
  const env = opts.env ?? process.env;
  return [opts.cacheDir ?? defaultCacheDir(env), torchHubDir(env)];
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function verify(path: string, expected: string): Promise<string> {
  const got = await sha256File(path);
  if (!got.startsWith(expected.toLowerCase())) {
    throw new UserError(
      `${path}: sha256 ${got} does not start with ${expected} — the file is corrupt, truncated or not the FID Inception weights; ` +
        `delete it and download it again from ${FID_WEIGHTS_URL}`,
    );
  }
  return got;
}

function missing(opts: WeightsFileOptions, tried: string[]): UserError {
  const where = opts.where ? `${opts.where}: ` : '';
  const target = join(searchDirs(opts)[0]!, FID_WEIGHTS_FILE);
  return new UserError(`${where}FID Inception weights not found (looked for ${tried.join(', ')})`, [
    `download ${FID_WEIGHTS_URL}`,
    `and put it at ${target} (or set the fid stage's \`weights:\` to its path),`,
    'or run with --allow-download to fetch it, or use `features: inception-random` (numbers then not comparable with published FIDs)',
  ]);
}

/** The configured path, absolute: `~/` expands to the home folder, relative resolves against baseDir. */
function explicitPath(opts: WeightsFileOptions): string {
  const w = opts.weights!;
  return /^~[/\\]/.test(w) ? join(homedir(), w.slice(2)) : resolve(opts.baseDir ?? '.', w);
}

/** Finds the weights without reading them; undefined when absent. */
export function findWeightsFile(opts: WeightsFileOptions = {}): string | undefined {
  if (opts.weights) {
    const p = explicitPath(opts);
    return existsSync(p) ? p : undefined;
  }
  return searchDirs(opts).map((d) => join(d, FID_WEIGHTS_FILE)).find((p) => existsSync(p));
}

/** Locates (or downloads, when allowed) and verifies the weights file; returns its path and sha256. */
export async function resolveWeightsFile(opts: WeightsFileOptions = {}): Promise<WeightsFile> {
  const expected = opts.expectedSha256 ?? FID_WEIGHTS_SHA256_PREFIX;
  const found = findWeightsFile(opts);
  if (found) {
    return { path: found, sha256: await verify(found, expected) };
  }
  if (opts.weights) {
    // An explicit path is a promise the user made: do not silently use another copy.
    const p = explicitPath(opts);
    const where = opts.where ? `${opts.where}: ` : '';
    throw new UserError(`${where}weights file ${p} does not exist`, [`download ${FID_WEIGHTS_URL} to that path, or remove \`weights:\` to use the cache folder`]);
  }
  const tried = searchDirs(opts).map((d) => join(d, FID_WEIGHTS_FILE));
  if (!opts.allowDownload) throw missing(opts, tried);
  const target = tried[0]!;
  await download(opts.url ?? FID_WEIGHTS_URL, target, expected, opts.log);
  return { path: target, sha256: await verify(target, expected) };
}

/** Streams `url` to a temp file beside `target`, checks the hash, then renames it into place. */
async function download(url: string, target: string, expected: string, log?: (line: string) => void): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.part`;
  log?.(`downloading ${url} -> ${target}`);
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (e) {
    throw new UserError(`cannot download ${url} (${(e as Error).message}); download it by hand and put it at ${target}`);
  }
  if (!res.ok || !res.body) throw new UserError(`cannot download ${url}: HTTP ${res.status}; download it by hand and put it at ${target}`);
  const hash = createHash('sha256');
  const out = createWriteStream(tmp);
  try {
    let bytes = 0;
    const total = Number(res.headers.get('content-length') ?? 0);
    let nextReport = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      bytes += chunk.length;
      if (bytes >= nextReport) {
        log?.(`  ${(bytes / 2 ** 20).toFixed(1)}${total ? ` / ${(total / 2 ** 20).toFixed(1)}` : ''} MiB`);
        nextReport += 10 * 2 ** 20;
      }
    }
    await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
    const got = hash.digest('hex');
    if (!got.startsWith(expected)) throw new UserError(`downloaded ${url} but its sha256 ${got} does not start with ${expected}; not installed`);
    renameSync(tmp, target);
  } catch (e) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
}
