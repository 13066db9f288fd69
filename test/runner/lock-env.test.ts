// Every training artifact records which tfjs backend ran and why, and the lock file carries the
// backend beside the hashes (it explains numeric differences between machines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, workspace } from '../helpers/cli.js';

test('a VAE trained through btf run records its backend in the manifest and the lock file', () => {
  const w = workspace(`stages:
  faces: { kind: dataset, params: { source: synthetic, count: 24, resolution: 32, seed: 3 } }
  vae:
    kind: train-vae
    inputs: { data: faces }
    params: { epochs: 1, batchSize: 8, model: { channels: 4, maxChannels: 8, latentDim: 4 } }
`);
  const r = btf(['run', w.file, '--store', w.store, '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const lock = JSON.parse(readFileSync(join(w.dir, 'exp.lock.json'), 'utf8'));
  assert.deepEqual(lock.stages.vae.environment, { backend: 'wasm' });
  assert.equal(lock.environment.compute.backend, 'wasm');
  const meta = JSON.parse(readFileSync(join(w.store, 'a', lock.stages.vae.key, 'meta.json'), 'utf8'));
  assert.equal(meta.environment['tfjs.backend'], 'wasm');
  assert.match(String(meta.environment['tfjs.backendReason']), /wasm/);
  // Wall-clock timings are kept but outside the output hash: a re-run into a scratch store matches.
  const v = btf(['verify', w.file, '--store', w.store, '--backend', 'wasm']);
  assert.equal(v.code, 0, v.stdout);
  assert.match(v.stdout, /vae \(train-vae\): match/);
});
