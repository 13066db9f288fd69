/** `btf validate FILE...`: schema and wiring checks only; prints every error, exit 2 if any. */
import { UserError } from '../errors.js';
import { loadExperiment } from '../config/experiment.js';
import { loadRegistry } from '../stages/registry.js';
import { parse, out } from './common.js';

export const usage = 'btf validate FILE...';
export const summary = 'check experiment files against the schemas and the stage wiring';

export async function validateCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parse('validate', argv, {}, usage);
  if (values['help']) return (out(`usage: ${usage}\n${summary}`), 0);
  if (positionals.length === 0) throw new UserError(`btf validate: no files given; usage: ${usage}`);
  const registry = await loadRegistry();
  const lines: string[] = [];
  for (const f of positionals) {
    try {
      const exp = loadExperiment(f, registry);
      out(`${f}: ok (${exp.stages.length} stages)`);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      lines.push(e.message, ...e.lines);
    }
  }
  if (lines.length) throw new UserError(lines[0]!, lines.slice(1));
  return 0;
}
