/**
 * PyTorch `.pt`/`.pth` state dicts (torch.save, zip format of PyTorch ≥ 1.6: `<name>/data.pkl`
 * plus one raw little-endian file per storage under `<name>/data/<key>`; and the legacy pickle
 * stream, see readLegacy), read WITHOUT executing
 * anything: a pickle virtual machine (protocols 2–5, the opcodes below) that only reconstructs
 * tensors, storages, dicts, lists and tuples. GLOBAL / STACK_GLOBAL may name only the allow-listed
 * callables (OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter, the storage
 * classes, dtypes); any other global — the way a .pt carries code — is refused with its name and
 * byte offset. Weights only; export ONNX for full diagnostics.
 */
import { UserInputError, UnsupportedError } from '../errors';
import { readZip } from '../data/zip';
import { currentBudget } from '../budget';
import { halfToFloat32 } from '../data/npy';
import type { NamedTensor } from './safetensors';
import { describeValue } from './describe';
import { table } from '../table';

const STORAGE_DTYPE: Readonly<Record<string, [string, number]>> = table({
  FloatStorage: ['float32', 4],
  DoubleStorage: ['float64', 8],
  HalfStorage: ['float16', 2],
  BFloat16Storage: ['bfloat16', 2],
  LongStorage: ['int64', 8],
  IntStorage: ['int32', 4],
  ShortStorage: ['int16', 2],
  CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1],
  BoolStorage: ['bool', 1],
});
const DTYPES: Readonly<Record<string, [string, number]>> = table({
  float32: ['float32', 4],
  float: ['float32', 4],
  float64: ['float64', 8],
  double: ['float64', 8],
  float16: ['float16', 2],
  half: ['float16', 2],
  bfloat16: ['bfloat16', 2],
  int64: ['int64', 8],
  long: ['int64', 8],
  int32: ['int32', 4],
  int: ['int32', 4],
  int16: ['int16', 2],
  int8: ['int8', 1],
  uint8: ['uint8', 1],
  bool: ['bool', 1],
});

/**
 * Elements that views larger than their storage (stride 0, overlapping strides) may expand to,
 * all such views of a file together (16 Mi: 64 MB as float32).
 */
export const MAX_VIEW_ELEMENTS = 2 ** 24;

type Fn = { kind: 'global'; name: string };
interface Storage {
  kind: 'storage';
  dtype: string;
  itemSize: number;
  key: string;
  numel: number;
}
interface TensorRef {
  kind: 'tensor';
  storage: Storage;
  offset: number;
  size: number[];
  stride: number[];
}

const ALLOWED = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'builtins.set',
  'torch.storage.UntypedStorage',
  'torch.device',
  ...Object.keys(STORAGE_DTYPE).map(s => `torch.${s}`),
  ...Object.keys(DTYPES).map(d => `torch.${d}`),
]);

class Mark {}
const MARK = new Mark();

/**
 * Deepest nesting of lists / tuples / dicts / sets a pickle may build. A state dict nests a few
 * levels; Python's own unpickler gives up near 1,000 (its recursion limit). Deeper input is refused
 * while it is built. (A chain linked through the memo after its parts were nested can escape this
 * bookkeeping; that is harmless because nothing here walks values recursively: consumers check
 * types, and error messages use the bounded, cycle-safe describeValue.)
 */
export const MAX_PICKLE_DEPTH = 1000;

/** Run the restricted pickle VM over `data`; returns the unpickled root object. */
export function restrictedUnpickle(data: Uint8Array, file: string, where: string): unknown {
  return unpickleAt(data, 0, file, where).value;
}

/** Unpickle one pickle starting at byte `start`; returns the object and the offset after its STOP. */
export function unpickleAt(data: Uint8Array, start: number, file: string, where: string): { value: unknown; end: number } {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  const fail = (msg: string): never => {
    throw new UserInputError(msg, { file, where: `${where} byte ${p}` });
  };
  // nesting depth of every container built so far (scalars are 0, a fresh container 1)
  const depths = new WeakMap<object, number>();
  const depthOf = (v: unknown): number => (typeof v === 'object' && v !== null ? (depths.get(v) ?? 1) : 0);
  /** `c` now holds `items`: its depth is at least one more than theirs; refuse nesting beyond the bound. */
  const holds = <C extends object>(c: C, items: Iterable<unknown>): C => {
    let d = depths.get(c) ?? 1;
    for (const v of items) {
      const dv = depthOf(v) + 1;
      if (dv > d) d = dv;
    }
    if (d > MAX_PICKLE_DEPTH) fail(`nesting deeper than ${MAX_PICKLE_DEPTH} levels of lists, tuples or dicts; not a state dict`);
    depths.set(c, d);
    return c;
  };
  const need = (n: number) => {
    if (p + n > data.length) fail(`pickle ends early (needs ${n} more bytes)`);
  };
  const u8 = () => {
    need(1);
    return data[p++];
  };
  const u16 = () => {
    need(2);
    const v = dv.getUint16(p, true);
    p += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = dv.getUint32(p, true);
    p += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = dv.getInt32(p, true);
    p += 4;
    return v;
  };
  const str = (n: number) => {
    need(n);
    const s = new TextDecoder().decode(data.subarray(p, p + n));
    p += n;
    return s;
  };
  const line = () => {
    const e = data.indexOf(0x0a, p);
    if (e < 0) fail('unterminated text argument');
    const s = new TextDecoder('latin1').decode(data.subarray(p, e));
    p = e + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    for (let i = stack.length - 1; i >= 0; i--)
      if (stack[i] === MARK) {
        const items = stack.splice(i);
        items.shift();
        return items;
      }
    return fail('MARK not found');
  };
  const pop = () => {
    if (stack.length === 0) fail('pickle stack underflow');
    return stack.pop();
  };
  const global = (mod: string, name: string, at: number): Fn => {
    const full = `${mod}.${name}`;
    if (!ALLOWED.has(full))
      throw new UnsupportedError(
        `refusing pickle global '${full}': a .pt file can carry code and Landscape Lens never ` +
          `runs it; only tensors and state dicts are read (export ONNX or safetensors instead)`,
        { file, where: `${where} byte ${at}` },
      );
    return { kind: 'global', name: full };
  };
  const call = (fn: unknown, args: unknown[]): unknown => {
    const f = fn as Fn;
    if (!f || f.kind !== 'global') return fail('REDUCE on something that is not an allowed callable');
    switch (f.name) {
      case 'collections.OrderedDict':
        return new Map();
      case 'builtins.set': {
        const items = Array.isArray(args[0]) ? args[0] : [];
        return holds(new Set(items), items);
      }
      case 'torch.device':
        return { kind: 'device', name: typeof args[0] === 'string' ? args[0] : describeValue(args[0]) };
      case 'torch._utils._rebuild_tensor_v2':
      case 'torch._utils._rebuild_tensor': {
        const [storage, offset, size, stride] = args as [Storage, number, number[], number[]];
        if (!storage || storage.kind !== 'storage') return fail('_rebuild_tensor without a storage');
        const okList = (a: unknown): a is number[] => Array.isArray(a) && a.every(v => Number.isSafeInteger(v) && (v as number) >= 0);
        if (!Number.isSafeInteger(offset) || offset < 0 || !okList(size) || !okList(stride) || size.length !== stride.length)
          return fail('_rebuild_tensor with an invalid offset, size or stride');
        if (size.reduce((a: number, b: number) => a * b, 1) > 2 ** 31) return fail(`tensor of size (${size.join(', ')}) is absurdly large`);
        return {
          kind: 'tensor',
          storage,
          offset: Number(offset),
          size: (size as number[]).map(Number),
          stride: (stride as number[]).map(Number),
        } as TensorRef;
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        return args[0];
      default:
        return fail(`'${f.name}' cannot be called`);
    }
  };
  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        need(8);
        p += 8;
        break; // FRAME
      case 0x2e:
        return { value: pop(), end: p }; // STOP
      case 0x28:
        stack.push(MARK);
        break; // MARK
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x8f:
        stack.push(new Set());
        break; // EMPTY_SET
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x8a: {
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[p + i]);
        if (n && data[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        p += n;
        stack.push(Number(v));
        break;
      } // LONG1
      case 0x47: {
        need(8);
        stack.push(dv.getFloat64(p, false));
        p += 8;
        break;
      } // BINFLOAT (big-endian)
      case 0x58:
        stack.push(str(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(str(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d: {
        need(8);
        const n = Number(dv.getBigUint64(p, true));
        p += 8;
        stack.push(str(n));
        break;
      } // BINUNICODE8
      case 0x55:
        stack.push(str(u8()));
        break; // SHORT_BINSTRING
      case 0x54:
        stack.push(str(u32()));
        break; // BINSTRING
      case 0x43: {
        const n = u8();
        need(n);
        stack.push(data.slice(p, p + n));
        p += n;
        break;
      } // SHORT_BINBYTES
      case 0x42: {
        const n = u32();
        need(n);
        stack.push(data.slice(p, p + n));
        p += n;
        break;
      } // BINBYTES
      case 0x63: {
        const mod = line(),
          name = line();
        stack.push(global(mod, name, at));
        break;
      } // GLOBAL
      case 0x93: {
        const name = pop(),
          mod = pop();
        if (typeof name !== 'string' || typeof mod !== 'string')
          fail(`STACK_GLOBAL needs a module and a name (strings), got ${describeValue(mod)} and ${describeValue(name)}`);
        stack.push(global(mod as string, name as string, at));
        break;
      } // STACK_GLOBAL
      case 0x71:
        memo.set(u8(), stack[stack.length - 1]);
        break; // BINPUT
      case 0x72:
        memo.set(u32(), stack[stack.length - 1]);
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, stack[stack.length - 1]);
        break; // MEMOIZE
      case 0x68: {
        const k = u8();
        if (!memo.has(k)) fail(`memo ${k} is undefined`);
        stack.push(memo.get(k));
        break;
      } // BINGET
      case 0x6a: {
        const k = u32();
        if (!memo.has(k)) fail(`memo ${k} is undefined`);
        stack.push(memo.get(k));
        break;
      } // LONG_BINGET
      case 0x74: {
        const t = popMark();
        stack.push(holds(t, t));
        break;
      } // TUPLE
      case 0x85: {
        const t = [pop()];
        stack.push(holds(t, t));
        break;
      } // TUPLE1
      case 0x86: {
        const b = pop(),
          a = pop();
        const t = [a, b];
        stack.push(holds(t, t));
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop(),
          b = pop(),
          a = pop();
        const t = [a, b, c];
        stack.push(holds(t, t));
        break;
      } // TUPLE3
      case 0x6c: {
        const l = popMark();
        stack.push(holds(l, l));
        break;
      } // LIST
      case 0x61: {
        const v = pop();
        const l = stack[stack.length - 1];
        if (!Array.isArray(l)) fail('APPEND to a non-list');
        holds(l as unknown[], [v]).push(v);
        break;
      } // APPEND
      case 0x65: {
        // APPENDS (a loop, not push(...items): a 300,000-item spread overflows the call stack)
        const items = popMark();
        const l = stack[stack.length - 1];
        if (!Array.isArray(l)) fail('APPENDS to a non-list');
        holds(l as unknown[], items);
        for (let i = 0; i < items.length; i++) (l as unknown[]).push(items[i]);
        break;
      }
      case 0x73: {
        const v = pop(),
          k = pop();
        const d = stack[stack.length - 1];
        if (!(d instanceof Map)) fail('SETITEM on a non-dict');
        holds(d as Map<unknown, unknown>, [k, v]).set(k, v);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        const d = stack[stack.length - 1];
        if (!(d instanceof Map)) fail('SETITEMS on a non-dict');
        holds(d as Map<unknown, unknown>, items);
        for (let i = 0; i + 1 < items.length; i += 2) (d as Map<unknown, unknown>).set(items[i], items[i + 1]);
        break;
      } // SETITEMS
      case 0x90: {
        const items = popMark();
        const s = stack[stack.length - 1];
        if (s instanceof Set) {
          holds(s, items);
          for (let i = 0; i < items.length; i++) s.add(items[i]);
        }
        break;
      } // ADDITEMS
      case 0x52: {
        const args = pop(),
          fn = pop();
        stack.push(call(fn, Array.isArray(args) ? args : []));
        break;
      } // REDUCE
      case 0x81: {
        const args = pop(),
          cls = pop();
        stack.push(call(cls, Array.isArray(args) ? args : []));
        break;
      } // NEWOBJ
      case 0x62: {
        pop();
        break;
      } // BUILD: state of an object (OrderedDict _metadata, parameter state): ignored
      case 0x51: {
        // BINPERSID: ('storage', storage_type, key, location, numel)
        const pid = pop() as unknown[];
        if (!Array.isArray(pid) || pid[0] !== 'storage') fail(`unsupported persistent id ${describeValue(pid)}`);
        if (!(typeof pid[2] === 'string' || typeof pid[2] === 'number'))
          fail(`persistent id: storage key ${describeValue(pid[2])} is not a string`);
        const st = pid[1] as Fn | { kind: 'dtype' };
        let dt: [string, number] | undefined;
        if (st && (st as Fn).kind === 'global')
          dt = STORAGE_DTYPE[(st as Fn).name.replace('torch.', '')] ?? DTYPES[(st as Fn).name.replace('torch.', '')];
        if (!dt) fail(`unsupported storage type ${describeValue(st)}`);
        stack.push({
          kind: 'storage',
          dtype: dt![0],
          itemSize: dt![1],
          key: String(pid[2]),
          numel: typeof pid[4] === 'number' || typeof pid[4] === 'string' ? Number(pid[4]) : NaN,
        } as Storage);
        legacyItemSizes.set(String(pid[2]), dt![1]);
        break;
      }
      default:
        return fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }
}

function storageValues(bytes: Uint8Array, dtype: string, count: number): Float32Array | Float64Array | Int32Array {
  const raw = new Uint8Array(bytes.length);
  raw.set(bytes);
  const b = raw.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(b, 0, count);
    case 'float64':
      return new Float64Array(b, 0, count);
    case 'float16':
      return halfToFloat32(new Uint16Array(b, 0, count));
    case 'bfloat16': {
      const u = new Uint16Array(b, 0, count),
        o = new Uint32Array(count);
      for (let i = 0; i < count; i++) o[i] = u[i] << 16;
      return new Float32Array(o.buffer);
    }
    case 'int64':
      return Int32Array.from(new BigInt64Array(b, 0, count), v => Number(v));
    case 'int32':
      return new Int32Array(b, 0, count);
    case 'int16':
      return Int32Array.from(new Int16Array(b, 0, count));
    case 'int8':
      return Int32Array.from(new Int8Array(b, 0, count));
    default:
      return Int32Array.from(raw.subarray(0, count));
  }
}

/**
 * The legacy torch.save format (PyTorch < 1.6, or _use_new_zipfile_serialization=False): pickles in
 * sequence — magic number 0x1950a86a20f9469cfc6c, protocol version 1001, sys_info, the object
 * (storages as persistent ids), the list of storage keys — then each storage as an int64 element
 * count followed by its raw little-endian data, in key order.
 */
function readLegacy(file: string, buf: Uint8Array): { root: unknown; storages: Map<string, Uint8Array> } {
  let at = 0;
  const next = (what: string) => {
    const r = unpickleAt(buf, at, file, `legacy ${what}`);
    at = r.end;
    return r.value;
  };
  const magic = next('magic number');
  // torch.serialization's MAGIC_NUMBER 0x1950a86a20f9469cfc6c (= 119547037146038801333356) as the nearest double
  const MAGIC = 1.195470371460388e23;
  if (magic !== MAGIC && !(typeof magic === 'string' && Number(magic) === MAGIC))
    throw new UserInputError('not a PyTorch checkpoint: bad magic number in the legacy format', { file, where: 'byte 0' });
  const proto = next('protocol version');
  if (proto !== 1001)
    throw new UnsupportedError(`legacy torch.save protocol ${describeValue(proto)} (expected 1001)`, { file, where: `byte ${at}` });
  next('sys_info');
  const root = next('object');
  const keys = next('storage keys');
  if (!Array.isArray(keys)) throw new UserInputError('legacy format: the storage key list is missing', { file, where: `byte ${at}` });
  const bad = (keys as unknown[]).find(k => typeof k !== 'string' && typeof k !== 'number');
  if (bad !== undefined)
    throw new UserInputError(`legacy format: storage key ${describeValue(bad)} is not a string`, { file, where: `byte ${at}` });
  // element counts of each storage, from the persistent ids met while unpickling the object
  const storages = new Map<string, Uint8Array>();
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sizes = legacyItemSizes;
  for (const k of keys as string[]) {
    if (at + 8 > buf.length)
      throw new UserInputError(`legacy format: storage '${k}' header runs past the end of the file`, { file, where: `byte ${at}` });
    const n = Number(dv.getBigInt64(at, true));
    at += 8;
    const isz = sizes.get(String(k)) ?? 4;
    if (n < 0 || at + n * isz > buf.length)
      throw new UserInputError(`legacy format: storage '${k}' of ${n} elements runs past the end of the file`, {
        file,
        where: `byte ${at}`,
      });
    storages.set(String(k), buf.subarray(at, at + n * isz));
    at += n * isz;
  }
  return { root, storages };
}
let legacyItemSizes = new Map<string, number>();

export function readPytorchStateDict(file: string, buf: Uint8Array): NamedTensor[] {
  if (!(buf[0] === 0x50 && buf[1] === 0x4b)) {
    if (buf[0] !== 0x80)
      throw new UserInputError('not a PyTorch checkpoint: expected a zip archive (torch.save) or a legacy pickle stream', {
        file,
        where: 'byte 0',
      });
    legacyItemSizes = new Map();
    const { root, storages } = readLegacy(file, buf);
    return tensorsOf(root, file, 'legacy pickle', k => storages.get(k));
  }
  const entries = readZip(buf, file);
  const pklName = [...entries.keys()].find(k => k.endsWith('/data.pkl') || k === 'data.pkl');
  if (!pklName) throw new UserInputError(`no data.pkl in the archive (entries: ${[...entries.keys()].slice(0, 6).join(', ')})`, { file });
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const root = restrictedUnpickle(entries.get(pklName)!, file, pklName);
  return tensorsOf(root, file, pklName, k => entries.get(`${prefix}data/${k}`));
}

function tensorsOf(root: unknown, file: string, pklName: string, storageBytes: (key: string) => Uint8Array | undefined): NamedTensor[] {
  let dict = root;
  if (dict instanceof Map && dict.has('state_dict') && dict.get('state_dict') instanceof Map) dict = dict.get('state_dict');
  if (!(dict instanceof Map))
    throw new UnsupportedError('the pickle is not a state dict (expected a dict of tensors, e.g. model.state_dict())', {
      file,
      where: pklName,
    });
  const out: NamedTensor[] = [];
  let expanded = 0;
  const decoded = new Map<string, Float32Array | Float64Array | Int32Array>();
  // charges stay for the whole read (src/core/budget.ts): released when it returns, the caller owns the arrays
  const budget = currentBudget(),
    before = budget.used;
  try {
    return tensorsOfWith();
  } finally {
    budget.release(budget.used - before);
  }
  function tensorsOfWith(): NamedTensor[] {
    for (const [k, v] of dict as Map<unknown, unknown>) {
      const t = v as TensorRef;
      if (!t || t.kind !== 'tensor') continue;
      const name = typeof k === 'string' || typeof k === 'number' ? String(k) : describeValue(k);
      const bytes = storageBytes(t.storage.key);
      if (!bytes)
        throw new UserInputError(`tensor '${name}': storage '${t.storage.key}' is missing from the archive`, {
          file,
          where: `storage ${t.storage.key}`,
        });
      const numel = Math.floor(bytes.length / t.storage.itemSize);
      const count = t.size.reduce((a, b) => a * b, 1);
      // bound the allocation before making it: a view is at most as large as its storage, except
      // stride-0 / overlapping views (expand, as_strided), which get a fixed budget
      if (count > numel) expanded += count;
      if (count > numel && expanded > MAX_VIEW_ELEMENTS)
        throw new UserInputError(
          `tensor '${name}' declares size (${t.size.join(', ')}) = ${count} elements over ` +
            `a storage of ${numel} elements (a stride-0 or overlapping view); views larger ` +
            `than their storage are limited to ${MAX_VIEW_ELEMENTS} elements in all; refused`,
          { file, where: `storage ${t.storage.key}` },
        );
      if (count > 0) {
        let last = t.offset;
        for (let d = 0; d < t.size.length; d++) last += (t.size[d] - 1) * t.stride[d];
        if (last >= numel)
          throw new UserInputError(
            `tensor '${name}': size (${t.size.join(', ')}) with stride (${t.stride.join(', ')}) at ` +
              `offset ${t.offset} reaches storage element ${last}, outside its storage (${numel} elements)`,
            { file, where: `storage ${t.storage.key}` },
          );
      }
      // each storage decoded once (charged once); a contiguous view shares it, other views are copies, charged first
      let storage = decoded.get(t.storage.key);
      if (!storage) {
        budget.charge(numel * (t.storage.itemSize >= 8 ? 8 : 4), `storage '${t.storage.key}' (${numel} elements)`, { file });
        storage = storageValues(bytes, t.storage.dtype, numel);
        decoded.set(t.storage.key, storage);
      }
      // the model's parameter vector holds every tensor's elements: bounded too
      budget.charge(count * 4, `tensor '${name}' (${count} elements; ${out.length + 1} tensors so far)`, { file });
      let contiguous = true;
      for (let d = t.size.length - 1, step = 1; d >= 0; d--) {
        if (t.size[d] !== 1 && t.stride[d] !== step) contiguous = false;
        step *= t.size[d];
      }
      if (contiguous) {
        out.push({ name, shape: t.size, dtype: t.storage.dtype, values: storage.subarray(t.offset, t.offset + count) });
        continue;
      }
      budget.charge(count * (storage instanceof Float64Array ? 8 : 4), `a strided copy of tensor '${name}'`, { file });
      // gather by strides (views of shared storages are common: tied weights, slices)
      const values =
        storage instanceof Float64Array
          ? new Float64Array(count)
          : storage instanceof Int32Array
            ? new Int32Array(count)
            : new Float32Array(count);
      const idx = new Array<number>(t.size.length).fill(0);
      for (let i = 0; i < count; i++) {
        let off = t.offset;
        for (let d = 0; d < idx.length; d++) off += idx[d] * t.stride[d];
        values[i] = storage[off];
        for (let d = idx.length - 1; d >= 0; d--) {
          if (++idx[d] < t.size[d]) break;
          idx[d] = 0;
        }
      }
      out.push({ name, shape: t.size, dtype: t.storage.dtype, values });
    }
    return out;
  }
}
