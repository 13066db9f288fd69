/**
 * The pickle VM on plain Python data pickled by CPython with protocols 2-5 (pickles.json from
 * make_reader_fixtures.py): every value type torch checkpoints can hold, big ints, unicode, bytes,
 * sets, shared references (memo) and framing must decode exactly; unknown opcodes fail with the offset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpickle } from '../../runner/io/pickle.js';
import { fixturesDir } from './synthetic-checkpoints.js';

const { expected, pickles } = JSON.parse(readFileSync(join(fixturesDir, 'pickles.json'), 'utf8')) as {
  expected: unknown; pickles: Record<string, string>;
};

// What a caller allows: only the builtins protocol 2 needs for bytes and sets.
const resolveGlobal = (module: string, name: string): unknown => {
  const full = `${module}.${name}`;
  if (full === '_codecs.encode') return (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  // Protocol 2 names builtins the Python 2 way (__builtin__), protocols 3+ as builtins.
  if (/^(__builtin__|builtins)\.(set|frozenset)$/.test(full)) return (items: unknown[]) => new Set(items);
  throw new Error(`global ${full} not allowed`);
};

function describe(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), describe(x)]));
  if (v instanceof Set) return { set: [...v].map(describe).sort() };
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(describe);
  if (typeof v === 'bigint') return { bigint: v.toString() };
  return v;
}

for (const [protocol, b64] of Object.entries(pickles)) {
  test(`protocol ${protocol}: plain data decodes exactly`, () => {
    const buf = Uint8Array.from(Buffer.from(b64, 'base64'));
    const { value, end } = unpickle(buf, { resolveGlobal });
    assert.equal(end, buf.length, 'stops right after STOP');
    assert.deepStrictEqual(describe(value), expected);
    const m = value as Map<string, unknown>;
    assert.equal(m.get('shared_a'), m.get('shared_b'), 'a shared list stays one object (memo)');
    assert.ok(Object.isFrozen(m.get('tuple')), 'tuples are frozen arrays');
  });
}

test('an unknown opcode is an error naming its byte offset', () => {
  assert.throws(() => unpickle(Uint8Array.from([0x80, 0x02, 0x4e, 0xff]), { resolveGlobal }), /unsupported opcode 0xff at byte 3/);
  assert.throws(() => unpickle(Uint8Array.from([0x80, 0x02, 0x58, 0x10, 0, 0, 0, 0x61]), { resolveGlobal }), /truncated at byte 7 \(needs 16 more\)/);
});
