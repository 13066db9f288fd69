/**
 * The `btf` command line: dispatches to one module per command. User mistakes (UserError) print as
 * one line each and exit 2; an interrupt exits 130; anything else is a bug or a failed stage, printed
 * as one line (the stack only with BTF_DEBUG=1) with exit 1.
 */
import { readFileSync } from 'node:fs';
import { UserError, Interrupted } from './errors.js';
import { didYouMean } from './config/suggest.js';
import { validateCommand, usage as validateUsage, summary as validateSummary } from './commands/validate.js';
import { runCommand, planCommand, runUsage, runSummary, planUsage, planSummary } from './commands/run.js';
import { fsckCommand, gcCommand, execCommand, fsckUsage, fsckSummary, gcUsage, gcSummary, execUsage, execSummary } from './commands/store-cmds.js';
import { verifyCommand, diffCommand, verifyUsage, verifySummary, diffUsage, diffSummary } from './commands/repro.js';
import { schemaCommand, schemaUsage, schemaSummary } from './commands/schema.js';

interface Command {
  run(argv: string[]): Promise<number>;
  usage: string;
  summary: string;
}

const COMMANDS: Record<string, Command> = {
  run: { run: runCommand, usage: runUsage, summary: runSummary },
  plan: { run: planCommand, usage: planUsage, summary: planSummary },
  validate: { run: validateCommand, usage: validateUsage, summary: validateSummary },
  verify: { run: verifyCommand, usage: verifyUsage, summary: verifySummary },
  diff: { run: diffCommand, usage: diffUsage, summary: diffSummary },
  fsck: { run: fsckCommand, usage: fsckUsage, summary: fsckSummary },
  gc: { run: gcCommand, usage: gcUsage, summary: gcSummary },
  exec: { run: execCommand, usage: execUsage, summary: execSummary },
  schema: { run: schemaCommand, usage: schemaUsage, summary: schemaSummary },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'btf — declarative, content-hashed experiments on face datasets (behind-the-face)',
    '',
    'usage: btf COMMAND [options]   (btf COMMAND --help for its options)',
    '',
    ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(w)}  ${c.summary}`),
    '',
    'Store: --store DIR, else $BTF_STORE, else artifacts/ in the experiment\'s project folder.',
    'Exit codes: 0 ok, 1 a stage failed / verify or diff found differences / fsck found damage, 2 bad input, 130 interrupted.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      const sub = cmd === 'help' ? rest[0] : undefined;
      if (sub && COMMANDS[sub]) process.stdout.write(`usage: ${COMMANDS[sub]!.usage}\n${COMMANDS[sub]!.summary}\n`);
      else process.stdout.write(help() + '\n');
      return cmd ? 0 : 2;
    }
    if (cmd === '--version' || cmd === '-v') {
      process.stdout.write(`btf ${version()}\n`);
      return 0;
    }
    const command = COMMANDS[cmd];
    if (!command) throw new UserError(`btf: unknown command '${cmd}'${didYouMean(cmd, Object.keys(COMMANDS))}; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UserError) {
      for (const line of [e.message, ...e.lines]) process.stderr.write(`${line}\n`);
      return 2;
    }
    if (e instanceof Interrupted) {
      process.stderr.write(`btf: ${e.message}\n`);
      return 130;
    }
    const err = e as Error;
    process.stderr.write(`btf: ${err?.message ?? String(e)}${process.env['BTF_DEBUG'] ? `\n${err?.stack ?? ''}` : ' (BTF_DEBUG=1 shows the stack)'}\n`);
    return 1;
  }
}
