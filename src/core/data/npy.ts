/**
 * NumPy .npy reader (format spec: numpy.lib.format, versions 1.0, 2.0, 3.0).
 * Layout: magic "\x93NUMPY", major, minor, header length (uint16 LE for 1.x, uint32 LE for
 * 2.x/3.x), an ASCII/UTF-8 Python dict literal {'descr': '<f4', 'fortran_order': False,
 * 'shape': (m, n), }, padding, then the raw array in C or Fortran order.
 * Everything is validated before allocation; errors name the file, byte offset and field.
 */
import { UserInputError } from '../errors';
import { table } from '../table';

export type NpyDtype =
  'float16' | 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

export interface NdArray {
  shape: number[];
  dtype: NpyDtype;
  /** Values in C order. Integers wider than 32 bits are converted to float64 (exact up to 2^53). */
  data: Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const MAX_HEADER = 1 << 20;

const DESCR: Readonly<Record<string, { dtype: NpyDtype; size: number }>> = table({
  f2: { dtype: 'float16', size: 2 },
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  i1: { dtype: 'int8', size: 1 },
  i2: { dtype: 'int16', size: 2 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  u2: { dtype: 'uint16', size: 2 },
  u4: { dtype: 'uint32', size: 4 },
  u8: { dtype: 'uint64', size: 8 },
  b1: { dtype: 'bool', size: 1 },
});

export interface NpyHeader {
  shape: number[];
  dtype: NpyDtype;
  itemSize: number;
  fortranOrder: boolean;
  /** Byte offset of the data from the start of the .npy bytes. */
  dataOffset: number;
  count: number;
}

/** Parse and validate the preamble and header of a .npy file (needs only its first bytes). */
export function parseNpyHeader(buf: Uint8Array, file: string): NpyHeader {
  const fail = (msg: string, off?: number): never => {
    throw new UserInputError(msg, { file, where: off === undefined ? undefined : `byte ${off}` });
  };
  if (buf.length < 10) fail(`file is ${buf.length} bytes; a .npy file has at least a 10-byte preamble`, 0);
  for (let i = 0; i < 6; i++) if (buf[i] !== MAGIC[i]) fail('not a .npy file: expected magic "\\x93NUMPY"', i);
  const major = buf[6];
  let headerLen: number, start: number;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) fail('truncated preamble of a version 2/3 .npy file', 8);
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else return fail(`unsupported .npy format version ${major}.${buf[7]} (expected 1, 2 or 3)`, 6);
  if (headerLen > MAX_HEADER) fail(`header length ${headerLen} is absurd (limit ${MAX_HEADER})`, 8);
  if (start + headerLen > buf.length) fail(`header of ${headerLen} bytes runs past the end of the file (${buf.length} bytes)`, start);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(start, start + headerLen));
  const descrM = /'descr'\s*:\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  if (!descrM) fail(`header field 'descr' missing or not a simple dtype (structured dtypes are not supported): ${header.trim()}`, start);
  const [, endian, kind, sizeStr] = descrM!;
  const d = DESCR[kind + sizeStr];
  if (!d)
    fail(
      `header field 'descr': dtype '${endian}${kind}${sizeStr}' is not supported (expected float16/32/64, int8–64, uint8–64, bool)`,
      start,
    );
  if (endian === '>' && d.size > 1)
    fail(`header field 'descr': big-endian dtype '${endian}${kind}${sizeStr}' is not supported; save with '<' byte order`, start);
  const fortM = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  if (!fortM) fail(`header field 'fortran_order' missing`, start);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeM) fail(`header field 'shape' missing`, start);
  const shape = shapeM![1]
    .split(',')
    .map(s => s.trim())
    .filter(s => s.length > 0)
    .map(s => {
      if (!/^\d+L?$/.test(s)) fail(`header field 'shape' has a non-integer entry '${s}'`, start);
      return parseInt(s, 10);
    });
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count * d.size)) fail(`shape (${shape.join(', ')}) is too large`, start);
  return { shape, dtype: d.dtype, itemSize: d.size, fortranOrder: fortM![1] === 'True', dataOffset: start + headerLen, count };
}

/** Decode `count` little-endian values of `dtype` from `raw` (which this function may keep). */
export function decodeValues(raw: Uint8Array, dtype: NpyDtype, count: number, file: string, baseOffset = 0): NdArray['data'] {
  const aligned = raw.byteOffset % 8 === 0 ? raw : Uint8Array.prototype.slice.call(raw); // a real copy (Buffer.slice is a view), aligned
  const rb = aligned.buffer,
    off = aligned.byteOffset;
  switch (dtype) {
    case 'float32':
      return new Float32Array(rb, off, count);
    case 'float64':
      return new Float64Array(rb, off, count);
    case 'int8':
      return new Int8Array(rb, off, count);
    case 'int16':
      return new Int16Array(rb, off, count);
    case 'int32':
      return new Int32Array(rb, off, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(rb, off, count);
    case 'uint16':
      return new Uint16Array(rb, off, count);
    case 'uint32':
      return new Uint32Array(rb, off, count);
    case 'float16':
      return halfToFloat32(new Uint16Array(rb, off, count));
    case 'int64':
    case 'uint64': {
      const big = dtype === 'int64' ? new BigInt64Array(rb, off, count) : new BigUint64Array(rb, off, count);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const v = big[i];
        if (v > 9007199254740991n || v < -9007199254740991n)
          throw new UserInputError(`${dtype} value ${v} at element ${i} exceeds 2^53 and cannot be represented exactly`, {
            file,
            where: `byte ${baseOffset + i * 8}`,
          });
        out[i] = Number(v);
      }
      return out;
    }
  }
}

export function parseNpy(buf: Uint8Array, file: string): NdArray {
  const h = parseNpyHeader(buf, file);
  const need = h.count * h.itemSize;
  if (h.dataOffset + need > buf.length)
    throw new UserInputError(
      `shape (${h.shape.join(', ')}) × ${h.itemSize} bytes = ${need} bytes of data, but only ${buf.length - h.dataOffset} remain`,
      { file, where: `byte ${h.dataOffset}` },
    );
  const raw = Uint8Array.prototype.slice.call(buf, h.dataOffset, h.dataOffset + need);
  let data = decodeValues(raw, h.dtype, h.count, file, h.dataOffset);
  if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
  return { shape: h.shape, dtype: h.dtype, data };
}

export function halfToFloat32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const x = h[i],
      s = x & 0x8000 ? -1 : 1,
      e = (x >> 10) & 0x1f,
      f = x & 0x3ff;
    out[i] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return out;
}

function fortranToC<T extends NdArray['data']>(src: T, shape: number[]): T {
  const n = src.length;
  const dst = new (src.constructor as { new (n: number): T })(n);
  const rank = shape.length;
  const cStride = new Array<number>(rank),
    fStride = new Array<number>(rank);
  cStride[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) cStride[i] = cStride[i + 1] * shape[i + 1];
  fStride[0] = 1;
  for (let i = 1; i < rank; i++) fStride[i] = fStride[i - 1] * shape[i - 1];
  const idx = new Array<number>(rank).fill(0);
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let k = 0; k < rank; k++) f += idx[k] * fStride[k];
    dst[c] = src[f];
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return dst;
}

/** Convert any NdArray's values to float32 (for model inputs). */
export function toFloat32(a: NdArray): Float32Array {
  return a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>);
}

export function isIntegerDtype(d: NpyDtype): boolean {
  return d.startsWith('int') || d.startsWith('uint') || d === 'bool';
}
