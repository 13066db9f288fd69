/**
 * Through the real runner (`btf run`): two fid-stats stages with the same dataset and params get
 * one key and one output (computed once, then a store hit), a different alpha gets its own key, and
 * a second run is all cached. This is what lets every fid stage share real statistics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, REPO, workspace } from '../helpers/cli.js';

const plugins = `${join(REPO, 'dist', 'test', 'evaluation', 'plugin.js')}`;
const stats = 'features: inception-random, inputSize: 75, featureBatch: 8';
const yaml = `name: eval-keys
compute: { backend: wasm }
stages:
  faces: { kind: dataset, params: { source: synthetic, count: 8, resolution: 32, seed: 3 } }
  s1: { kind: fid-stats, inputs: { images: faces }, params: { ${stats}, level: 16 } }
  s2: { kind: fid-stats, inputs: { images: faces }, params: { ${stats}, level: 16 } }
  s3: { kind: fid-stats, inputs: { images: faces }, params: { ${stats}, level: 16, alpha: 0.5 } }
`;

test('same dataset and params share one key and output; a rerun is all cached', () => {
  const w = workspace(yaml);
  const env = { BTF_PLUGINS: plugins };
  const r1 = btf(['run', '--store', w.store, '--jobs', '1', w.file], { env });
  assert.equal(r1.code, 0, r1.stderr + r1.stdout);
  const lock = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  assert.equal(lock.stages.s1.key, lock.stages.s2.key);
  assert.equal(lock.stages.s1.outputHash, lock.stages.s2.outputHash);
  assert.notEqual(lock.stages.s3.key, lock.stages.s1.key);
  assert.match(r1.stdout + r1.stderr, /s[12] \(fid-stats\) cached/);
  const r2 = btf(['run', '--store', w.store, w.file], { env });
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout + r2.stderr, /0 ran, 4 cached/);
});
