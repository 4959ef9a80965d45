/**
 * The one output writer (issue 25): every file the product writes — reports, JSON, CSV, checkpoints,
 * derived folders — goes through `writeOutput`, which
 *  1. resolves the real path of the target's folder (the nearest existing ancestor before creating
 *     anything, then the folder itself) and refuses it when it leaves the folder the output belongs
 *     to (`root`: the run folder for `derived/` outputs, so a symlinked `derived/` is refused);
 *  2. writes to a temporary name in the same folder (`.<name>.<pid>-<n>.partial`), fsyncs it, and
 *     only then gives it its name — with a hard link, which fails atomically when the name is taken,
 *     so an existing file is never replaced unless `overwrite` is asked (then a rename);
 *  3. removes the temporary file on any failure (ENOSPC, EIO, …) and on SIGINT/SIGTERM/SIGHUP or exit.
 * `outputScope(fn)` groups the outputs of one job: when `fn` fails or the process is interrupted,
 * every file written inside the scope is removed, so a partial result never stands under a final name.
 * Every refusal is a UserInputError naming the file and what is wrong.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AsyncLocalStorage } from 'async_hooks';
import { UserInputError } from './errors';

export const EXISTS_MESSAGE = 'output file already exists; choose a new name (Landscape Lens never overwrites files)';

export interface WriteOutputOptions {
  /** The folder the output must stay in after resolving symlinks (default: the file's own folder, as named). */
  root?: string;
  /** Replace an existing regular file (atomically, by rename). Default false: an existing name is refused. */
  overwrite?: boolean;
}

const errCode = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function inside(base: string, p: string): boolean {
  const r = path.relative(base, p);
  return r === '' || (r !== '..' && !r.startsWith('..' + path.sep) && !path.isAbsolute(r));
}

/** A free output name: base, base-2, base-3, … (never an existing file; the writer still refuses a race). */
export function freeName(file: string): string {
  if (!fs.existsSync(file)) return file;
  const ext = path.extname(file),
    stem = file.slice(0, file.length - ext.length);
  for (let i = 2; ; i++) {
    const f = `${stem}-${i}${ext}`;
    if (!fs.existsSync(f)) return f;
  }
}

/* ---------- where outputs belong ---------- */

const roots = new Map<string, string>();

/**
 * Declare that `file` (and anything written in its folder) belongs to `root`: `defaultOutput` calls it for
 * the `<run>/derived/…` paths it chooses, so the writers refuse them when `derived/` leads elsewhere.
 */
export function claimOutput(file: string, root: string): void {
  roots.set(path.resolve(file), path.resolve(root));
  roots.set(path.dirname(path.resolve(file)), path.resolve(root));
}

/** The root claimed for `file` (or its folder), if any. */
export function claimedRoot(file: string): string | undefined {
  const abs = path.resolve(file);
  return roots.get(abs) ?? roots.get(path.dirname(abs));
}

/**
 * The real folder `file` will be written in, created when missing, after checking that it stays inside
 * `root` (real path) both before anything is created and after.
 */
export function outputFolder(file: string, root?: string): string {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const base = path.resolve(root ?? dir);
  if (!inside(base, dir)) throw new UserInputError(`the output path leaves its folder ${base}; refused`, { file });
  // the nearest existing ancestor of the root, as real path (the root itself may not exist yet)
  let realBase: string;
  let b = base;
  for (;;) {
    try {
      realBase = path.join(fs.realpathSync(b), path.relative(b, base));
      break;
    } catch {
      if (path.dirname(b) === b) throw new UserInputError(`cannot resolve the output's folder ${base}`, { file });
      b = path.dirname(b);
    }
  }
  // nearest existing ancestor of the target folder: its real path must stay inside the root's
  let a = dir;
  while (!fs.existsSync(a) && path.dirname(a) !== a) a = path.dirname(a);
  const check = (p: string) => {
    let real: string;
    try {
      real = fs.realpathSync(p);
    } catch (e) {
      throw new UserInputError(`cannot resolve the output's folder: ${errCode(e)}`, { file });
    }
    if (!inside(realBase, real))
      throw new UserInputError(`the output's folder resolves (through a symlink) to ${real}, outside ${base}; refused`, { file });
    return real;
  };
  const st = fs.statSync(a);
  if (!st.isDirectory()) throw new UserInputError(`cannot create the output's folder: ${a} is not a folder`, { file });
  if (inside(base, a)) check(a);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserInputError(`cannot create the output's folder ${dir}: ${errCode(e)}`, { file });
  }
  return inside(base, dir) ? check(dir) : dir;
}

/**
 * Before the work: refuse an output that exists (or is a dangling symlink), create its folder (contained
 * in `root`), and probe that a file can be created there (created and removed at once).
 */
export function probeOutput(file: string, root?: string): void {
  const abs = path.resolve(file);
  let taken = false;
  try {
    fs.lstatSync(abs);
    taken = true;
  } catch {
    /* free */
  }
  if (taken) throw new UserInputError(EXISTS_MESSAGE, { file });
  const dir = outputFolder(abs, root ?? claimedRoot(file));
  const probe = path.join(dir, `.${path.basename(abs).slice(0, 100)}.${process.pid}-${++counter}.probe`);
  let fd: number;
  try {
    fd = fs.openSync(probe, 'wx');
  } catch (e) {
    throw new UserInputError(`cannot write the output file: ${errCode(e)}`, { file });
  }
  fs.closeSync(fd);
  removeQuietly(probe);
}

/* ---------- temporary files and scopes, removed on failure or signal ---------- */

interface Scope {
  files: string[];
}
const pending = new Set<string>();
const openScopes = new Set<Scope>();
const scopeStore = new AsyncLocalStorage<Scope>();
let counter = 0;
let installed = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeQuietly(f: string): void {
  try {
    fs.unlinkSync(f);
  } catch {
    /* already gone */
  }
}

/** Remove every temporary file and every file of an open scope (signal or exit). */
export function cleanupOutputs(): void {
  for (const f of pending) removeQuietly(f);
  pending.clear();
  for (const s of openScopes) for (const f of s.files.splice(0)) removeQuietly(f);
}

function onSignal(sig: NodeJS.Signals): void {
  cleanupOutputs();
  uninstall();
  // nobody else handles it: the default action (terminate with the signal)
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}
const onExit = (): void => cleanupOutputs();

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);
}
function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.removeListener('exit', onExit);
}
function maybeUninstall(): void {
  if (pending.size === 0 && openScopes.size === 0) uninstall();
}

/**
 * Run `fn` with its outputs grouped: if it throws (or the process gets SIGINT/SIGTERM/SIGHUP while it runs),
 * every file written through `writeOutput` inside it is removed. Returns fn's value.
 */
export async function outputScope<T>(fn: () => Promise<T> | T): Promise<T> {
  const scope: Scope = { files: [] };
  openScopes.add(scope);
  install();
  try {
    const v = await scopeStore.run(scope, fn);
    scope.files = [];
    return v;
  } catch (e) {
    for (const f of scope.files.splice(0)) removeQuietly(f);
    throw e;
  } finally {
    openScopes.delete(scope);
    maybeUninstall();
  }
}

/** For tests: a write failure injected after this many bytes (ENOSPC by default). */
export const writeFaults: { failAfterBytes?: number; code?: string } = {};

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    const n = Math.min(data.length - off, 1 << 24);
    if (writeFaults.failAfterBytes !== undefined && off + n > writeFaults.failAfterBytes) {
      const e = new Error(`${writeFaults.code ?? 'ENOSPC'}: injected write failure`) as NodeJS.ErrnoException;
      e.code = writeFaults.code ?? 'ENOSPC';
      throw e;
    }
    off += fs.writeSync(fd, data, off, n);
  }
}

/**
 * Write `data` to `file` through a temporary name in the same folder; see the header. Returns the path written.
 * With `root`, the file's real folder must stay inside root's real path.
 */
export function writeOutput(file: string, data: string | Uint8Array, opts: WriteOutputOptions = {}): string {
  const root = opts.root ?? claimedRoot(file);
  const abs = path.resolve(file);
  const realDir = outputFolder(abs, root);
  const target = path.join(realDir, path.basename(abs));
  const exists = (() => {
    try {
      return fs.lstatSync(target);
    } catch {
      return undefined;
    }
  })();
  if (exists && !opts.overwrite) throw new UserInputError(EXISTS_MESSAGE, { file });
  if (exists && !exists.isFile())
    throw new UserInputError('output name is taken by something that is not a regular file; refused', { file });
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = path.join(realDir, `.${path.basename(abs).slice(0, 100)}.${process.pid}-${++counter}.partial`);
  install();
  pending.add(tmp);
  try {
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'wx', 0o644);
    } catch (e) {
      throw new UserInputError(`cannot write the output file: ${errCode(e)}`, { file });
    }
    try {
      writeAll(fd, bytes);
      fs.fsyncSync(fd);
    } catch (e) {
      const c = errCode(e);
      throw new UserInputError(
        `cannot write the output file: ${c}${c === 'ENOSPC' ? ' (the disk is full)' : ''}; nothing was left under its name`,
        { file },
      );
    } finally {
      fs.closeSync(fd);
    }
    if (opts.overwrite) fs.renameSync(tmp, target);
    else {
      try {
        fs.linkSync(tmp, target); // atomic: fails when the name was taken meanwhile
      } catch (e) {
        const c = errCode(e);
        if (c === 'EEXIST') throw new UserInputError(EXISTS_MESSAGE, { file });
        // a file system without hard links: check, then rename
        if (fs.existsSync(target)) throw new UserInputError(EXISTS_MESSAGE, { file });
        try {
          fs.renameSync(tmp, target);
        } catch (e2) {
          throw new UserInputError(`cannot write the output file: ${errCode(e2)}`, { file });
        }
      }
    }
    const scope = scopeStore.getStore();
    if (scope) scope.files.push(target);
    return target;
  } finally {
    removeQuietly(tmp);
    pending.delete(tmp);
    maybeUninstall();
  }
}

/** Write several outputs in order; when one fails, the ones this call wrote are removed. */
export function writeOutputs(outputs: { file: string | undefined; data: () => string | Uint8Array; root?: string }[]): string[] {
  const done: string[] = [];
  try {
    for (const o of outputs) {
      if (o.file === undefined) continue;
      done.push(writeOutput(o.file, o.data(), { root: o.root }));
    }
    return done;
  } catch (e) {
    for (const f of done) removeQuietly(f);
    throw e;
  }
}
