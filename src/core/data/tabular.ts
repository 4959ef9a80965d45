/**
 * Datasets as text: CSV (a header row; the target column is `--target`, else the first of y,
 * target, label, labels, class, else the last column; every other column is a numeric feature)
 * and JSONL (one object per line: an input array under the x key, the target under the y key).
 * Targets that are all non-negative integers become class labels, anything else float targets.
 * Files are read line by line (1 MiB at a time), so a file larger than the longest JavaScript
 * string loads; values go into growing typed arrays. Errors name the file, the line and the column.
 */
import * as fs from 'fs';
import { UserInputError } from '../errors';
import { openRegular } from '../safeFs';
import type { NdArray } from './npy';

const TARGET_NAMES = ['y', 'target', 'label', 'labels', 'class'];

function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = [];
  let f = '',
    q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          f += '"';
          i++;
        } else q = false;
      } else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(f);
      f = '';
    } else f += c;
  }
  out.push(f);
  return out;
}

/** The longest line accepted (a longer one is almost certainly not a table row). */
const MAX_LINE_BYTES = 64 * 2 ** 20;

/** Non-empty lines with their 1-based line numbers. */
type Lines = Iterable<[string, number]>;

function* linesOfText(text: string): Lines {
  let n = 0;
  for (const line of text.split(/\r?\n/)) {
    n++;
    if (line.trim() !== '') yield [line, n];
  }
}

/** Lines of a regular file, read in chunks; the file is closed when the iteration ends. */
export function* linesOfFile(file: string, chunkBytes = 1 << 20): Lines {
  const { fd } = openRegular(file, 'data file');
  try {
    const chunk = Buffer.alloc(chunkBytes);
    let carry: Buffer[] = [],
      carryLen = 0,
      n = 0,
      pos = 0;
    const emit = (parts: Buffer[]): [string, number] | undefined => {
      n++;
      let s = Buffer.concat(parts).toString('utf8');
      if (s.endsWith('\r')) s = s.slice(0, -1);
      return s.trim() === '' ? undefined : [s, n];
    };
    for (;;) {
      const got = fs.readSync(fd, chunk, 0, chunk.length, pos);
      if (got <= 0) break;
      pos += got;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0 || nl >= got) break;
        const l = emit([...carry, chunk.subarray(start, nl)]);
        carry = [];
        carryLen = 0;
        if (l) yield l;
        start = nl + 1;
      }
      if (start < got) {
        carry.push(Buffer.from(chunk.subarray(start, got)));
        carryLen += got - start;
        if (carryLen > MAX_LINE_BYTES)
          throw new UserInputError(`line is longer than ${MAX_LINE_BYTES} bytes; not a table row`, { file, where: `line ${n + 1}` });
      }
    }
    if (carryLen) {
      const l = emit(carry);
      if (l) yield l;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A Float32Array/Float64Array that grows by doubling. */
class Grow<T extends Float32Array | Float64Array> {
  n = 0;
  constructor(
    private a: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = this.make(Math.max(16, this.a.length * 2));
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): T {
    return this.a.slice(0, this.n) as T;
  }
}

function targetArray(file: string, vals: Float64Array, where: (i: number) => string): NdArray {
  let ints = true;
  const distinct = new Set<number>();
  for (let i = 0; i < vals.length && ints; i++) {
    const v = vals[i];
    if (!(Number.isInteger(v) && v >= 0)) ints = false;
    else if (distinct.size <= 1000) distinct.add(v);
  }
  if (ints && distinct.size <= 1000) return { shape: [vals.length], dtype: 'int32', data: Int32Array.from(vals) };
  for (let i = 0; i < vals.length; i++)
    if (!Number.isFinite(vals[i])) throw new UserInputError(`target is not a finite number`, { file, where: where(i) });
  return { shape: [vals.length, 1], dtype: 'float32', data: Float32Array.from(vals) };
}

type Table = { x: NdArray; y: NdArray; xKey: string; yKey: string };

export function parseCsvDataset(text: string, file: string, target?: string): Table {
  return csvFromLines(linesOfText(text), file, target);
}
export function readCsvDataset(file: string, target?: string): Table {
  return csvFromLines(linesOfFile(file), file, target);
}
export function parseJsonlDataset(text: string, file: string, xKey = 'x', yKey = 'y'): Table {
  return jsonlFromLines(linesOfText(text), file, xKey, yKey);
}
export function readJsonlDataset(file: string, xKey = 'x', yKey = 'y'): Table {
  return jsonlFromLines(linesOfFile(file), file, xKey, yKey);
}

function csvFromLines(lines: Lines, file: string, target?: string): Table {
  const it = lines[Symbol.iterator]();
  const first = it.next();
  if (first.done) throw new UserInputError('a CSV dataset needs a header row and at least one data row', { file, where: 'line 1' });
  const [headLine, headNo] = first.value;
  const header = splitCsvLine(headLine).map(h => h.trim());
  let t = target ? header.indexOf(target) : header.findIndex(h => TARGET_NAMES.includes(h.toLowerCase()));
  if (target && t < 0) throw new UserInputError(`no column '${target}' (columns: ${header.join(', ')})`, { file, where: `line ${headNo}` });
  if (t < 0) t = header.length - 1;
  const d = header.length - 1;
  if (d < 1)
    throw new UserInputError('a CSV dataset needs at least one feature column besides the target', { file, where: `line ${headNo}` });
  const x = new Grow(new Float32Array(1024), n => new Float32Array(n)),
    y = new Grow(new Float64Array(64), n => new Float64Array(n));
  const lineOf = new Grow(new Float64Array(64), n => new Float64Array(n));
  for (let r = it.next(); !r.done; r = it.next()) {
    const [line, no] = r.value;
    const cells = splitCsvLine(line);
    if (cells.length !== header.length)
      throw new UserInputError(`row has ${cells.length} fields, the header ${header.length}`, { file, where: `line ${no}` });
    for (let c = 0; c < cells.length; c++) {
      const s = cells[c].trim(),
        v = Number(s);
      if (s === '' || !Number.isFinite(v))
        throw new UserInputError(`'${s.slice(0, 30)}' is not a number`, { file, where: `line ${no}, column '${header[c]}'` });
      if (c === t) y.push(v);
      else x.push(v);
    }
    lineOf.push(no);
  }
  const m = y.n;
  if (m < 1) throw new UserInputError('a CSV dataset needs a header row and at least one data row', { file, where: `line ${headNo}` });
  const lines2 = lineOf.done();
  return {
    x: { shape: [m, d], dtype: 'float32', data: x.done() },
    y: targetArray(file, y.done(), i => `line ${lines2[i]}, column '${header[t]}'`),
    xKey: header.filter((_, i) => i !== t).join(','),
    yKey: header[t],
  };
}

function jsonlFromLines(lines: Lines, file: string, xKey: string, yKey: string): Table {
  const x = new Grow(new Float32Array(1024), n => new Float32Array(n)),
    ys = new Grow(new Float64Array(64), n => new Float64Array(n));
  const lineOf = new Grow(new Float64Array(64), n => new Float64Array(n));
  let d = -1;
  for (const [line, no] of lines) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new UserInputError(`not valid JSON: ${(e as Error).message}`, { file, where: `line ${no}` });
    }
    const xv = o?.[xKey],
      yv = o?.[yKey];
    const flat = Array.isArray(xv) ? (xv as unknown[]).flat(8) : typeof xv === 'number' ? [xv] : undefined;
    if (!flat || !flat.every(v => typeof v === 'number' && Number.isFinite(v)))
      throw new UserInputError(`'${xKey}' must be a number or an array of finite numbers`, { file, where: `line ${no}` });
    if (d >= 0 && flat.length !== d)
      throw new UserInputError(`'${xKey}' has ${flat.length} values, earlier lines ${d}`, { file, where: `line ${no}` });
    d = flat.length;
    if (typeof yv !== 'number') throw new UserInputError(`'${yKey}' must be a number`, { file, where: `line ${no}` });
    for (const v of flat as number[]) x.push(v);
    ys.push(yv);
    lineOf.push(no);
  }
  if (ys.n === 0) throw new UserInputError('no samples', { file });
  const lines2 = lineOf.done();
  return {
    x: { shape: [ys.n, d], dtype: 'float32', data: x.done() },
    y: targetArray(file, ys.done(), i => `line ${lines2[i]}`),
    xKey,
    yKey,
  };
}
