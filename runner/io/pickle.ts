/**
 * A minimal, safe pickle reader: the opcodes `torch.save` emits (protocols 2-5) and plain Python data.
 *
 * Safe because nothing is imported or executed: every GLOBAL is handed to the caller's `resolveGlobal`,
 * which returns a JS function (or value) for the names it allows and throws for anything else. Python
 * values map to: None -> null, bool -> boolean, int -> number (bigint beyond 2^53), float -> number,
 * str -> string, bytes -> Uint8Array, list -> array, tuple -> frozen array, dict -> Map (insertion
 * order kept, keys compared like JS Map keys). Not supported: protocol 0/1 text opcodes other than
 * INT/LONG/GLOBAL, extension registry codes, out-of-band buffers.
 */

/** Object state set by BUILD on a value without `__setstate__` (e.g. an OrderedDict's `_metadata`). */
export const PY_STATE = Symbol('pickle.state');

export interface UnpickleOptions {
  /** Maps `module.name` (GLOBAL / STACK_GLOBAL) to a callable or value; throws for names it rejects. */
  resolveGlobal(module: string, name: string): unknown;
  /** Resolves a persistent id (BINPERSID); torch uses it for storages. */
  persistentLoad?(pid: unknown): unknown;
}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode (legacy torch files hold several pickles back to back). */
  end: number;
}

/** Reads one pickle starting at `offset`. Throws `Error` with the byte offset on malformed input. */
export function unpickle(buf: Uint8Array, options: UnpickleOptions, offset = 0): UnpickleResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let p = offset;

  const need = (n: number): void => {
    if (p + n > buf.length) throw new Error(`pickle: truncated at byte ${p} (needs ${n} more)`);
  };
  const u8 = (): number => { need(1); return buf[p++]!; };
  const u16 = (): number => { need(2); const v = view.getUint16(p, true); p += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(p, true); p += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(p, true); p += 4; return v; };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(p, true);
    p += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`pickle: length ${v} too large at byte ${p - 8}`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => { need(n); const b = buf.subarray(p, p + n); p += n; return b; };
  const line = (): string => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0) throw new Error(`pickle: unterminated line at byte ${p}`);
    const s = latin1.decode(buf.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw new Error(`pickle: stack underflow at byte ${p}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new Error(`pickle: stack underflow at byte ${p}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) throw new Error(`pickle: MARK expected before byte ${p}`);
    stack = prev;
    return items;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw new Error(`pickle: memo key ${i} missing at byte ${p}`);
    return memo.get(i);
  };
  const tuple = (items: unknown[]): unknown[] => Object.freeze(items) as unknown[];
  const call = (fn: unknown, args: unknown): unknown => {
    if (typeof fn !== 'function') throw new Error(`pickle: REDUCE on a non-callable at byte ${p}`);
    if (!Array.isArray(args)) throw new Error(`pickle: REDUCE arguments are not a tuple at byte ${p}`);
    return (fn as (...a: unknown[]) => unknown)(...args);
  };
  const setItems = (dict: unknown, kv: unknown[]): void => {
    if (!(dict instanceof Map)) throw new Error(`pickle: SETITEM(S) on a non-dict at byte ${p}`);
    for (let i = 0; i + 1 < kv.length; i += 2) dict.set(kv[i], kv[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list) || Object.isFrozen(list)) throw new Error(`pickle: APPEND(S) on a non-list at byte ${p}`);
    for (const it of items) list.push(it);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length); // two's complement
    return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
  };
  const global = (module: string, name: string): unknown => options.resolveGlobal(module, name);

  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME: framing is only a read-ahead hint
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: p };
      }
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x74: { const t = tuple(popMark()); stack.push(t); break; } // TUPLE (pop before push: popMark swaps `stack`)
      case 0x85: stack.push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; } // TUPLE3
      case 0x6c: { const l = popMark(); stack.push(l); break; } // LIST
      case 0x64: { const d = new Map(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: stack.push(long(bytes(u8()))); break; // LONG1
      case 0x8b: stack.push(long(bytes(i32()))); break; // LONG4
      case 0x49: { // INT (text): also encodes True/False as 01/00 in protocol 0
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number.parseInt(s, 10));
        break;
      }
      case 0x4c: { const s = line().replace(/L$/, ''); const v = BigInt(s); stack.push(Number.isSafeInteger(Number(v)) ? Number(v) : v); break; } // LONG
      case 0x47: { need(8); stack.push(view.getFloat64(p, false)); p += 8; break; } // BINFLOAT (big-endian)
      case 0x58: stack.push(utf8.decode(bytes(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8.decode(bytes(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8.decode(bytes(u64()))); break; // BINUNICODE8
      case 0x54: stack.push(latin1.decode(bytes(i32()))); break; // BINSTRING (py2 str)
      case 0x55: stack.push(latin1.decode(bytes(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(bytes(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(bytes(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(bytes(u64()).slice()); break; // BINBYTES8
      case 0x96: stack.push(bytes(u64()).slice()); break; // BYTEARRAY8
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new Error(`pickle: STACK_GLOBAL needs two strings at byte ${at}`);
        stack.push(global(module, name));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x62: { // BUILD
        const state = pop();
        const obj = top() as Record<string | symbol, unknown> | null;
        if (obj === null || typeof obj !== 'object') throw new Error(`pickle: BUILD on a non-object at byte ${at}`);
        const setstate = obj['__setstate__'];
        if (typeof setstate === 'function') (setstate as (s: unknown) => void).call(obj, state);
        else obj[PY_STATE] = state;
        break;
      }
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x90: { // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) throw new Error(`pickle: ADDITEMS on a non-set at byte ${at}`);
        for (const it of items) set.add(it);
        break;
      }
      case 0x91: { const s = Object.freeze(new Set(popMark())); stack.push(s); break; } // FROZENSET
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw new Error(`pickle: persistent id at byte ${at} but no persistentLoad given`);
        stack.push(options.persistentLoad(pid));
        break;
      }
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      default:
        throw new Error(`pickle: unsupported opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }
}
