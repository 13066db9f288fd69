/** `btf run` and `btf plan`: load, plan with reasons, execute the DAG with listr2 progress. */
import { resolve } from 'node:path';
import { UserError, Interrupted } from '../errors.js';
import { loadExperiment, type Experiment } from '../config/experiment.js';
import { loadRegistry, type Registry } from '../stages/registry.js';
import { planExperiment, type ForceSpec, type PlannedStage } from '../graph/plan.js';
import { runExperiment } from '../exec/scheduler.js';
import { lockPathFor, readLock } from '../lockfile/lockfile.js';
import { createRunUi } from '../progress/ui.js';
import { sweepTmp } from '../store/maintenance.js';
import { placement } from '../exec/placement.js';
import type { ComputeRequest } from '../stages/types.js';
import { parse, openStore, intOption, requireFile, out, STORE_OPTION, COMPUTE_OPTIONS } from './common.js';

export const runUsage = 'btf run EXPERIMENT [--jobs N] [--force] [--force-stage ID]... [--backend auto|tensorflow|wasm|cpu] [--workers N] [--executor inline|process] [--store DIR] [--allow-download]';
export const runSummary = 'run the stages whose keys are not in the store, in DAG order';
export const planUsage = 'btf plan EXPERIMENT [--json] [--force] [--force-stage ID]... [--store DIR]';
export const planSummary = 'show every stage with the reason it will run or not (cached, new, params changed, ...)';

const FORCE_OPTIONS = { force: { type: 'boolean' }, 'force-stage': { type: 'string', multiple: true } } as const;

function forceSpec(exp: Experiment, values: Record<string, unknown>): ForceSpec {
  const ids = new Set((values['force-stage'] as string[] | undefined) ?? []);
  for (const id of ids) if (!exp.stages.some((s) => s.id === id)) throw new UserError(`btf: --force-stage ${id}: no such stage in ${exp.file}`);
  return { all: !!values['force'], ids };
}

export function computeFrom(cmd: string, exp: Experiment | undefined, values: Record<string, unknown>): ComputeRequest {
  const backend = (values['backend'] as string | undefined) ?? exp?.compute.backend ?? 'auto';
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UserError(`btf ${cmd}: --backend must be auto, tensorflow, wasm or cpu (got '${backend}')`);
  const workers = intOption(cmd, 'workers', values['workers'] as string | undefined, exp?.compute.workers ?? 1);
  return { backend: backend as ComputeRequest['backend'], workers };
}

function load(cmd: string, positionals: string[], usage: string, registry: Registry): Experiment {
  if (positionals.length !== 1) throw new UserError(`btf ${cmd}: expected one experiment file; usage: ${usage}`);
  return loadExperiment(requireFile(cmd, positionals[0], 'experiment file', usage), registry);
}

export async function planCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parse('plan', argv, { json: { type: 'boolean' }, ...FORCE_OPTIONS, ...STORE_OPTION }, planUsage);
  if (values['help']) return (out(`usage: ${planUsage}\n${planSummary}`), 0);
  const registry = await loadRegistry();
  const exp = load('plan', positionals, planUsage, registry);
  const store = openStore(values['store'] as string | undefined, exp.file);
  const plan = planExperiment(exp, registry, store, readLock(lockPathFor(exp.file)), forceSpec(exp, values));
  if (values['json']) out(JSON.stringify({ experiment: exp.file, store: store.root, stages: plan }, null, 2));
  else printPlan(plan);
  return 0;
}

export function printPlan(plan: PlannedStage[]): void {
  const w = Math.max(...plan.map((p) => p.id.length), 4);
  const kw = Math.max(...plan.map((p) => p.kind.length), 4);
  for (const p of plan) {
    const deps = Object.values(p.inputs).flat();
    out(`${p.id.padEnd(w)}  ${p.kind.padEnd(kw)}  ${p.reason.padEnd(19)} ${p.detail}${deps.length ? `  <- ${[...new Set(deps)].join(', ')}` : ''}${p.accelerator ? '  [accelerator]' : ''}`);
  }
  const n = plan.filter((p) => p.reason !== 'cached').length;
  out(`${plan.length} stages: ${plan.length - n} cached, ${n} to run`);
}

export async function runCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parse(
    'run',
    argv,
    { jobs: { type: 'string', short: 'j' }, executor: { type: 'string' }, 'allow-download': { type: 'boolean' }, ...FORCE_OPTIONS, ...STORE_OPTION, ...COMPUTE_OPTIONS },
    runUsage,
  );
  if (values['help']) return (out(`usage: ${runUsage}\n${runSummary}`), 0);
  const registry = await loadRegistry();
  const exp = load('run', positionals, runUsage, registry);
  const store = openStore(values['store'] as string | undefined, exp.file);
  const compute = computeFrom('run', exp, values);
  const jobs = intOption('run', 'jobs', values['jobs'] as string | undefined, 2);
  const executor = (values['executor'] as string | undefined) ?? 'inline';
  if (executor !== 'inline' && executor !== 'process') throw new UserError(`btf run: --executor must be inline or process (got '${executor}')`);
  if (values['allow-download']) process.env['BTF_ALLOW_DOWNLOAD'] = '1';
  sweepTmp(store);
  const lockPath = lockPathFor(exp.file);
  const force = forceSpec(exp, values);
  const plan = planExperiment(exp, registry, store, readLock(lockPath), force);
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      process.stderr.write('btf: interrupted twice, exiting now (locks are released, partial work is discarded)\n');
      process.exit(130);
    }
    process.stderr.write('\nbtf: interrupting: stopping running stages, nothing partial will be committed (Ctrl-C again to force)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = !!process.stdout.isTTY && !process.env['CI'];
  const ui = createRunUi(plan.map((p) => ({ id: p.id, kind: p.kind, reason: p.reason === 'cached' ? '' : `(${p.reason})` })), tty);
  const uiDone = ui.run();
  const t0 = Date.now();
  const place = placement(compute, jobs);
  if (plan.some((p) => p.accelerator && p.reason !== 'cached')) out(`compute: ${place.reason}`);
  const outcome = await runExperiment(exp, registry, store, { jobs, force, signal: controller.signal, events: ui.events, executor, compute, lockPath, placement: place });
  await uiDone;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const ran = [...outcome.results.values()].filter((r) => !r.cached).length;
  const cached = [...outcome.results.values()].filter((r) => r.cached).length;
  if (outcome.ok) {
    out(`done in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${ran} ran, ${cached} cached; lock file ${resolve(lockPath)}`);
    return 0;
  }
  if (controller.signal.aborted) throw new Interrupted(`interrupted: ${ran} stages committed before the interrupt, nothing partial kept; re-run to continue`);
  const first = outcome.errors[0]!;
  if (first.error instanceof UserError) throw new UserError(first.error.message, [...first.error.lines, ...outcome.errors.slice(1).map((e) => `stage ${e.id}: ${e.error.message}`)]);
  const err = new Error(first.error.message.startsWith('stage ') ? first.error.message : `stage ${first.id} failed: ${first.error.message}`);
  err.stack = first.error.stack;
  throw err;
}
