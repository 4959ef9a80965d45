/**
 * safetensors (https://github.com/huggingface/safetensors, "format" section): an 8-byte
 * little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {...}}, then the byte buffer; offsets are relative to the buffer's start.
 * Weights only. Everything is validated before allocation: header size, JSON, dtype, shape ×
 * dtype size = end − begin, offsets inside the file.
 */
import * as fs from 'fs';
import { UserInputError, UnsupportedError } from '../errors';
import { openRegular } from '../safeFs';
import { halfToFloat32 } from '../data/npy';

export interface NamedTensor {
  name: string;
  shape: number[];
  dtype: string;
  values: Float32Array | Float64Array | Int32Array;
}

const SIZES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
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
    const base = 8 + n,
      dataLen = size - base;
    const tensors: NamedTensor[] = [];
    const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
    for (const [name, spec] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const s = spec as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const where = `tensor '${name}'`;
      if (!s || typeof s !== 'object') throw new UserInputError(`${where}: expected {dtype, shape, data_offsets}`, { file, where });
      const dtype = String(s.dtype);
      const isz = SIZES[dtype];
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
