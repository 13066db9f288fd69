// Keys: canonical JSON, golden hashes pinned, and nothing but {kind, version, params, input hashes}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, stageKey } from '../../runner/graph/canonical.js';
import { hashFolder } from '../../runner/store/hash.js';

test('canonical JSON sorts keys, drops undefined, normalises -0 and rejects NaN', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: -0, e: 1e21, f: 0.1 }), '{"a":[true,null,"x"],"b":1,"d":0,"e":1e+21,"f":0.1}');
  assert.throws(() => canonicalJson({ x: NaN }));
  assert.equal(canonicalJson({ a: { z: 1, y: 2 } }), canonicalJson({ a: { y: 2, z: 1 } }));
});

test('stage keys are pinned (changing them invalidates every store: bump deliberately)', () => {
  const key = stageKey({ kind: 'dataset', version: 1, params: { resolution: 64, seed: 0 }, inputs: {} });
  // = printf '%s' '{"inputs":{},"kind":"dataset","params":{"resolution":64,"seed":0},"version":1}' | sha256sum
  assert.equal(key, 'c808cc33f8c725248ac6c8e48c9a6dd40221c59e72fe20758f0890c91ddde636');
  assert.equal(key, stageKey({ kind: 'dataset', version: 1, params: { seed: 0, resolution: 64 }, inputs: {} }));
  assert.notEqual(key, stageKey({ kind: 'dataset', version: 2, params: { resolution: 64, seed: 0 }, inputs: {} }));
  assert.notEqual(key, stageKey({ kind: 'dataset', version: 1, params: { resolution: 64, seed: 1 }, inputs: {} }));
  assert.notEqual(stageKey({ kind: 'k', version: 1, params: {}, inputs: { a: 'h1' } }), stageKey({ kind: 'k', version: 1, params: {}, inputs: { a: 'h2' } }));
  assert.notEqual(stageKey({ kind: 'k', version: 1, params: {}, inputs: { a: 'h1' } }), stageKey({ kind: 'k', version: 1, params: {}, inputs: { b: 'h1' } }));
});

test('output hash = sha256 of the sorted sha256sum-style manifest; names of folders do not matter', () => {
  const make = (root: string) => {
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'b.txt'), 'bee\n');
    writeFileSync(join(root, 'a.txt'), 'ay\n');
    writeFileSync(join(root, 'sub', 'c.bin'), Buffer.from([0, 1, 2]));
  };
  const x = mkdtempSync(join(tmpdir(), 'btf-h-'));
  const y = mkdtempSync(join(tmpdir(), 'btf-other-name-'));
  make(x);
  make(y);
  const hx = hashFolder(x);
  assert.equal(hx.hash, hashFolder(y).hash);
  assert.deepEqual(hx.files.map((f) => f.path), ['a.txt', 'b.txt', 'sub/c.bin']);
  assert.equal(hx.files[0]!.sha256, '515f97e456a05d05061517d9eade92bbb2df9cbf2cf75f28c204a67cafd3510f'); // printf 'ay\n' | sha256sum
  // Same as coreutils: (cd DIR && find . -type f | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum | sha256sum)
  assert.equal(hx.hash, 'be1fed1c7e889a62b2fe1f2ee200df422b257c110c7b432c318fbf6259f0f3a4');
  writeFileSync(join(y, 'a.txt'), 'ay!\n');
  assert.notEqual(hx.hash, hashFolder(y).hash);
});
