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

export type Targets =
  | { kind: 'labels'; data: Int32Array; numClasses: number }
  | { kind: 'values'; data: Float32Array; shape: number[] };

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
}

export interface DatasetOptions { xKey?: string; yKey?: string; samples?: number; seed?: number }

export function loadDataset(file: string, opts: DatasetOptions = {}): Dataset {
  let buf: Uint8Array;
  try { buf = fs.readFileSync(file); } catch (e) { throw new UserInputError(`cannot read data file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file }); }
  const ext = path.extname(file).toLowerCase();
  const xKey = opts.xKey ?? 'x', yKey = opts.yKey ?? 'y';
  if (ext !== '.npz') throw new UserInputError(`unsupported data format '${ext}' (expected .npz with keys '${xKey}' and '${yKey}')`, { file });
  const arrays = parseNpz(buf, file);
  const get = (k: string, flag: string): NdArray => {
    const a = arrays.get(k);
    if (!a) throw new UserInputError(`no array named '${k}' (keys: ${[...arrays.keys()].join(', ')}); choose one with ${flag}`, { file, where: `key '${k}'` });
    return a;
  };
  const xa = get(xKey, '--x-key'), ya = get(yKey, '--y-key');
  return makeDataset(file, xa, ya, xKey, yKey, opts);
}

export function loadNpy(file: string): NdArray { return parseNpy(fs.readFileSync(file), file); }

export function makeDataset(file: string, xa: NdArray, ya: NdArray, xKey: string, yKey: string, opts: DatasetOptions = {}): Dataset {
  if (xa.shape.length < 1) throw new UserInputError(`'${xKey}' is a scalar; expected an array with a leading sample axis`, { file, where: `key '${xKey}'` });
  const total = xa.shape[0];
  if (ya.shape.length < 1 || ya.shape[0] !== total) {
    throw new UserInputError(`'${yKey}' has shape (${ya.shape.join(', ')}) but '${xKey}' has ${total} samples; expected the same leading dimension`, { file, where: `key '${yKey}'` });
  }
  if (total === 0) throw new UserInputError(`'${xKey}' has no samples`, { file, where: `key '${xKey}'` });
  const xAll = toFloat32(xa);
  for (let i = 0; i < xAll.length; i++) if (!Number.isFinite(xAll[i])) {
    throw new UserInputError(`'${xKey}' contains a non-finite value at element ${i}`, { file, where: `key '${xKey}'` });
  }
  const rowX = xAll.length / total;
  const yIsInt = isIntegerDtype(ya.dtype) && ya.shape.length === 1;
  const rowY = ya.data.length / total;
  let indices: number[] | undefined;
  if (opts.samples !== undefined && opts.samples < total) {
    if (!(opts.samples >= 1)) throw new UserInputError(`--samples must be a positive integer, got ${opts.samples}`);
    indices = new Rng(opts.seed ?? 0).sample(total, opts.samples);
  }
  const m = indices ? indices.length : total;
  const x = indices ? gatherRows(xAll, rowX, indices) : xAll;
  let y: Targets;
  if (yIsInt) {
    const lab = new Int32Array(m);
    let maxL = 0;
    for (let i = 0; i < m; i++) {
      const v = Number(ya.data[indices ? indices[i] : i]);
      if (v < 0 || !Number.isInteger(v)) throw new UserInputError(`label ${v} at sample ${indices ? indices[i] : i} is not a non-negative integer class index`, { file, where: `key '${yKey}'` });
      lab[i] = v; if (v > maxL) maxL = v;
    }
    y = { kind: 'labels', data: lab, numClasses: maxL + 1 };
  } else {
    const yAll = toFloat32(ya);
    y = { kind: 'values', data: indices ? gatherRows(yAll, rowY, indices) : yAll, shape: [m, ...ya.shape.slice(1)] };
  }
  return { file, x, xShape: [m, ...xa.shape.slice(1)], y, m, total, xKey, yKey, indices };
}

function gatherRows(a: Float32Array, row: number, idx: number[]): Float32Array {
  const out = new Float32Array(idx.length * row);
  for (let i = 0; i < idx.length; i++) out.set(a.subarray(idx[i] * row, (idx[i] + 1) * row), i * row);
  return out;
}
