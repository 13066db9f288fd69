/** kill -9 mid-training then re-run with the same workDir: final bytes equal an uninterrupted run (pure-JS cpu). */
import { test } from 'node:test';
import { checkResume } from './resume-check.js';
import { makeBlobDataset } from './helpers.js';

test('resume after SIGKILL is bit-identical on cpu (16 px, tiny: the cpu backend is slow)', async () => {
  const data = makeBlobDataset(16, 16, 12);
  const params = { epochs: 2, batchSize: 4, seed: 4, mirror: true, snapshotEvery: 1, holdout: 4, model: { channels: 2, maxChannels: 4, latentDim: 4, beta: 1 }, schedule: { type: 'cosine', warmupSteps: 2 } };
  // 3 steps per epoch: step 5 is inside epoch 2.
  await checkResume('cpu', data, params, 5);
});
