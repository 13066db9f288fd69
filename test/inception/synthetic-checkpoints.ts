/**
 * Test helper: the two ~95 MB synthetic FID Inception checkpoints (zip and legacy format) that
 * test/fixtures/inception/make_fixtures.py writes. They are too big to commit, so they are generated
 * on first use into a temp cache and regenerated whenever the generator script changes. PyTorch is
 * required: when it cannot be imported the helper throws (the test fails; it never silently passes).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TorchTensor } from '../../runner/io/torch-checkpoint.js';

export const fixturesDir = fileURLToPath(new URL('../../../test/fixtures/inception/', import.meta.url));

export interface SyntheticCheckpoints {
  dir: string;
  zip: { path: string; sha256: string };
  legacy: { path: string; sha256: string };
  weightsDigest: string;
}

/** The python with PyTorch: $BTF_PYTHON, else /usr/bin/python3 (where apt installs python3-torch), else python3. */
export function pythonWithTorch(): string {
  return process.env.BTF_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

export function syntheticCheckpoints(): SyntheticCheckpoints {
  const script = join(fixturesDir, 'make_fixtures.py');
  // Same as make_fixtures.py's generator_hash(): regenerate when the script or the network changes.
  const h = createHash('sha256');
  for (const f of ['make_fixtures.py', 'fid_inception_torch.py']) h.update(readFileSync(join(fixturesDir, f)));
  const scriptHash = h.digest('hex');
  const dir = join(process.env.BTF_TEST_CACHE ?? join(tmpdir(), 'btf-test-cache'), 'inception-synthetic');
  const manifestPath = join(dir, 'manifest.json');
  const read = () => JSON.parse(readFileSync(manifestPath, 'utf8'));
  let m = existsSync(manifestPath) ? read() : undefined;
  if (!m || m.generator !== scriptHash || !existsSync(join(dir, m.zip.file)) || !existsSync(join(dir, m.legacy.file))) {
    const py = pythonWithTorch();
    const r = spawnSync(py, [script, 'checkpoints', '--out', dir], { encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) {
      throw new Error(
        `cannot generate the synthetic Inception checkpoints with ${py} (PyTorch needed: apt install python3-torch, ` +
          `or set BTF_PYTHON to a python with torch): ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    m = read();
  }
  return {
    dir,
    zip: { path: join(dir, m.zip.file), sha256: m.zip.sha256 },
    legacy: { path: join(dir, m.legacy.file), sha256: m.legacy.sha256 },
    weightsDigest: m.weightsDigest,
  };
}

/** Same digest as make_fixtures.py's weights_digest: float tensors, keys sorted, key + NUL + float32 LE. */
export function weightsDigest(sd: Map<string, TorchTensor>): string {
  const h = createHash('sha256');
  const keys = [...sd.keys()].sort(); // ASCII keys: same order as Python's sorted()
  for (const k of keys) {
    const t = sd.get(k)!;
    if (!t.dtype.startsWith('float') && t.dtype !== 'bfloat16') continue;
    h.update(Buffer.from(k + '\0'));
    const f = t.toFloat32();
    h.update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  }
  return h.digest('hex');
}
