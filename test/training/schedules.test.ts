/** Schedules: values at known points, monotonicity, warm-up, the shared schema, and an SVG plot of each. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { makeSchedule, scheduleFactor, scheduleTypes, type ScheduleSpec } from '../../runner/training/schedules.js';
import { linePlotSvg, plotScales, fmt } from '../../runner/report/svg-plot.js';

const close = (a: number, b: number, eps = 1e-12): void => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} != ${b}`);
const T = 1000;

test('every schedule starts at lr0 without warm-up and never increases', () => {
  for (const type of scheduleTypes) {
    const lr = makeSchedule({ type }, 0.002);
    close(lr(0, T), 0.002);
    for (let t = 1; t < T; t++) assert.ok(lr(t, T) <= lr(t - 1, T) + 1e-15, `${type} increases at ${t}`);
  }
});

test('known points', () => {
  // constant
  close(scheduleFactor({ type: 'constant' }, 777, T), 1);
  // step: x0.1 at 50% and again at 75%
  const st: ScheduleSpec = { type: 'step', gamma: 0.1, milestones: [0.5, 0.75] };
  close(scheduleFactor(st, 499, T), 1);
  close(scheduleFactor(st, 500, T), 0.1);
  close(scheduleFactor(st, 750, T), 0.01);
  // exponential: m^u
  close(scheduleFactor({ type: 'exponential', minFactor: 0.01 }, 500, T), 0.1);
  close(scheduleFactor({ type: 'exponential', minFactor: 0.01 }, T, T), 0.01);
  // cosine: halfway is the mean of 1 and m
  close(scheduleFactor({ type: 'cosine', minFactor: 0.2 }, 500, T), 0.6);
  close(scheduleFactor({ type: 'cosine', minFactor: 0.2 }, T, T), 0.2);
  // inverse sigmoid: symmetric about the midpoint, so halfway is the mean of 1 and m; ends at m
  const is: ScheduleSpec = { type: 'inverse-sigmoid', steepness: 10, midpoint: 0.5, minFactor: 0.1 };
  close(scheduleFactor(is, 500, T), 0.55);
  close(scheduleFactor(is, T, T), 0.1);
  // and by the formula at u = 0.25: s(u) = 1/(1+e^{10(u-0.5)})
  const s = (u: number): number => 1 / (1 + Math.exp(10 * (u - 0.5)));
  close(scheduleFactor(is, 250, T), 0.1 + 0.9 * (s(0.25) - s(1)) / (s(0) - s(1)));
  // steeper sigmoid stays higher before the midpoint and lower after it
  assert.ok(scheduleFactor({ ...is, steepness: 30 }, 300, T) > scheduleFactor(is, 300, T));
  assert.ok(scheduleFactor({ ...is, steepness: 30 }, 700, T) < scheduleFactor(is, 700, T));
});

test('linear warm-up then the decay over the remaining steps', () => {
  const spec: ScheduleSpec = { type: 'cosine', minFactor: 0, warmupSteps: 100 };
  close(scheduleFactor(spec, 0, T), 1 / 100);
  close(scheduleFactor(spec, 49, T), 50 / 100);
  close(scheduleFactor(spec, 99, T), 1);
  close(scheduleFactor(spec, 100, T), 1);
  for (let t = 1; t < 100; t++) assert.ok(scheduleFactor(spec, t, T) > scheduleFactor(spec, t - 1, T));
  // the decay is stretched over T - W steps: halfway through them is step 550
  close(scheduleFactor(spec, 550, T), 0.5);
});

test('a level restarts its schedule: the function depends only on (step, totalSteps)', () => {
  const lr = makeSchedule({ type: 'inverse-sigmoid' }, 1e-3);
  assert.equal(lr(10, 200), lr(10, 200));
  close(lr(0, 50), 1e-3);
  close(lr(0, 5000), 1e-3);
});

test('schedule schema: resolved by relative $ref from a stage schema, defaults filled, strict mode', () => {
  const schemas = fileURLToPath(new URL('../../../schemas/', import.meta.url));
  const def = JSON.parse(readFileSync(join(schemas, 'defs/schedule.schema.json'), 'utf8'));
  const stage = JSON.parse(readFileSync(join(schemas, 'stages/train-vae.schema.json'), 'utf8'));
  const ajv = new Ajv2020({ strict: true, useDefaults: true, allErrors: true });
  ajv.addSchema(def);
  ajv.addSchema(stage);
  const validate = ajv.getSchema(stage.$id)!;
  assert.ok(validate, 'stage schema registered by $id');
  const p: Record<string, any> = { schedule: { type: 'cosine' } };
  assert.ok(validate(p), ajv.errorsText(validate.errors));
  assert.equal(p.schedule.minFactor, 0.01);
  assert.equal(p.schedule.warmupSteps, 0);
  const empty: Record<string, any> = {};
  assert.ok(validate(empty), ajv.errorsText(validate.errors));
  assert.equal(empty.schedule.type, 'inverse-sigmoid');
  assert.equal(empty.schedule.steepness, 10);
  assert.ok(!validate({ schedule: { type: 'linear' } }));
  assert.ok(!validate({ schedule: { type: 'step', gama: 0.5 } }), 'unknown keys are rejected');
});

test('SVG plot of every schedule: polyline points are the function values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-schedules-'));
  const steps = Array.from({ length: 101 }, (_, i) => i * 10);
  const series = scheduleTypes.map((type) => ({ label: type, x: steps, y: steps.map((t) => scheduleFactor({ type, warmupSteps: 50 }, t, T)) }));
  const svg = linePlotSvg(series, { title: 'lr schedules', xLabel: 'step', yLabel: 'lr / lr0' });
  writeFileSync(join(dir, 'schedules.svg'), svg);
  const { sx, sy } = plotScales(series);
  const polylines = [...svg.matchAll(/<polyline data-series="([^"]+)"[^>]* points="([^"]+)"/g)];
  assert.equal(polylines.length, scheduleTypes.length);
  for (const [, label, points] of polylines) {
    const type = label as ScheduleSpec['type'];
    const pts = points!.split(' ').map((p) => p.split(',').map(Number));
    assert.equal(pts.length, steps.length);
    pts.forEach(([x, y], k) => {
      assert.equal(x, Number(fmt(sx(steps[k]!))));
      assert.equal(y, Number(fmt(sy(scheduleFactor({ type, warmupSteps: 50 }, steps[k]!, T)))));
    });
  }
  assert.ok(svg.startsWith('<svg') && svg.includes('lr schedules'));
  assert.equal(linePlotSvg(series, { title: 'lr schedules', xLabel: 'step', yLabel: 'lr / lr0' }), svg, 'deterministic output');
});
