/**
 * Loads a dataset for diagnostics: inputs x (float32) and either integer class labels or
 * float targets, from .npz (keys chosen by --x-key / --y-key, default "x" / "y").
 * `samples` takes a seeded random subset (without replacement) so that large datasets
 * can be diagnosed on a reproducible sample.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserInputError } from '../errors';
import { NdArray, isIntegerDtype, toFloat32 } from './npy';
import { parseNpz } from './npz';
import { parseNpy } from './npy';
import { Rng } from '../rng';
import { inflateSync } from 'fflate';
import { zipDirectory, openNpzRows, RowSource, ZipMember, memberDataStart, checkMemberCrc } from './stream';
import { checkCrc, DEFAULT_ZIP_LIMITS } from './zip';
import { readCsvDataset, readJsonlDataset } from './tabular';
import { openRegular, readAt, readRegularFile, regularSize } from '../safeFs';

export type Targets = { kind: 'labels'; data: Int32Array; numClasses: number } | { kind: 'values'; data: Float32Array; shape: number[] };

export interface Dataset {
  file: string;
  x: Float32Array;
  /** Shape of x including the sample axis. */
  xShape: number[];
  y: Targets;
  /** Number of samples (after subsetting). */
  m: number;
  /** Number of samples in the file. */
  total: number;
  xKey: string;
  yKey: string;
  /** Indices of the subset (undefined when all samples are used). */
  indices?: number[];
  /**
   * When set, x is not in memory (x is empty): rows are read from the file on demand, one chunk
   * at a time (datasets larger than the memory budget).
   */
  source?: RowSource;
  /** Release the file handle of a streamed dataset. */
  close?(): void;
}

export interface DatasetOptions {
  xKey?: string;
  yKey?: string;
  samples?: number;
  seed?: number;
  /** CSV datasets: the target column (default: y, target, label, labels, class, else the last column). */
  target?: string;
  /** Inputs larger than this (as float32) are streamed from the file instead of loaded (default 1 GiB). */
  maxResidentBytes?: number;
}

export const DEFAULT_MAX_RESIDENT_BYTES = 2 ** 30;

export function loadDataset(file: string, opts: DatasetOptions = {}): Dataset {
  // a regular file only: a FIFO would block, /dev/zero (or a symlink to it) never ends
  const size = regularSize(file, 'data file');
  const budget = opts.maxResidentBytes ?? DEFAULT_MAX_RESIDENT_BYTES;
  if (size > budget && path.extname(file).toLowerCase() === '.npz') {
    const streamed = openLargeNpz(file, opts, budget);
    if (streamed) return streamed;
  }
  const ext = path.extname(file).toLowerCase();
  const xKey = opts.xKey ?? 'x',
    yKey = opts.yKey ?? 'y';
  if (ext === '.csv' || ext === '.jsonl' || ext === '.ndjson') {
    // streamed line by line: a text file larger than the longest JavaScript string still loads
    const t = ext === '.csv' ? readCsvDataset(file, opts.target) : readJsonlDataset(file, xKey, yKey);
    return makeDataset(file, t.x, t.y, t.xKey, t.yKey, opts);
  }
  if (ext !== '.npz')
    throw new UserInputError(`unsupported data format '${ext}' (expected .npz with keys '${xKey}' and '${yKey}', .csv or .jsonl)`, {
      file,
    });
  const arrays = parseNpz(readRegularFile(file, { what: 'data file' }), file);
  const get = (k: string, flag: string): NdArray => {
    const a = arrays.get(k);
    if (!a)
      throw new UserInputError(`no array named '${k}' (keys: ${[...arrays.keys()].join(', ')}); choose one with ${flag}`, {
        file,
        where: `key '${k}'`,
      });
    return a;
  };
  const xa = get(xKey, '--x-key'),
    ya = get(yKey, '--y-key');
  return makeDataset(file, xa, ya, xKey, yKey, opts);
}

export function loadNpy(file: string): NdArray {
  return parseNpy(readRegularFile(file, { what: 'data file' }), file);
}

export function makeDataset(file: string, xa: NdArray, ya: NdArray, xKey: string, yKey: string, opts: DatasetOptions = {}): Dataset {
  if (xa.shape.length < 1)
    throw new UserInputError(`'${xKey}' is a scalar; expected an array with a leading sample axis`, { file, where: `key '${xKey}'` });
  const total = xa.shape[0];
  if (ya.shape.length < 1 || ya.shape[0] !== total) {
    throw new UserInputError(
      `'${yKey}' has shape (${ya.shape.join(', ')}) but '${xKey}' has ${total} samples; expected the same leading dimension`,
      { file, where: `key '${yKey}'` },
    );
  }
  if (total === 0) throw new UserInputError(`'${xKey}' has no samples`, { file, where: `key '${xKey}'` });
  const xAll = toFloat32(xa);
  // integer inputs (token ids) travel as float32, exact up to 2^24: a larger id would silently become another one
  if (isIntegerDtype(xa.dtype))
    for (let i = 0; i < xa.data.length; i++)
      if (Math.abs(Number(xa.data[i])) > 2 ** 24)
        throw new UserInputError(
          `'${xKey}' holds the integer ${xa.data[i]} at element ${i}, above 2^24 = 16777216: inputs are float32, exact only up to 2^24 ` +
            '(token ids from larger vocabularies are not supported)',
          { file, where: `key '${xKey}'` },
        );
  for (let i = 0; i < xAll.length; i++)
    if (!Number.isFinite(xAll[i])) {
      throw new UserInputError(`'${xKey}' contains a non-finite value at element ${i}`, { file, where: `key '${xKey}'` });
    }
  const rowX = xAll.length / total;
  let indices: number[] | undefined;
  if (opts.samples !== undefined && opts.samples < total) {
    if (!(opts.samples >= 1)) throw new UserInputError(`--samples must be a positive integer, got ${opts.samples}`);
    indices = new Rng(opts.seed ?? 0).sample(total, opts.samples);
  }
  const m = indices ? indices.length : total;
  const x = indices ? gatherRows(xAll, rowX, indices) : xAll;
  const y = targetsOf(file, ya, yKey, indices, m);
  return { file, x, xShape: [m, ...xa.shape.slice(1)], y, m, total, xKey, yKey, indices };
}

function targetsOf(file: string, ya: NdArray, yKey: string, indices: number[] | undefined, m: number): Targets {
  const yIsInt = isIntegerDtype(ya.dtype) && ya.shape.length === 1;
  const total = ya.shape[0];
  const rowY = ya.data.length / total;
  let y: Targets;
  if (yIsInt) {
    const lab = new Int32Array(m);
    let maxL = 0;
    for (let i = 0; i < m; i++) {
      const v = Number(ya.data[indices ? indices[i] : i]);
      if (v < 0 || !Number.isInteger(v))
        throw new UserInputError(`label ${v} at sample ${indices ? indices[i] : i} is not a non-negative integer class index`, {
          file,
          where: `key '${yKey}'`,
        });
      lab[i] = v;
      if (v > maxL) maxL = v;
    }
    y = { kind: 'labels', data: lab, numClasses: maxL + 1 };
  } else {
    const yAll = toFloat32(ya);
    y = { kind: 'values', data: indices ? gatherRows(yAll, rowY, indices) : yAll, shape: [m, ...ya.shape.slice(1)] };
  }
  return y;
}

function checkFinite(x: Float32Array, file: string, xKey: string, firstElement: number): void {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i])) {
      throw new UserInputError(`'${xKey}' contains a non-finite value at element ${firstElement + i}`, { file, where: `key '${xKey}'` });
    }
}

/**
 * A dataset whose inputs exceed the memory budget: x stays in the file (a stored .npz member)
 * and is read chunk by chunk; y (small) is loaded. With --samples the subset is gathered into
 * memory. Returns undefined when x is small after all (load normally).
 */
function openLargeNpz(file: string, opts: DatasetOptions, budget: number): Dataset | undefined {
  const xKey = opts.xKey ?? 'x',
    yKey = opts.yKey ?? 'y';
  const { fd } = openRegular(file, 'data file');
  let keep = false;
  try {
    const members = zipDirectory(fd, file);
    const src = openNpzRows(file, xKey, members, fd);
    const xm = members.find(mm => mm.name === `${xKey}.npy`)!;
    if (src === 'compressed') {
      if (xm.size <= budget) return undefined;
      throw new UserInputError(
        `'${xKey}' is a compressed member of ${xm.size} bytes, more than the memory budget of ${budget} ` +
          `bytes, and compressed arrays cannot be streamed: re-save the data with numpy.savez (uncompressed)`,
        { file, where: `key '${xKey}'` },
      );
    }
    const rowLen = src.rowShape.reduce((a, b) => a * b, 1);
    if (src.rows * rowLen * 4 <= budget) return undefined;
    checkMemberCrc(fd, file, xm); // one sequential pass before any row is used
    const ym = members.find(mm => mm.name === `${yKey}.npy`);
    if (!ym)
      throw new UserInputError(
        `no array named '${yKey}' (keys: ${members
          .filter(mm => mm.name.endsWith('.npy'))
          .map(mm => mm.name.slice(0, -4))
          .join(', ')}); choose one with --y-key`,
        { file, where: `key '${yKey}'` },
      );
    const ya = readSmallMember(fd, file, ym);
    const total = src.rows;
    if (ya.shape.length < 1 || ya.shape[0] !== total)
      throw new UserInputError(
        `'${yKey}' has shape (${ya.shape.join(', ')}) but '${xKey}' has ${total} samples; expected the same leading dimension`,
        { file, where: `key '${yKey}'` },
      );
    if (total === 0) throw new UserInputError(`'${xKey}' has no samples`, { file, where: `key '${xKey}'` });
    let indices: number[] | undefined;
    if (opts.samples !== undefined && opts.samples < total) {
      if (!(opts.samples >= 1)) throw new UserInputError(`--samples must be a positive integer, got ${opts.samples}`);
      indices = new Rng(opts.seed ?? 0).sample(total, opts.samples);
    }
    const m = indices ? indices.length : total;
    const y = targetsOf(file, ya, yKey, indices, m);
    const xShape = [m, ...src.rowShape];
    if (indices) {
      const x = src.gather(indices);
      checkFinite(x, file, xKey, 0);
      return { file, x, xShape, y, m, total, xKey, yKey, indices };
    }
    const checked: RowSource = {
      ...src,
      read: (a: number, b: number) => {
        const x = src.read(a, b);
        checkFinite(x, file, xKey, a * rowLen);
        return x;
      },
    };
    keep = true;
    return {
      file,
      x: new Float32Array(0),
      xShape,
      y,
      m,
      total,
      xKey,
      yKey,
      source: checked,
      close: () => {
        try {
          fs.closeSync(fd);
        } catch {
          /* closed */
        }
      },
    };
  } finally {
    if (!keep) fs.closeSync(fd);
  }
}

function readSmallMember(fd: number, file: string, m: ZipMember): NdArray {
  const start = memberDataStart(fd, file, m);
  if (m.method === 8 && m.size > DEFAULT_ZIP_LIMITS.maxRatio * Math.max(1, m.compressedSize))
    throw new UserInputError(
      `zip member '${m.name}' would inflate ${m.compressedSize} bytes to ${m.size}; refused as a possible decompression bomb`,
      { file },
    );
  const raw = readAt(fd, start, m.compressedSize);
  let bytes: Uint8Array | undefined;
  try {
    bytes = m.method === 0 ? raw : m.method === 8 ? inflateSync(raw, { out: new Uint8Array(m.size) }) : undefined;
  } catch (e) {
    throw new UserInputError(`corrupt zip member '${m.name}': ${(e as Error).message}`, { file });
  }
  if (!bytes) throw new UserInputError(`member '${m.name}' uses zip compression method ${m.method} (expected stored or deflate)`, { file });
  checkCrc(bytes, m.crc32, m.name, file);
  return parseNpy(bytes, `${file}:${m.name}`);
}

function gatherRows(a: Float32Array, row: number, idx: number[]): Float32Array {
  const out = new Float32Array(idx.length * row);
  for (let i = 0; i < idx.length; i++) out.set(a.subarray(idx[i] * row, (idx[i] + 1) * row), i * row);
  return out;
}
