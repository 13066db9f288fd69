/**
 * Locating, verifying and downloading the FID weights file, with temp folders standing in for
 * $BTF_CACHE and torch hub's cache and a local HTTP server standing in for GitHub (no internet):
 * - absent everywhere -> UserError with the download URL and the exact target path;
 * - an explicit `weights:` path that does not exist -> UserError naming it (no silent fallback);
 * - search order: BTF cache before torch hub; hash verified (prefix convention) before use;
 * - allowDownload streams into the cache under a temp name and keeps it only when the hash matches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../runner/errors.js';
import { FID_WEIGHTS_FILE, FID_WEIGHTS_URL, defaultCacheDir, findWeightsFile, resolveWeightsFile, searchDirs } from '../../runner/metrics/inception/weights-file.js';

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), 'btf-weights-'));
  const env = { BTF_CACHE: join(root, 'btf'), TORCH_HOME: join(root, 'torch') };
  return { root, env, btf: join(root, 'btf', FID_WEIGHTS_FILE), hub: join(root, 'torch', 'hub', 'checkpoints', FID_WEIGHTS_FILE) };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function put(path: string, content: string): Buffer {
  mkdirSync(join(path, '..'), { recursive: true });
  const b = Buffer.from(content);
  writeFileSync(path, b);
  return b;
}

test('cache folders: $BTF_CACHE (else ~/.cache/btf), then $TORCH_HOME/hub/checkpoints', () => {
  const s = sandbox();
  assert.deepStrictEqual(searchDirs({ env: s.env }), [join(s.root, 'btf'), join(s.root, 'torch', 'hub', 'checkpoints')]);
  assert.match(defaultCacheDir({}), /\.cache[/\\]btf$/);
});

test('absent weights: the error names the URL and where to put the file', async () => {
  const s = sandbox();
  await assert.rejects(resolveWeightsFile({ env: s.env, where: 'exp.yaml: evaluation.fid' }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /^exp\.yaml: evaluation\.fid: FID Inception weights not found/);
    assert.ok(e.message.includes(s.btf) && e.message.includes(s.hub), 'lists both places looked in');
    assert.ok(e.lines.some((l) => l.includes(FID_WEIGHTS_URL)));
    assert.ok(e.lines.some((l) => l.includes(`put it at ${s.btf}`)));
    return true;
  });
});

test('an explicit weights path that does not exist is an error, even if the cache has a copy', async () => {
  const s = sandbox();
  const b = put(s.btf, 'cached copy');
  await assert.rejects(resolveWeightsFile({ env: s.env, weights: 'nope.pth', baseDir: s.root, expectedSha256: sha(b) }), (e: unknown) =>
    e instanceof UserError && e.message.includes(join(s.root, 'nope.pth')) && /does not exist/.test(e.message));
});

test('explicit weights paths: relative to baseDir, ~/ expands to the home folder', async () => {
  const s = sandbox();
  assert.equal(findWeightsFile({ env: s.env, weights: 'm.pth', baseDir: s.root }), undefined);
  put(join(s.root, 'm.pth'), 'x');
  assert.equal(findWeightsFile({ env: s.env, weights: 'm.pth', baseDir: s.root }), join(s.root, 'm.pth'));
  await assert.rejects(resolveWeightsFile({ weights: '~/.btf-no-such-weights.pth' }), (e: unknown) =>
    e instanceof UserError && e.message.includes(`weights file ${join(homedir(), '.btf-no-such-weights.pth')} does not exist`));
});

test('BTF cache wins over torch hub; torch hub is used when it is the only copy; hashes are checked', async () => {
  const s = sandbox();
  const hub = put(s.hub, 'hub copy');
  const found = await resolveWeightsFile({ env: s.env, expectedSha256: sha(hub).slice(0, 8) });
  assert.equal(found.path, s.hub);
  assert.equal(found.sha256, sha(hub));
  const btf = put(s.btf, 'btf copy');
  assert.equal((await resolveWeightsFile({ env: s.env, expectedSha256: sha(btf) })).path, s.btf);
  // Default expectation is the published prefix 6726825d: these bytes are not the real file.
  await assert.rejects(resolveWeightsFile({ env: s.env }), (e: unknown) =>
    e instanceof UserError && e.message.startsWith(`${s.btf}: sha256 ${sha(btf)} does not start with 6726825d`));
});

test('allowDownload fetches into the cache and keeps the file only when its hash matches', async () => {
  const body = Buffer.from('pretend weights '.repeat(1000));
  const server = createServer((req, res) => {
    if (req.url === '/redirect') { res.writeHead(302, { location: '/file' }); res.end(); return; }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/redirect`;
  try {
    const s = sandbox();
    const lines: string[] = [];
    await assert.rejects(resolveWeightsFile({ env: s.env, url }), (e: unknown) => e instanceof UserError && /not found/.test(e.message),
      'no download without allowDownload');
    const got = await resolveWeightsFile({ env: s.env, url, allowDownload: true, expectedSha256: sha(body), log: (l) => lines.push(l) });
    assert.equal(got.path, s.btf);
    assert.deepStrictEqual(readFileSync(got.path), body);
    assert.equal(got.sha256, sha(body));
    assert.ok(lines[0]!.startsWith(`downloading ${url}`));

    const bad = sandbox();
    await assert.rejects(resolveWeightsFile({ env: bad.env, url, allowDownload: true }), (e: unknown) =>
      e instanceof UserError && /does not start with 6726825d; not installed/.test(e.message));
    assert.equal(existsSync(bad.btf), false);
    assert.deepStrictEqual(readdirSync(join(bad.root, 'btf')), [], 'the partial file is removed');
  } finally {
    server.close();
  }
});
