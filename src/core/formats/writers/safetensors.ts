/**
 * safetensors writer: the source file's 8-byte header length and JSON header are kept byte for
 * byte (same names, dtypes, shapes, offsets and __metadata__); in the data buffer the bytes of every
 * tensor that is a parameter θ (matched by name) are replaced, encoded in the tensor's own dtype
 * (F32, F64, F16, BF16). Tensors that are not parameters keep their bytes. New files only.
 */
import { UserInputError, UnsupportedError } from '../../errors';
import type { GraphModel } from '../../model/graph';
import { checkNew, float32ToBf16, float32ToHalf, writeNewFile } from './common';
import { readRegularFile } from '../../safeFs';

export function writeSafetensors(source: string, model: GraphModel, theta: Float32Array, out: string): string[] {
  if (theta.length !== model.numParams) throw new Error(`internal: θ has ${theta.length} values, the model ${model.numParams}`);
  checkNew([out], [source]);
  const buf = new Uint8Array(readRegularFile(source, { what: 'checkpoint' }));
  const n = Number(Buffer.from(buf.buffer, buf.byteOffset, 8).readBigUInt64LE(0));
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8'));
  } catch (e) {
    throw new UserInputError(`header is not valid JSON: ${(e as Error).message}`, { file: source, where: 'byte 8' });
  }
  const outBuf = buf.slice();
  const base = 8 + n;
  for (const p of model.params) {
    const t = header[p.name];
    if (!t) throw new UnsupportedError(`parameter '${p.name}' is not a tensor of this file; cannot write it back`, { file: source });
    const v = theta.slice(p.offset, p.offset + p.size);
    let bytes: Uint8Array;
    switch (t.dtype) {
      case 'F32':
        bytes = new Uint8Array(v.buffer);
        break;
      case 'F64':
        bytes = new Uint8Array(Float64Array.from(v).buffer);
        break;
      case 'F16':
        bytes = new Uint8Array(float32ToHalf(v).buffer);
        break;
      case 'BF16':
        bytes = new Uint8Array(float32ToBf16(v).buffer);
        break;
      default:
        throw new UnsupportedError(`tensor '${p.name}' has dtype ${t.dtype}; parameters are written as F32, F64, F16 or BF16`, {
          file: source,
          where: `tensor '${p.name}'`,
        });
    }
    const [b0, b1] = t.data_offsets;
    if (b1 - b0 !== bytes.length)
      throw new UserInputError(`tensor '${p.name}' spans ${b1 - b0} bytes but the parameter needs ${bytes.length}`, {
        file: source,
        where: `tensor '${p.name}'`,
      });
    outBuf.set(bytes, base + b0);
  }
  writeNewFile(out, outBuf);
  return [out];
}
