/** kill -9 mid-training then re-run with the same workDir: final bytes equal an uninterrupted run (wasm). */
import { test } from 'node:test';
import { checkResume } from './resume-check.js';
import { makeBlobDataset } from './helpers.js';

test('resume after SIGKILL is bit-identical on wasm (32 px)', async () => {
  const data = makeBlobDataset(48, 32, 11);
  const params = { epochs: 2, batchSize: 8, seed: 3, mirror: true, snapshotEvery: 1, holdout: 8, model: { channels: 4, maxChannels: 8, latentDim: 8, beta: 1 }, schedule: { type: 'inverse-sigmoid' } };
  // 5 steps per epoch: step 7 is inside epoch 2, after epoch 1's snapshot.
  await checkResume('wasm', data, params, 7);
});
