/**
 * Reads PyTorch checkpoints (`torch.save` files) without Python: the zip format (torch >= 1.6:
 * `<name>/data.pkl` plus one raw entry per storage under `<name>/data/<key>`) and the legacy format
 * (magic-number pickle, protocol-version pickle, sys_info pickle, the object pickle, the sorted
 * storage-key list pickle, then per storage an int64 element count and the raw little-endian bytes).
 *
 * Tensors come back as `TorchTensor` (dtype, shape, stride, storage offset, storage bytes): strided
 * and shared-storage tensors keep their layout and `toFloat32()` gathers them row-major. Only the
 * globals a tensor state dict needs are allowed (tensor/parameter rebuilders, storage types,
 * OrderedDict); anything else is refused, so a hostile file cannot run code. Not supported: the
 * pre-0.4 tar format, big-endian legacy files, sparse / quantized tensors, TorchScript archives.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { ZipEntryError, ZipReader } from '../datasets/zip.js';
import { UserError } from '../errors.js';
import { unpickle } from './pickle.js';
import { TorchTensor, type TorchDType, type TorchStorage } from './torch-tensor.js';

export { TorchTensor, type TorchDType, type TorchStorage } from './torch-tensor.js';

const STORAGE_TYPES: Record<string, [TorchDType, number]> = {
  FloatStorage: ['float32', 4], DoubleStorage: ['float64', 8], HalfStorage: ['float16', 2],
  BFloat16Storage: ['bfloat16', 2], LongStorage: ['int64', 8], IntStorage: ['int32', 4],
  ShortStorage: ['int16', 2], CharStorage: ['int8', 1], ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
};

interface StorageType { torchStorage: string }

/** The only globals a checkpoint may reference; everything else is refused (no code runs). */
function resolveGlobal(source: string) {
  return (module: string, name: string): unknown => {
    const full = `${module}.${name}`;
    if (module === 'torch' && name in STORAGE_TYPES) return { torchStorage: name } satisfies StorageType;
    switch (full) {
      case 'collections.OrderedDict':
        return () => new Map();
      case '_codecs.encode': // protocol 2 pickles bytes as _codecs.encode(latin-1 text, 'latin1')
        return (text: unknown, enc: unknown) => {
          if (typeof text !== 'string' || !/^(latin-?1|iso-8859-1)$/i.test(String(enc ?? 'utf-8'))) throw new UserError(`${source}: unsupported bytes encoding ${String(enc)}`);
          return Uint8Array.from(text, (c) => c.charCodeAt(0));
        };
      case 'builtins.set': case '__builtin__.set':
        return (items: unknown) => new Set(items as unknown[]);
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2':
        return (storage: unknown, offset: unknown, size: unknown, stride: unknown) => {
          if (!isStorage(storage)) throw new UserError(`${source}: ${name} got no storage`);
          return new TorchTensor(storage, Number(offset), (size as number[]).map(Number), (stride as number[]).map(Number));
        };
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        return (data: unknown) => data; // a Parameter is its tensor here; requires_grad is irrelevant
    }
    throw new UserError(`${source}: unsupported Python object ${full} (this reader loads tensors, storages and plain containers only)`);
  };
}

function isStorage(v: unknown): v is TorchStorage {
  return typeof v === 'object' && v !== null && 'elementSize' in v && 'numel' in v;
}

/** Decodes a storage persistent id ('storage', type, key, location, numel[, view_metadata]). */
function storageFromPid(pid: unknown, source: string): { storage: TorchStorage; view: unknown } {
  if (!Array.isArray(pid) || pid[0] !== 'storage') throw new UserError(`${source}: unsupported persistent id ${JSON.stringify(pid)}`);
  const type = pid[1] as StorageType;
  const dt = STORAGE_TYPES[type?.torchStorage];
  if (!dt) throw new UserError(`${source}: unsupported storage type ${String(type?.torchStorage ?? pid[1])}`);
  return { storage: { key: String(pid[2]), dtype: dt[0], elementSize: dt[1], numel: Number(pid[4]) }, view: pid[5] ?? null };
}

export interface TorchCheckpoint {
  format: 'zip' | 'legacy';
  /** The unpickled object: usually a Map (OrderedDict) of name -> TorchTensor. */
  value: unknown;
}

/**
 * Reads and parses a checkpoint file. Zip checkpoints are read entry by entry (CRC-checked by
 * runner/datasets/zip.ts); legacy ones are read whole (their pickles and storages are sequential).
 */
export async function loadTorchCheckpoint(path: string): Promise<TorchCheckpoint> {
  const head = Buffer.alloc(4);
  try {
    const fd = openSync(path, 'r');
    try { readSync(fd, head, 0, 4, 0); } finally { closeSync(fd); }
  } catch (e) {
    throw new UserError(`${path}: cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    if (head.readUInt32LE(0) === 0x04034b50) return await readZip(path);
    const buf = readFileSync(path);
    return readLegacyCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.length), path);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const entry = e instanceof ZipEntryError ? 'zip entry: ' : '';
    throw new UserError(`${path}: not a readable PyTorch checkpoint (${entry}${(e as Error).message})`);
  }
}

async function readZip(path: string): Promise<TorchCheckpoint> {
  const zip = new ZipReader(path);
  try {
    const entries = new Map(zip.entries.map((e) => [e.name, e]));
    const pkl = [...entries.keys()].find((n) => n.endsWith('/data.pkl') && n.split('/').length === 2);
    if (!pkl) throw new UserError(`${path}: zip archive without <name>/data.pkl (not a torch.save file?)`);
    const prefix = pkl.slice(0, -'data.pkl'.length);
    // Storages are collected while unpickling (synchronously) and their bytes read afterwards.
    const storages = new Map<string, TorchStorage>();
    const persistentLoad = (pid: unknown): TorchStorage => {
      const { storage } = storageFromPid(pid, path);
      const known = storages.get(storage.key);
      if (known) return known;
      storages.set(storage.key, storage);
      return storage;
    };
    const data = await zip.readEntry(entries.get(pkl)!);
    const { value } = unpickle(data, { resolveGlobal: resolveGlobal(path), persistentLoad });
    for (const s of storages.values()) {
      const entry = entries.get(`${prefix}data/${s.key}`);
      if (!entry) throw new UserError(`${path}: storage entry ${prefix}data/${s.key} missing`);
      s.bytes = await zip.readEntry(entry);
      if (s.bytes.length < s.numel * s.elementSize) {
        throw new UserError(`${path}: storage ${s.key} has ${s.bytes.length} bytes, expected ${s.numel * s.elementSize}`);
      }
    }
    return { format: 'zip', value };
  } finally {
    zip.close();
  }
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Parses a legacy-format (pre-1.6) checkpoint held in memory; `source` names it in errors. */
export function readLegacyCheckpoint(buf: Uint8Array, source = '<buffer>'): TorchCheckpoint {
  try {
    return readLegacy(buf, source);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${source}: not a readable PyTorch checkpoint (${(e as Error).message})`);
  }
}

function readLegacy(buf: Uint8Array, source: string): TorchCheckpoint {
  if (buf.length > 262 && new TextDecoder().decode(buf.subarray(257, 262)) === 'ustar') {
    throw new UserError(`${source}: tar-format checkpoint (torch < 0.4) is not supported; re-save it with a current torch`);
  }
  if (buf.length === 0 || buf[0] !== 0x80) throw new UserError(`${source}: not a PyTorch checkpoint (neither a zip archive nor a pickle)`);
  const plain = { resolveGlobal: resolveGlobal(source) };
  const magic = unpickle(buf, plain, 0);
  if (magic.value !== LEGACY_MAGIC) throw new UserError(`${source}: pickle without the torch magic number (not a torch.save file)`);
  const version = unpickle(buf, plain, magic.end);
  if (version.value !== 1001) throw new UserError(`${source}: unsupported legacy protocol version ${String(version.value)}`);
  const sys = unpickle(buf, plain, version.end);
  if (sys.value instanceof Map && sys.value.get('little_endian') === false) throw new UserError(`${source}: big-endian checkpoints are not supported`);

  const roots = new Map<string, TorchStorage>();
  const views: Array<{ storage: TorchStorage; root: TorchStorage; offset: number }> = [];
  const persistentLoad = (pid: unknown): TorchStorage => {
    const { storage, view } = storageFromPid(pid, source);
    let root = roots.get(storage.key);
    if (!root) roots.set(storage.key, (root = storage));
    if (!Array.isArray(view)) return root;
    // view_metadata = (view_key, offset, size), in elements of the root storage (old torch only).
    const v: TorchStorage = { ...storage, key: String(view[0]), numel: Number(view[2]) };
    views.push({ storage: v, root, offset: Number(view[1]) });
    return v;
  };
  const obj = unpickle(buf, { resolveGlobal: resolveGlobal(source), persistentLoad }, sys.end);
  const keys = unpickle(buf, plain, obj.end);
  if (!Array.isArray(keys.value)) throw new UserError(`${source}: storage key list missing after the object pickle`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = keys.end;
  for (const key of keys.value as string[]) {
    const s = roots.get(String(key));
    if (!s) throw new UserError(`${source}: storage ${String(key)} listed but never referenced`);
    if (p + 8 > buf.length) throw new UserError(`${source}: truncated before storage ${s.key}`);
    const numel = Number(view.getBigInt64(p, true));
    const n = numel * s.elementSize;
    if (numel < s.numel || p + 8 + n > buf.length) throw new UserError(`${source}: storage ${s.key} truncated or smaller than declared (${numel} < ${s.numel} elements)`);
    s.bytes = buf.subarray(p + 8, p + 8 + n);
    p += 8 + n;
  }
  for (const { storage, root, offset } of views) {
    if (!root.bytes) throw new UserError(`${source}: storage ${root.key} has no data`);
    storage.bytes = root.bytes.subarray(offset * root.elementSize, (offset + storage.numel) * root.elementSize);
  }
  for (const s of roots.values()) if (!s.bytes) throw new UserError(`${source}: storage ${s.key} missing from the file`);
  return { format: 'legacy', value: obj.value };
}

/**
 * The tensors of a state dict: the top-level Map, or its `state_dict` / `model` entry when the file
 * wraps one (training checkpoints often do). Non-tensor entries are skipped.
 */
export function stateDictOf(value: unknown, source: string): Map<string, TorchTensor> {
  let v = value;
  if (v instanceof Map && !hasTensor(v)) v = v.get('state_dict') ?? v.get('model') ?? v;
  if (!(v instanceof Map)) throw new UserError(`${source}: expected a state dict (a dict of tensors), found ${typeof v}`);
  const out = new Map<string, TorchTensor>();
  for (const [k, t] of v) if (t instanceof TorchTensor) out.set(String(k), t);
  if (out.size === 0) throw new UserError(`${source}: the checkpoint holds no tensors`);
  return out;
}

function hasTensor(m: Map<unknown, unknown>): boolean {
  for (const t of m.values()) if (t instanceof TorchTensor) return true;
  return false;
}
