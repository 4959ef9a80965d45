/**
 * Datasets as text: CSV (a header row; the target column is `--target`, else the first of y,
 * target, label, labels, class, else the last column; every other column is a numeric feature)
 * and JSONL (one object per line: an input array under the x key, the target under the y key).
 * Targets that are all non-negative integers become class labels, anything else float targets.
 * Errors name the file, the line and the column.
 */
import { UserInputError } from '../errors';
import type { NdArray } from './npy';

const TARGET_NAMES = ['y', 'target', 'label', 'labels', 'class'];

function splitCsvLine(line: string): string[] {
  if (line.indexOf('"') < 0) return line.split(',');
  const out: string[] = []; let f = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === '"') { if (line[i + 1] === '"') { f += '"'; i++; } else q = false; } else f += c; }
    else if (c === '"') q = true; else if (c === ',') { out.push(f); f = ''; } else f += c;
  }
  out.push(f);
  return out;
}

function targetArray(file: string, vals: number[], where: (i: number) => string): NdArray {
  const ints = vals.every(v => Number.isInteger(v) && v >= 0) && new Set(vals).size <= 1000;
  if (ints) return { shape: [vals.length], dtype: 'int32', data: Int32Array.from(vals) };
  for (let i = 0; i < vals.length; i++) if (!Number.isFinite(vals[i])) throw new UserInputError(`target is not a finite number`, { file, where: where(i) });
  return { shape: [vals.length, 1], dtype: 'float32', data: Float32Array.from(vals) };
}

export function parseCsvDataset(text: string, file: string, target?: string): { x: NdArray; y: NdArray; xKey: string; yKey: string } {
  const lines = text.split(/\r?\n/).filter(l => l.trim() !== '');
  if (lines.length < 2) throw new UserInputError('a CSV dataset needs a header row and at least one data row', { file, where: 'line 1' });
  const header = splitCsvLine(lines[0]).map(h => h.trim());
  let t = target ? header.indexOf(target) : header.findIndex(h => TARGET_NAMES.includes(h.toLowerCase()));
  if (target && t < 0) throw new UserInputError(`no column '${target}' (columns: ${header.join(', ')})`, { file, where: 'line 1' });
  if (t < 0) t = header.length - 1;
  const d = header.length - 1;
  if (d < 1) throw new UserInputError('a CSV dataset needs at least one feature column besides the target', { file, where: 'line 1' });
  const m = lines.length - 1;
  const x = new Float32Array(m * d), y: number[] = [];
  for (let r = 0; r < m; r++) {
    const cells = splitCsvLine(lines[r + 1]);
    if (cells.length !== header.length) throw new UserInputError(`row has ${cells.length} fields, the header ${header.length}`, { file, where: `line ${r + 2}` });
    let k = 0;
    for (let c = 0; c < cells.length; c++) {
      const s = cells[c].trim(), v = Number(s);
      if (s === '' || !Number.isFinite(v)) throw new UserInputError(`'${s.slice(0, 30)}' is not a number`, { file, where: `line ${r + 2}, column '${header[c]}'` });
      if (c === t) y.push(v); else x[r * d + k++] = v;
    }
  }
  return { x: { shape: [m, d], dtype: 'float32', data: x }, y: targetArray(file, y, i => `line ${i + 2}, column '${header[t]}'`), xKey: header.filter((_, i) => i !== t).join(','), yKey: header[t] };
}

export function parseJsonlDataset(text: string, file: string, xKey = 'x', yKey = 'y'): { x: NdArray; y: NdArray; xKey: string; yKey: string } {
  const rows: number[][] = [], ys: number[] = [], lineOf: number[] = [];
  let d = -1;
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let o: Record<string, unknown>;
    try { o = JSON.parse(line); } catch (e) { throw new UserInputError(`not valid JSON: ${(e as Error).message}`, { file, where: `line ${i + 1}` }); }
    const xv = o?.[xKey], yv = o?.[yKey];
    const flat = Array.isArray(xv) ? (xv as unknown[]).flat(8) : typeof xv === 'number' ? [xv] : undefined;
    if (!flat || !flat.every(v => typeof v === 'number' && Number.isFinite(v))) throw new UserInputError(`'${xKey}' must be a number or an array of finite numbers`, { file, where: `line ${i + 1}` });
    if (d >= 0 && flat.length !== d) throw new UserInputError(`'${xKey}' has ${flat.length} values, earlier lines ${d}`, { file, where: `line ${i + 1}` });
    d = flat.length;
    if (typeof yv !== 'number') throw new UserInputError(`'${yKey}' must be a number`, { file, where: `line ${i + 1}` });
    rows.push(flat as number[]); ys.push(yv); lineOf.push(i + 1);
  });
  if (rows.length === 0) throw new UserInputError('no samples', { file });
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => x.set(r, i * d));
  return { x: { shape: [rows.length, d], dtype: 'float32', data: x }, y: targetArray(file, ys, i => `line ${lineOf[i]}`), xKey, yKey };
}
