// The experiment schema editors use is generated from the registry and must be up to date; every
// built-in kind has its params schema file, and every shipped experiment validates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, REPO } from '../helpers/cli.js';
import { builtinRegistry } from '../../runner/stages/registry.js';

test('schemas/experiment.schema.json is in step with the registry (btf schema --check)', () => {
  const r = btf(['schema', '--check']);
  assert.equal(r.code, 0, r.stderr);
});

test('every built-in kind has a params schema file and a version', async () => {
  const reg = await builtinRegistry();
  assert.ok(reg.names().length >= 2);
  for (const k of reg.all()) {
    assert.equal(typeof k.paramsSchema, 'string', `${k.kind}: built-ins keep their schema in schemas/stages/`);
    assert.ok(existsSync(join(REPO, 'schemas', 'stages', k.paramsSchema as string)), `${k.kind}: schemas/stages/${String(k.paramsSchema)}`);
    assert.ok(Number.isInteger(k.version) && k.version >= 1);
  }
});

test('every experiment shipped in experiments/ validates and starts with the schema line', () => {
  const dir = join(REPO, 'experiments');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 1);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.match(text.split('\n')[0]!, /^# yaml-language-server: \$schema=\.\.\/schemas\/experiment\.schema\.json$/, f);
    const r = btf(['validate', join(dir, f)], { env: { BTF_PLUGINS: '' } });
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
  }
});
