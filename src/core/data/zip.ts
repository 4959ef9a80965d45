/**
 * Safe zip extraction for .npz, .keras and .pt archives (PKWARE APPNOTE; via fflate).
 * Refuses entries with absolute or `..` paths, and limits total and per-entry
 * uncompressed size and the compression ratio before inflating (decompression bombs).
 */
import { unzipSync } from 'fflate';
import { UserInputError } from '../errors';

export interface ZipLimits { maxEntryBytes: number; maxTotalBytes: number; maxRatio: number; maxEntries: number }
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntryBytes: 4 * 2 ** 30, maxTotalBytes: 8 * 2 ** 30, maxRatio: 1000, maxEntries: 100000 };

export function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 3 || buf[2] === 5) && (buf[3] === 4 || buf[3] === 6);
}

export function readZip(buf: Uint8Array, file: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Map<string, Uint8Array> {
  if (!isZip(buf)) throw new UserInputError('not a zip archive: expected signature "PK\\x03\\x04"', { file, where: 'byte 0' });
  let total = 0, entries = 0;
  let problem: string | undefined;
  let out: Record<string, Uint8Array>;
  try {
    out = unzipSync(buf, {
      filter: (f) => {
        if (problem) return false;
        entries++;
        const name = f.name;
        if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).includes('..')) {
          problem = `zip entry '${name}' has an absolute or '..' path; refused`; return false;
        }
        if (entries > limits.maxEntries) { problem = `more than ${limits.maxEntries} zip entries`; return false; }
        if (f.originalSize > limits.maxEntryBytes) { problem = `zip entry '${name}' would inflate to ${f.originalSize} bytes (limit ${limits.maxEntryBytes})`; return false; }
        total += f.originalSize;
        if (total > limits.maxTotalBytes) { problem = `zip entries would inflate to more than ${limits.maxTotalBytes} bytes in total`; return false; }
        if (f.size > 0 && f.originalSize / f.size > limits.maxRatio && f.originalSize > 1 << 20) {
          problem = `zip entry '${name}' has compression ratio ${(f.originalSize / f.size).toFixed(0)}:1 (limit ${limits.maxRatio}:1); refused as a possible decompression bomb`; return false;
        }
        return !name.endsWith('/');
      },
    });
  } catch (e) {
    throw new UserInputError(`corrupt zip archive: ${(e as Error).message}`, { file });
  }
  if (problem) throw new UserInputError(problem, { file });
  const m = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(out)) m.set(k, v);
  return m;
}
