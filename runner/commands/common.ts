/** Shared pieces of the CLI commands: option parsing with located errors, store discovery, output. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { didYouMean } from '../config/suggest.js';
import { Store } from '../store/store.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export const STORE_OPTION: Options = { store: { type: 'string' } };
export const COMPUTE_OPTIONS: Options = { backend: { type: 'string' }, workers: { type: 'string' } };

export interface Parsed {
  values: Record<string, unknown>;
  positionals: string[];
}

export function parse(cmd: string, argv: string[], options: Options, usage: string): Parsed {
  try {
    const r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    const m = /Unknown option '([^']+)'/.exec((e as Error).message);
    if (m) {
      const names = Object.keys(options).map((o) => `--${o}`);
      throw new UserError(`btf ${cmd}: unknown option ${m[1]}${didYouMean(m[1]!, names)}; usage: ${usage}`);
    }
    throw new UserError(`btf ${cmd}: ${(e as Error).message.split('\n')[0]}; usage: ${usage}`);
  }
}

export function intOption(cmd: string, name: string, value: string | undefined, def: number, min = 1): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`btf ${cmd}: --${name} must be an integer >= ${min} (got '${value}')`);
  return n;
}

/** The project folder of a path: the nearest ancestor holding artifacts/, package.json or .git. */
function projectRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (['artifacts', 'package.json', '.git'].some((m) => existsSync(join(dir, m)))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** --store, else $BTF_STORE, else <project>/artifacts for the experiment (or cwd). */
export function openStore(flag: string | undefined, near?: string): Store {
  if (flag) return new Store(flag);
  if (process.env['BTF_STORE']) return new Store(process.env['BTF_STORE']);
  const from = near ? (existsSync(near) && statSync(near).isDirectory() ? near : dirname(resolve(near))) : process.cwd();
  return new Store(join(projectRoot(from) ?? process.cwd(), 'artifacts'));
}

export function requireFile(cmd: string, path: string | undefined, what: string, usage: string): string {
  if (!path) throw new UserError(`btf ${cmd}: missing ${what}; usage: ${usage}`);
  if (!existsSync(path)) throw new UserError(`${path}:1:1: (root): no such file`);
  return path;
}

export function out(line = ''): void {
  process.stdout.write(line + '\n');
}
