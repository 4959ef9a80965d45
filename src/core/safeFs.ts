/**
 * The one way user files are read: regular files only (a FIFO, socket or device such as /dev/zero
 * is refused before it is opened for reading, and opens are non-blocking, so a FIFO never hangs),
 * sizes bounded before allocation, and files a checkpoint refers to (TF.js shards, ONNX external
 * data) resolved through symlinks and required to stay inside the checkpoint's real folder.
 * Every refusal is a UserInputError naming the file and what is wrong.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from './errors';
import { currentBudget } from './budget';

/** A file of at most this many bytes is read whole unless the caller says otherwise (2 GiB − 1). */
export const DEFAULT_MAX_READ_BYTES = 2 ** 31 - 1;

export interface OpenedFile {
  fd: number;
  size: number;
  path: string;
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Open a regular file for reading (symlinks followed). `what` names the file's role in messages
 * ("checkpoint", "data file", …); `ctx` is the file the error is reported against (default: file).
 */
export function openRegular(file: string, what = 'file', ctx?: { file?: string; where?: string }): OpenedFile {
  const report = { file: ctx?.file ?? file, where: ctx?.where };
  const label = what;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new UserInputError(`cannot read ${label}: ${code(e)}`, report);
  }
  if (!st.isFile()) throw new UserInputError(`${label} is ${kindOf(st)}, not a regular file; refused`, report);
  let fd: number;
  // O_NONBLOCK: if the path was swapped for a FIFO after the check, the open still returns at once
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new UserInputError(`cannot read ${label}: ${code(e)}`, report);
  }
  const st2 = fs.fstatSync(fd);
  if (!st2.isFile()) {
    fs.closeSync(fd);
    throw new UserInputError(`${label} is ${kindOf(st2)}, not a regular file; refused`, report);
  }
  return { fd, size: st2.size, path: file };
}

/** openRegular, or undefined when the path is missing or not a regular file now (a log being tailed). */
export function tryOpenRegular(file: string): OpenedFile | undefined {
  try {
    return openRegular(file);
  } catch {
    return undefined;
  }
}

/** Read `len` bytes at `pos` (fewer only at the end of the file). */
export function readAt(fd: number, pos: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, b, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? b : b.subarray(0, got);
}

/** The whole of a regular file, refused when it is larger than `maxBytes`. */
export function readRegularFile(
  file: string,
  opts: { maxBytes?: number; what?: string; ctx?: { file?: string; where?: string } } = {},
): Buffer {
  const what = opts.what ?? 'file';
  const f = openRegular(file, what, opts.ctx);
  try {
    const max = opts.maxBytes ?? DEFAULT_MAX_READ_BYTES;
    if (f.size > max)
      throw new UserInputError(`${what} is ${f.size} bytes, more than the limit of ${max} bytes`, {
        file: opts.ctx?.file ?? file,
        where: opts.ctx?.where,
      });
    // the bytes themselves, charged to the resource budget before the buffer exists
    currentBudget().check(f.size, `reading ${what} whole (${f.size} bytes)`, { file: opts.ctx?.file ?? file, where: opts.ctx?.where });
    return readAt(f.fd, 0, f.size);
  } finally {
    fs.closeSync(f.fd);
  }
}

/** A regular file's text (UTF-8). */
export function readRegularText(file: string, opts: { maxBytes?: number; what?: string } = {}): string {
  return readRegularFile(file, opts).toString('utf8');
}

/** The size of a regular file (symlinks followed); refuses anything else. */
export function regularSize(file: string, what = 'file'): number {
  const f = openRegular(file, what);
  fs.closeSync(f.fd);
  return f.size;
}

/**
 * `relPath` (as written in the checkpoint `ctxFile`) resolved inside `folder`: refused when, as text
 * or after resolving symlinks (of the file or of any folder on the way), it leaves the folder's
 * real path. Returns the real path.
 */
export function containedPath(
  folder: string,
  relPath: string,
  what: string,
  ctx: { file: string; where?: string; folderLabel?: string },
): string {
  const label = ctx.folderLabel ?? "the checkpoint's folder";
  ctx = { file: ctx.file, where: ctx.where };
  if (path.isAbsolute(relPath) || /^[A-Za-z]:/.test(relPath))
    throw new UserInputError(`${what} path '${relPath}' is absolute; it must stay inside ${label}; refused`, ctx);
  const base = path.resolve(folder);
  const full = path.resolve(base, relPath);
  const rel = path.relative(base, full);
  if (rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel))
    throw new UserInputError(`${what} path '${relPath}' leaves ${label}; refused`, ctx);
  let realBase: string, real: string;
  try {
    realBase = fs.realpathSync(base);
  } catch (e) {
    throw new UserInputError(`cannot resolve ${label}: ${code(e)}`, ctx);
  }
  try {
    real = fs.realpathSync(full);
  } catch (e) {
    throw new UserInputError(`cannot read ${what} '${relPath}': ${code(e)}`, ctx);
  }
  const r2 = path.relative(realBase, real);
  if (r2 === '' || r2 === '..' || r2.startsWith('..' + path.sep) || path.isAbsolute(r2))
    throw new UserInputError(`${what} '${relPath}' resolves (through a symlink) to ${real}, outside ${label}; refused`, ctx);
  return real;
}

/** Open `relPath` inside `folder` (see containedPath) as a regular file. */
export function openContained(
  folder: string,
  relPath: string,
  what: string,
  ctx: { file: string; where?: string; folderLabel?: string },
): OpenedFile {
  const real = containedPath(folder, relPath, what, ctx);
  const f = openRegular(real, `${what} '${relPath}'`, { file: ctx.file, where: ctx.where });
  return f;
}
