/**
 * NumPy .npy / .npz writer (format 1.0; npz via fflate, stored or deflated), used for
 * fixtures, the demo and exported results. Output is readable by numpy.load.
 */
import { zipSync } from 'fflate';

export type WritableArray = { shape: number[]; data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array };

function descr(a: WritableArray['data']): string {
  if (a instanceof Float32Array) return '<f4';
  if (a instanceof Float64Array) return '<f8';
  if (a instanceof Int32Array) return '<i4';
  if (a instanceof BigInt64Array) return '<i8';
  return '|u1';
}

export function encodeNpy(a: WritableArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr(a.data)}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + a.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), 10 + header.length);
  return out;
}

export function encodeNpz(arrays: Record<string, WritableArray>, compress = false): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [k, v] of Object.entries(arrays)) files[`${k}.npy`] = [encodeNpy(v), { level: compress ? 6 : 0 }];
  return zipSync(files);
}
