/**
 * Safe zip extraction for .npz, .keras and .pt archives (PKWARE APPNOTE; via fflate).
 * Refuses entries with absolute or `..` paths, and limits total and per-entry
 * uncompressed size and the compression ratio before inflating (decompression bombs), charges the
 * inflated total to the resource budget (src/core/budget.ts) first, refuses duplicate names, and checks
 * every member's CRC-32 against the central directory (the error names the member).
 */
import { unzipSync } from 'fflate';
import { UserInputError } from '../errors';
import { currentBudget } from '../budget';
import { zipDirectoryOf } from './stream';

import { crc32 } from './crc32';
export { crc32 };

/** Refuse a member whose data does not have the CRC-32 its central-directory entry records. */
export function checkCrc(data: Uint8Array, expected: number, member: string, file: string): void {
  const got = crc32(data);
  const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
  if (got !== expected >>> 0)
    throw new UserInputError(
      `zip member '${member}' fails its CRC-32 check (recorded ${hex(expected)}, computed ${hex(got)}); the archive is corrupt`,
      { file, where: `member '${member}'` },
    );
}

export interface ZipLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
  maxEntries: number;
}
export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntryBytes: 4 * 2 ** 30, maxTotalBytes: 8 * 2 ** 30, maxRatio: 1000, maxEntries: 100000 };

export function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && (buf[2] === 3 || buf[2] === 5) && (buf[3] === 4 || buf[3] === 6);
}

export function readZip(buf: Uint8Array, file: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Map<string, Uint8Array> {
  if (!isZip(buf)) throw new UserInputError('not a zip archive: expected signature "PK\\x03\\x04"', { file, where: 'byte 0' });
  let total = 0,
    entries = 0;
  let problem: string | undefined;
  const names = new Set<string>();
  const budget = currentBudget();
  let out: Record<string, Uint8Array>;
  try {
    out = unzipSync(buf, {
      filter: f => {
        if (problem) return false;
        entries++;
        const name = f.name;
        if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).includes('..')) {
          problem = `zip entry '${name}' has an absolute or '..' path; refused`;
          return false;
        }
        if (names.has(name)) {
          problem = `zip entry '${name}' appears twice; refused (which one is meant is ambiguous)`;
          return false;
        }
        names.add(name);
        if (entries > limits.maxEntries) {
          problem = `more than ${limits.maxEntries} zip entries`;
          return false;
        }
        if (f.originalSize > limits.maxEntryBytes) {
          problem = `zip entry '${name}' would inflate to ${f.originalSize} bytes (limit ${limits.maxEntryBytes})`;
          return false;
        }
        total += f.originalSize;
        if (total > limits.maxTotalBytes) {
          problem = `zip entries would inflate to more than ${limits.maxTotalBytes} bytes in total`;
          return false;
        }
        // what the members inflate to, charged before anything is inflated
        if (!budget.fits(total)) {
          problem =
            `zip members would inflate to ${total} bytes (${(total / 2 ** 20).toFixed(1)} MiB), over the budget of ` +
            `${(budget.limit / 2 ** 20).toFixed(1)} MiB; refused before inflating (raise ${budget.flag} if this is expected)`;
          return false;
        }
        if (f.size > 0 && f.originalSize / f.size > limits.maxRatio && f.originalSize > 1 << 20) {
          problem =
            `zip entry '${name}' has compression ratio ${(f.originalSize / f.size).toFixed(0)}:1 ` +
            `(limit ${limits.maxRatio}:1); refused as a possible decompression bomb`;
          return false;
        }
        return !name.endsWith('/');
      },
    });
  } catch (e) {
    throw new UserInputError(`corrupt zip archive: ${(e as Error).message}`, { file });
  }
  if (problem) throw new UserInputError(problem, { file });
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const crcs = new Map(zipDirectoryOf((pos, len) => b.subarray(pos, pos + len), b.length, file).map(e => [e.name, e.crc32]));
  const m = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(out)) {
    const expected = crcs.get(k);
    if (expected !== undefined) checkCrc(v, expected, k, file);
    m.set(k, v);
  }
  return m;
}
