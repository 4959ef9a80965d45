/**
 * Streaming access to the rows of a large array inside an .npz (numpy.savez: stored, i.e.
 * uncompressed, zip members; zip64 included) without reading the file into memory: the zip
 * central directory is parsed (PKWARE APPNOTE 4.3.12/4.3.14/4.5.3), the member's .npy header read,
 * and rows [start, end) are read with positioned reads. Compressed members (savez_compressed)
 * cannot be read at random offsets; a compressed array too large for memory is refused with the
 * fix (re-save with numpy.savez, or use --samples). Offsets and sizes are checked against the file
 * before use. The CRC-32 of a streamed member is checked when it is opened, in one sequential pass
 * of 1 MiB reads (checkMemberCrc), before any row is used.
 */
import * as fs from 'fs';
import { UserInputError } from '../errors';
import { parseNpyHeader, decodeValues, NpyHeader } from './npy';
import { readAt } from '../safeFs';
import { crc32 } from './crc32';

export interface ZipMember {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  crc32: number;
}

/** The central directory of a zip file open as `fd`, read from its end. */
export function zipDirectory(fd: number, file: string): ZipMember[] {
  return zipDirectoryOf((pos, len) => readAt(fd, pos, len), fs.fstatSync(fd).size, file);
}

/**
 * The central directory of a zip of `size` bytes read through `read` (positioned reads). Every
 * offset and size is checked against the file before it is used: a zip64 locator or a directory
 * pointing past the end is a UserInputError naming the file, never an out-of-bounds read.
 */
export function zipDirectoryOf(read: (pos: number, len: number) => Buffer, size: number, file: string): ZipMember[] {
  if (size < 22) throw new UserInputError(`not a zip archive: ${size} bytes is shorter than an end-of-central-directory record`, { file });
  const tailLen = Math.min(size, 65557);
  const tail = read(size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--)
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new UserInputError('not a zip archive: no end-of-central-directory record', { file });
  let entries = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || entries === 0xffff || cdSize === 0xffffffff) {
    // zip64: the locator sits just before the EOCD record
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50)
      throw new UserInputError('zip64 archive without a zip64 end-of-central-directory locator', {
        file,
        where: `byte ${size - tailLen + Math.max(loc, 0)}`,
      });
    const recOff = Number(tail.readBigUInt64LE(loc + 8));
    if (!Number.isSafeInteger(recOff) || recOff + 56 > size)
      throw new UserInputError(
        `the zip64 end-of-central-directory locator points to byte ${recOff}, past ` +
          `the end of the file (${size} bytes); the archive is corrupt or truncated`,
        { file, where: `byte ${size - tailLen + loc}` },
      );
    const rec = read(recOff, 56);
    if (rec.length < 56 || rec.readUInt32LE(0) !== 0x06064b50)
      throw new UserInputError('bad zip64 end-of-central-directory record', { file, where: `byte ${recOff}` });
    entries = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  if (!Number.isSafeInteger(cdOffset) || !Number.isSafeInteger(cdSize) || cdOffset + cdSize > size)
    throw new UserInputError(`central directory (offset ${cdOffset}, ${cdSize} bytes) runs past the end of the file (${size} bytes)`, {
      file,
    });
  if (!Number.isSafeInteger(entries) || entries * 46 > cdSize)
    throw new UserInputError(`central directory of ${cdSize} bytes cannot hold the ${entries} entries it declares`, {
      file,
      where: `byte ${cdOffset}`,
    });
  const cd = read(cdOffset, cdSize);
  const out: ZipMember[] = [];
  let p = 0;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50)
      throw new UserInputError(`bad central directory entry ${e}`, { file, where: `byte ${cdOffset + p}` });
    const method = cd.readUInt16LE(p + 10);
    const crc32 = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20),
      usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28),
      extraLen = cd.readUInt16LE(p + 30),
      commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length)
      throw new UserInputError(`central directory entry ${e} runs past the directory's end`, { file, where: `byte ${cdOffset + p}` });
    const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // zip64 extended information extra field (id 1): 8-byte values for the fields set to 0xFFFFFFFF
    let q = p + 46 + nameLen;
    const qEnd = q + extraLen;
    while (q + 4 <= qEnd) {
      const id = cd.readUInt16LE(q),
        len = cd.readUInt16LE(q + 2);
      if (q + 4 + len > qEnd)
        throw new UserInputError(`extra field of central directory entry ${e} runs past its end`, { file, where: `byte ${cdOffset + q}` });
      if (id === 1) {
        const need = (usize === 0xffffffff ? 8 : 0) + (compressedSize === 0xffffffff ? 8 : 0) + (localHeaderOffset === 0xffffffff ? 8 : 0);
        if (need > len) throw new UserInputError(`zip64 extra field of entry ${e} is too short`, { file, where: `byte ${cdOffset + q}` });
        let r = q + 4;
        if (usize === 0xffffffff) {
          usize = Number(cd.readBigUInt64LE(r));
          r += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(cd.readBigUInt64LE(r));
          r += 8;
        }
        if (localHeaderOffset === 0xffffffff) {
          localHeaderOffset = Number(cd.readBigUInt64LE(r));
          r += 8;
        }
      }
      q += 4 + len;
    }
    if (
      !Number.isSafeInteger(localHeaderOffset) ||
      !Number.isSafeInteger(compressedSize) ||
      !Number.isSafeInteger(usize) ||
      localHeaderOffset + 30 + compressedSize > size
    ) {
      throw new UserInputError(
        `zip member '${name}' (local header at byte ${localHeaderOffset}, ${compressedSize} ` +
          `bytes) runs past the end of the file (${size} bytes)`,
        { file, where: `byte ${cdOffset + p}` },
      );
    }
    if (method === 0 && usize !== compressedSize)
      throw new UserInputError(`stored zip member '${name}' declares ${usize} bytes but holds ${compressedSize}`, {
        file,
        where: `byte ${cdOffset + p}`,
      });
    out.push({ name, method, compressedSize, size: usize, localHeaderOffset, crc32 });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Where a member's data starts (after its local header), checked against the file. */
export function memberDataStart(fd: number, file: string, m: ZipMember): number {
  const size = fs.fstatSync(fd).size;
  const lh = readAt(fd, m.localHeaderOffset, 30);
  if (lh.length < 30 || lh.readUInt32LE(0) !== 0x04034b50)
    throw new UserInputError(`bad local header of member '${m.name}'`, { file, where: `byte ${m.localHeaderOffset}` });
  const start = m.localHeaderOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
  if (start + m.compressedSize > size)
    throw new UserInputError(
      `zip member '${m.name}' (${m.compressedSize} bytes from byte ${start}) runs past the end of the file (${size} bytes)`,
      { file, where: `byte ${m.localHeaderOffset}` },
    );
  return start;
}

/** Refuse a stored or deflated member whose bytes on disk do not have its recorded CRC-32 (stored: of the data itself). */
export function checkMemberCrc(fd: number, file: string, m: ZipMember, chunkBytes = 1 << 20): void {
  if (m.method !== 0) return; // a deflated member's CRC is of the inflated bytes: checked where it is inflated
  const start = memberDataStart(fd, file, m);
  let c = 0;
  for (let pos = 0; pos < m.compressedSize; pos += chunkBytes) {
    const b = readAt(fd, start + pos, Math.min(chunkBytes, m.compressedSize - pos));
    c = crc32(b, c);
  }
  const hex = (v: number): string => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
  if (c !== m.crc32 >>> 0)
    throw new UserInputError(
      `zip member '${m.name}' fails its CRC-32 check (recorded ${hex(m.crc32)}, computed ${hex(c)}); the archive is corrupt`,
      { file, where: `member '${m.name}'` },
    );
}

/** Rows of one array, read on demand. */
export interface RowSource {
  file: string;
  key: string;
  header: NpyHeader;
  rows: number;
  rowShape: number[];
  /** float32 values of rows [start, end), C order */
  read(start: number, end: number): Float32Array;
  /** float32 values of the given rows, in the given order */
  gather(indices: number[]): Float32Array;
  close(): void;
}

/** Open array `key` of an .npz for row streaming, or return undefined when it is compressed. */
export function openNpzRows(file: string, key: string, members: ZipMember[], fd: number): RowSource | 'compressed' {
  const m = members.find(x => x.name === `${key}.npy`);
  if (!m)
    throw new UserInputError(
      `no array named '${key}' (keys: ${members
        .filter(x => x.name.endsWith('.npy'))
        .map(x => x.name.slice(0, -4))
        .join(', ')})`,
      { file, where: `key '${key}'` },
    );
  if (m.method !== 0) return 'compressed';
  const dataStart = memberDataStart(fd, file, m);
  const head = readAt(fd, dataStart, Math.min(m.size, 1 << 16));
  const header = parseNpyHeader(head, `${file}:${m.name}`);
  if (header.shape.length < 1)
    throw new UserInputError(`'${key}' is a scalar; expected an array with a leading sample axis`, { file, where: `key '${key}'` });
  if (header.fortranOrder && header.shape.length > 1)
    throw new UserInputError(
      `'${key}' is stored in Fortran order, whose rows are not contiguous and cannot be streamed; re-save it with numpy.ascontiguousarray`,
      { file, where: `key '${key}'` },
    );
  if (header.dataOffset + header.count * header.itemSize > m.size)
    throw new UserInputError(
      `'${key}': shape (${header.shape.join(', ')}) needs ${header.count * header.itemSize} ` +
        `bytes of data but the member has ${m.size - header.dataOffset}`,
      { file, where: `key '${key}'` },
    );
  const rowShape = header.shape.slice(1);
  const rowLen = rowShape.reduce((a, b) => a * b, 1);
  const rowBytes = rowLen * header.itemSize;
  const base = dataStart + header.dataOffset;
  const toF32 = (raw: Buffer, n: number, at: number): Float32Array => {
    const v = decodeValues(raw, header.dtype, n, `${file}:${m.name}`, at);
    return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
  };
  const read = (start: number, end: number): Float32Array => {
    const raw = readAt(fd, base + start * rowBytes, (end - start) * rowBytes);
    if (raw.length !== (end - start) * rowBytes)
      throw new UserInputError(`'${key}' ends early: rows ${start}–${end} are past the end of the file`, {
        file,
        where: `byte ${base + start * rowBytes}`,
      });
    return toF32(raw, (end - start) * rowLen, base + start * rowBytes);
  };
  return {
    file,
    key,
    header,
    rows: header.shape[0],
    rowShape,
    read,
    gather(indices: number[]): Float32Array {
      const out = new Float32Array(indices.length * rowLen);
      indices.forEach((r, i) => out.set(read(r, r + 1), i * rowLen));
      return out;
    },
    close(): void {
      /* the fd is owned by the dataset */
    },
  };
}
