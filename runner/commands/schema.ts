/** `btf schema`: print, write or check schemas/experiment.schema.json against the stage registry. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinRegistry } from '../stages/registry.js';
import { buildExperimentSchema, schemasDir, writeExperimentSchema } from '../config/schemas.js';
import { parse, out } from './common.js';

export const schemaUsage = 'btf schema [--write | --check]';
export const schemaSummary = 'print the experiment JSON Schema generated from the stage kinds (--write updates schemas/, --check compares)';

export async function schemaCommand(argv: string[]): Promise<number> {
  const { values } = parse('schema', argv, { write: { type: 'boolean' }, check: { type: 'boolean' } }, schemaUsage);
  if (values['help']) return (out(`usage: ${schemaUsage}\n${schemaSummary}`), 0);
  const registry = await builtinRegistry();
  if (values['write']) {
    out(`wrote ${writeExperimentSchema(registry)}`);
    return 0;
  }
  const text = JSON.stringify(buildExperimentSchema(registry), null, 2) + '\n';
  if (values['check']) {
    const onDisk = readFileSync(join(schemasDir(), 'experiment.schema.json'), 'utf8');
    if (onDisk !== text) {
      process.stderr.write(`${join(schemasDir(), 'experiment.schema.json')}:1:1: out of date with the stage registry; run 'btf schema --write'\n`);
      return 1;
    }
    out('schemas/experiment.schema.json is up to date');
    return 0;
  }
  process.stdout.write(text);
  return 0;
}
