/**
 * safetensors (https://github.com/huggingface/safetensors, "format" section): an 8-byte
 * little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {...}}, then the byte buffer; offsets are relative to the buffer's start.
 * Weights only. Everything is validated before allocation: header size, JSON, dtype, shape ×
 * dtype size = end − begin, offsets inside the file, no two spans overlapping (the spec forbids it),
 * no name twice, and the decoded size charged to the resource budget (src/core/budget.ts).
 */
import * as fs from 'fs';
import { UserInputError, UnsupportedError } from '../errors';
import { openRegular } from '../safeFs';
import { currentBudget } from '../budget';
import { duplicateKey } from './jsonKeys';
import { halfToFloat32 } from '../data/npy';
import { table } from '../table';

export interface NamedTensor {
  name: string;
  shape: number[];
  dtype: string;
  values: Float32Array | Float64Array | Int32Array;
}

const SIZES = table<number>({ F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 });
const MAX_HEADER = 100 * 2 ** 20;

export function readSafetensors(file: string): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  const { fd, size } = openRegular(file, 'checkpoint');
  try {
    if (size < 8)
      throw new UserInputError(`file is ${size} bytes; a safetensors file starts with an 8-byte header length`, { file, where: 'byte 0' });
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const n = Number(lenBuf.readBigUInt64LE(0));
    if (n > MAX_HEADER || n > size - 8)
      throw new UserInputError(
        `header length ${n} is larger than ` +
          `${n > MAX_HEADER ? `the limit of ${MAX_HEADER} bytes` : `the rest of the file (${size - 8} bytes)`}`,
        { file, where: 'byte 0' },
      );
    const hb = Buffer.alloc(n);
    fs.readSync(fd, hb, 0, n, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(hb.toString('utf8'));
    } catch (e) {
      throw new UserInputError(`header is not valid JSON: ${(e as Error).message}`, { file, where: 'byte 8' });
    }
    if (!header || typeof header !== 'object' || Array.isArray(header))
      throw new UserInputError('header is not a JSON object', { file, where: 'byte 8' });
    const dup = duplicateKey(hb.toString('utf8'));
    if (dup)
      throw new UserInputError(`header names '${dup.key}' twice; refused`, { file, where: dup.path ? `header${dup.path}` : 'header' });
    const base = 8 + n,
      dataLen = size - base;
    const tensors: NamedTensor[] = [];
    const specs: { name: string; shape: number[]; dtype: string; off: number[]; count: number; isz: number }[] = [];
    const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
    for (const [name, spec] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const s = spec as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const where = `tensor '${name}'`;
      if (!s || typeof s !== 'object') throw new UserInputError(`${where}: expected {dtype, shape, data_offsets}`, { file, where });
      const dtype = String(s.dtype);
      const isz = Object.prototype.hasOwnProperty.call(SIZES, dtype) ? SIZES[dtype] : 0;
      if (!isz)
        throw new UnsupportedError(`${where}: dtype '${dtype}' is not supported (expected ${Object.keys(SIZES).join(', ')})`, {
          file,
          where,
        });
      if (!Array.isArray(s.shape) || !s.shape.every(d => Number.isSafeInteger(d) && d >= 0))
        throw new UserInputError(`${where}: shape ${JSON.stringify(s.shape)} is not a list of non-negative integers`, { file, where });
      const shape = s.shape as number[];
      const count = shape.reduce((a, b) => a * b, 1);
      const off = s.data_offsets as number[];
      if (!Array.isArray(off) || off.length !== 2 || !off.every(o => Number.isSafeInteger(o) && o >= 0) || off[1] < off[0])
        throw new UserInputError(`${where}: data_offsets ${JSON.stringify(s.data_offsets)} must be [begin, end] with 0 ≤ begin ≤ end`, {
          file,
          where,
        });
      if (off[1] > dataLen)
        throw new UserInputError(`${where}: data_offsets [${off[0]}, ${off[1]}] run past the end of the data (${dataLen} bytes)`, {
          file,
          where: `byte ${base + off[0]}`,
        });
      if (off[1] - off[0] !== count * isz)
        throw new UserInputError(
          `${where}: shape (${shape.join(', ')}) × ${isz} bytes = ${count * isz} bytes, but data_offsets span ${off[1] - off[0]}`,
          { file, where },
        );
      specs.push({ name, shape, dtype, off, count, isz });
    }
    // the spec forbids overlapping spans (400 entries over the same bytes would multiply the memory)
    const byBegin = specs.filter(t => t.off[1] > t.off[0]).sort((a, b) => a.off[0] - b.off[0]);
    for (let k = 1; k < byBegin.length; k++)
      if (byBegin[k].off[0] < byBegin[k - 1].off[1])
        throw new UserInputError(
          `tensors '${byBegin[k - 1].name}' [${byBegin[k - 1].off.join(', ')}] and '${byBegin[k].name}' [${byBegin[k].off.join(', ')}] ` +
            'overlap; the safetensors format forbids overlapping data_offsets',
          { file, where: `tensor '${byBegin[k].name}'` },
        );
    // decoded size (half precision and integers widen), charged before anything is read
    const decoded = specs.reduce((a, t) => a + t.count * Math.max(t.isz, 4) + t.count * t.isz, 0);
    currentBudget().check(decoded, `${specs.length} tensors (${decoded} bytes decoded)`, { file });
    for (const { name, shape, dtype, off, count } of specs) {
      const raw = new Uint8Array(off[1] - off[0]);
      fs.readSync(fd, raw, 0, raw.length, base + off[0]);
      tensors.push({ name, shape, dtype, values: decode(raw, dtype, count) });
    }
    return { tensors, metadata };
  } finally {
    fs.closeSync(fd);
  }
}

export function decode(raw: Uint8Array, dtype: string, count: number): Float32Array | Float64Array | Int32Array {
  const b = raw.buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(b, raw.byteOffset, count);
    case 'F64':
      return new Float64Array(b, raw.byteOffset, count);
    case 'F16':
      return halfToFloat32(new Uint16Array(b, raw.byteOffset, count));
    case 'BF16': {
      const u = new Uint16Array(b, raw.byteOffset, count);
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = u[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'I64':
      return Int32Array.from(new BigInt64Array(b, raw.byteOffset, count), v => Number(v));
    case 'I32':
      return new Int32Array(b, raw.byteOffset, count);
    case 'I16':
      return Int32Array.from(new Int16Array(b, raw.byteOffset, count));
    case 'I8':
      return Int32Array.from(new Int8Array(b, raw.byteOffset, count));
    default:
      return Int32Array.from(raw.subarray(0, count));
  }
}
