/**
 * NumPy .npz reader: a zip archive (stored or deflated, as written by numpy.savez and
 * numpy.savez_compressed) of .npy members; key "x" is the member "x.npy".
 */
import { readZip } from './zip';
import { NdArray, parseNpy } from './npy';
import { UserInputError } from '../errors';

export function parseNpz(buf: Uint8Array, file: string): Map<string, NdArray> {
  const entries = readZip(buf, file);
  const out = new Map<string, NdArray>();
  for (const [name, bytes] of entries) {
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(bytes, `${file}:${name}`));
  }
  if (out.size === 0) throw new UserInputError('archive holds no .npy members', { file });
  return out;
}
