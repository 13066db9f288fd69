/**
 * The PyTorch checkpoint reader against small files written by torch.save (make_fixtures.py): every
 * dtype, strided / sliced / shared-storage tensors, parameters, a module state dict and plain Python
 * values must read back exactly as PyTorch's own `tolist()` reports them, in all three containers
 * (zip, zip with deflated entries, legacy; pickle protocols 2 and 4). Also: malformed, corrupted and hostile files fail with a
 * UserError naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../runner/errors.js';
import { PY_STATE } from '../../runner/io/pickle.js';
import { loadTorchCheckpoint, readLegacyCheckpoint, stateDictOf, TorchTensor } from '../../runner/io/torch-checkpoint.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/inception/', import.meta.url));
const expected = JSON.parse(readFileSync(fixtures + 'tiny-expected.json', 'utf8'));

/** The same JSON view make_fixtures.py's describe() writes. */
function describe(v: unknown): unknown {
  if (v instanceof TorchTensor) return { tensor: v.dtype, shape: [...v.shape], values: [...v.toFloat64()] };
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), describe(x)]));
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(describe);
  if (typeof v === 'bigint') return { bigint: v.toString() };
  return v;
}

const files = [['tiny-zip.pt', 'zip'], ['tiny-zip-deflated.pt', 'zip'], ['tiny-zip-p4.pt', 'zip'], ['tiny-legacy.pt', 'legacy'], ['tiny-legacy-p4.pt', 'legacy']] as const;
for (const [file, format] of files) {
  test(`${file}: every value matches what PyTorch saved`, async () => {
    const ckpt = await loadTorchCheckpoint(fixtures + file);
    assert.equal(ckpt.format, format);
    assert.deepStrictEqual(describe(ckpt.value), expected);
  });

  test(`${file}: strides, offsets and shared storage are kept, not copied`, async () => {
    const m = (await loadTorchCheckpoint(fixtures + file)).value as Map<string, unknown>;
    const base = m.get('contiguous') as TorchTensor;
    const t = m.get('transposed') as TorchTensor;
    const sl = m.get('sliced') as TorchTensor;
    const st = m.get('stepped') as TorchTensor;
    assert.deepStrictEqual([t.stride, t.isContiguous], [[1, 6], false]);
    assert.deepStrictEqual([sl.offset, sl.stride], [8, [6, 1]]);
    assert.deepStrictEqual(st.stride, [12, 3]);
    assert.equal(t.storage, base.storage, 'views share one storage object');
    assert.equal(base.isContiguous, true);
  });

  test(`${file}: module state dict keeps its _metadata and stateDictOf picks tensors`, async () => {
    const m = (await loadTorchCheckpoint(fixtures + file)).value as Map<string, unknown>;
    const sd = m.get('module') as Map<string, unknown> & { [PY_STATE]?: unknown };
    assert.ok(sd[PY_STATE] instanceof Map && (sd[PY_STATE] as Map<string, unknown>).has('_metadata'));
    const tensors = stateDictOf(sd, file);
    assert.deepStrictEqual([...tensors.keys()], ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    assert.deepStrictEqual([...tensors.get('0.weight')!.toFloat32()], [1.5, -0.25]);
  });
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
// Legacy preamble pickles: torch's magic number, protocol version 1001, an empty sys_info dict.
const preamble = '80028a0a6cfc9c46f9206aa850192e 80024de9032e 80027d2e';

test('a pickle that names any other global (os.system) is refused, nothing runs', () => {
  const hostile = hex(preamble + Buffer.from('\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R.', 'latin1').toString('hex'));
  assert.throws(() => readLegacyCheckpoint(hostile, 'evil.pth'), (e: unknown) =>
    e instanceof UserError && /evil\.pth: unsupported Python object os\.system/.test(e.message));
});

test('truncated, corrupted and foreign files fail with a UserError naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'btf-ckpt-'));
  const zip = readFileSync(fixtures + 'tiny-zip.pt');
  const legacy = readFileSync(fixtures + 'tiny-legacy.pt');
  const flipped = Buffer.from(zip);
  // Storage 0 starts with float32 -3.0 (00 00 40 c0); flip a bit of its data: only the CRC can tell.
  flipped[zip.indexOf(Buffer.from([0, 0, 0x40, 0xc0]), zip.indexOf('data/0')) + 1]! ^= 0x01;
  const cases: Array<[string, Uint8Array]> = [
    ['cut.zip.pt', zip.subarray(0, zip.length - 100)], ['flipped.zip.pt', flipped],
    ['cut.legacy.pt', legacy.subarray(0, legacy.length - 10)], ['text.pt', Buffer.from('hello world')], ['empty.pt', Buffer.alloc(0)],
  ];
  for (const [name, bytes] of cases) {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    await assert.rejects(loadTorchCheckpoint(p), (e: unknown) => e instanceof UserError && e.message.startsWith(`${p}: `), name);
  }
  await assert.rejects(loadTorchCheckpoint(fixtures + 'no-such-file.pth'), (e: unknown) =>
    e instanceof UserError && /no-such-file\.pth: cannot read checkpoint \(ENOENT\)/.test(e.message));
});
