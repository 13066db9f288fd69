// Every malformed experiment file in test/fixtures/bad-experiments gives located one-line errors
// (`file:line:col: path: message`) and exit code 2, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { btf, REPO } from '../helpers/cli.js';

const dir = join(REPO, 'test', 'fixtures', 'bad-experiments');
const expectations = JSON.parse(readFileSync(join(dir, 'expectations.json'), 'utf8')) as Record<string, { file: string; line: number; col: number; message: string }>;

test('the corpus has at least 30 malformed files', () => {
  assert.ok(Object.keys(expectations).length >= 30);
});

for (const [file, want] of Object.entries(expectations)) {
  test(`bad experiment ${file}`, () => {
    const r = btf(['validate', file], { cwd: dir });
    assert.equal(r.code, 2, `exit code for ${file}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    for (const l of lines) {
      assert.match(l, /^[^\s:][^:]*:\d+:\d+: \S.*$/, `every line is file:line:col: message (${l})`);
      assert.doesNotMatch(l, /^\s+at /, 'no stack trace');
    }
    // Messages may name absolute paths: the corpus writes the fixture folder as ${dir}.
    assert.equal(lines[0], `${join(dir, want.file)}:${want.line}:${want.col}: ${want.message.replaceAll('${dir}', dir)}`);
  });
}

test('validate accepts a good file and reports it', () => {
  const r = btf(['validate', join(REPO, 'test', 'fixtures', 'good-experiment.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ok \(3 stages\)/);
});

test('run and plan report the same located error as validate', () => {
  for (const cmd of ['run', 'plan']) {
    const r = btf([cmd, '13-negative-epochs.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), `${join(dir, '13-negative-epochs.yaml')}:5:15: stages.a.params.epochs: must be >= 1 (got -3)`);
  }
});

test('unknown command and option give a hint and exit 2', () => {
  const a = btf(['rnu']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /did you mean 'run'/);
  const b = btf(['run', '--jbos', '2', 'x.yaml']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /unknown option --jbos \(did you mean '--jobs'\?\)/);
});
