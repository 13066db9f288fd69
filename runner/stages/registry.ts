/**
 * The stage registry: kind name -> StageKind. Built-in kinds are listed here; plugins (modules named
 * in BTF_PLUGINS, comma-separated absolute paths, each exporting `stages: StageKind[]`) add more —
 * the test suite uses this for its small test stages, a lab can use it for its own stage kinds.
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { StageKind } from './types.js';

/** Built-in kinds, in the order docs list them. Each lives in its own module under runner/stages/. */
async function builtinKinds(): Promise<StageKind[]> {
  const mods = await Promise.all(BUILTIN_MODULES.map((m) => import(m)));
  return mods.map((m, i) => {
    const k = (m as Record<string, unknown>)[BUILTIN_EXPORTS[i]!] as StageKind | undefined;
    if (!k) throw new Error(`stage module ${BUILTIN_MODULES[i]} does not export ${BUILTIN_EXPORTS[i]}`);
    return k;
  });
}

/** Module path (relative to this file) and export name of each built-in kind. */
const BUILTINS: Array<[string, string]> = [
  ['./dataset.js', 'datasetStage'],
  ['./mask.js', 'maskStage'],
  ['./composite.js', 'compositeStage'],
  ['./weigh.js', 'weighStage'],
  ['./train-vae.js', 'trainVaeKind'],
  ['./train-stylegan.js', 'trainStyleGanKind'],
  ['./fid-stats.js', 'fidStatsStage'],
  ['./fid.js', 'fidStage'],
  ['./pca.js', 'pcaStage'],
  ['./traverse.js', 'traverseStage'],
  ['./report.js', 'reportStage'],
  ['./compare.js', 'compareStage'],
];
const BUILTIN_MODULES = BUILTINS.map(([m]) => m);
const BUILTIN_EXPORTS = BUILTINS.map(([, e]) => e);

export class Registry {
  private readonly kinds = new Map<string, StageKind>();
  /** Kinds that came from plugins (their params schema may be an inline object). */
  readonly pluginKinds = new Set<string>();

  add(kind: StageKind, fromPlugin = false): void {
    if (this.kinds.has(kind.kind)) throw new Error(`stage kind '${kind.kind}' registered twice`);
    this.kinds.set(kind.kind, kind);
    if (fromPlugin) this.pluginKinds.add(kind.kind);
  }

  get(kind: string): StageKind | undefined {
    return this.kinds.get(kind);
  }

  names(): string[] {
    return [...this.kinds.keys()];
  }

  all(): StageKind[] {
    return [...this.kinds.values()];
  }
}

let cached: Promise<Registry> | undefined;

/** The registry of built-in kinds plus BTF_PLUGINS; loaded once per process. */
export function loadRegistry(): Promise<Registry> {
  cached ??= (async () => {
    const reg = new Registry();
    for (const k of await builtinKinds()) reg.add(k);
    const plugins = (process.env['BTF_PLUGINS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const p of plugins) {
      let mod: { stages?: StageKind[] };
      try {
        mod = (await import(pathToFileURL(resolve(p)).href)) as { stages?: StageKind[] };
      } catch (e) {
        throw new UserError(`BTF_PLUGINS: cannot load plugin ${p}: ${(e as Error).message}`);
      }
      if (!Array.isArray(mod.stages)) throw new UserError(`BTF_PLUGINS: plugin ${p} does not export 'stages' (an array of stage kinds)`);
      for (const k of mod.stages) reg.add(k, true);
    }
    return reg;
  })();
  return cached;
}

/** Only the built-in kinds (used to check that schemas/experiment.schema.json is up to date). */
export async function builtinRegistry(): Promise<Registry> {
  const reg = new Registry();
  for (const k of await builtinKinds()) reg.add(k);
  return reg;
}
