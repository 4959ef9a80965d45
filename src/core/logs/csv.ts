/**
 * CSV training logs, parsed incrementally: Keras `CSVLogger` (`epoch,loss,…`), PyTorch Lightning
 * `metrics.csv` (sparse rows: train and validation metrics on different rows, `step` and `epoch`
 * columns), and any CSV with a header (RFC 4180 quoting). The step is the first present of
 * `step`, `global_step`, `iteration`, `iter`, `epoch` (case-insensitive), else the row index;
 * `wall_time`/`timestamp`/`time` columns give wall times; every other numeric cell is a point of
 * the series named by its column. Empty cells (sparse rows) are no point; other non-numbers are
 * skipped with a warning.
 */
import { LogParser, PointSink, newStats, warn, LineBuffer, STEP_NAMES, TIME_NAMES } from './series';

export class CsvParser implements LogParser {
  readonly kind = 'csv' as const;
  stats = newStats();
  private lines = new LineBuffer();
  private header: string[] | undefined;
  private stepCol = -1;
  private timeCol = -1;
  private row = 0;
  private badColumns = new Set<string>();
  private axisCols = new Set<number>();

  reset(): void {
    this.stats = newStats();
    this.lines.reset();
    this.header = undefined;
    this.stepCol = -1;
    this.timeCol = -1;
    this.row = 0;
    this.badColumns.clear();
  }

  /** Column names and the step column chosen (after the header has been read). */
  get columns(): { header: string[]; step: string } | undefined {
    return this.header && { header: this.header, step: this.stepCol >= 0 ? this.header[this.stepCol] : '(row index)' };
  }

  push(bytes: Uint8Array, sink: PointSink): void {
    this.lines.push(bytes, this.stats, text => this.records(text, sink));
  }

  /** The complete records at the start of `text`; returns how far it read. */
  private records(text: string, sink: PointSink): number {
    let pos = 0;
    for (;;) {
      const rec = nextRecord(text, pos);
      if (!rec) break;
      pos = rec.next;
      if (rec.fields.length === 1 && rec.fields[0].trim() === '') continue; // blank line
      this.record(rec.fields, sink);
    }
    return pos;
  }

  private record(fields: string[], sink: PointSink): void {
    this.stats.records++;
    if (!this.header) {
      this.header = fields.map(f => f.trim());
      const lower = this.header.map(h => h.toLowerCase());
      for (const c of STEP_NAMES) {
        const i = lower.indexOf(c);
        if (i >= 0) {
          this.stepCol = i;
          break;
        }
      }
      for (const c of TIME_NAMES) {
        const i = lower.indexOf(c);
        if (i >= 0 && i !== this.stepCol) {
          this.timeCol = i;
          break;
        }
      }
      // the other step-like columns (Lightning's `epoch` beside `step`) are bookkeeping, not series
      this.axisCols = new Set(lower.map((h, i) => (STEP_NAMES.includes(h) ? i : -1)).filter(i => i >= 0));
      return;
    }
    const h = this.header;
    const rowIndex = this.row++;
    let step = rowIndex;
    if (this.stepCol >= 0) {
      const s = fields[this.stepCol]?.trim();
      const v = s ? Number(s) : NaN;
      if (s && Number.isFinite(v)) step = v;
      else if (s) {
        warn(this.stats, `row ${rowIndex + 2}: step '${s}' is not a number; using the row index`);
      }
    }
    let wall = NaN;
    if (this.timeCol >= 0) {
      const t = Number(fields[this.timeCol]);
      if (fields[this.timeCol]?.trim() && Number.isFinite(t)) wall = t;
    }
    if (fields.length > h.length)
      warn(this.stats, `row ${rowIndex + 2} has ${fields.length} fields, the header ${h.length}; extra fields ignored`);
    for (let i = 0; i < h.length && i < fields.length; i++) {
      if (i === this.stepCol || i === this.timeCol || this.axisCols.has(i)) continue;
      const s = fields[i].trim();
      if (s === '') continue;
      const v = Number(s);
      if (Number.isNaN(v) && !/^nan$/i.test(s)) {
        if (!this.badColumns.has(h[i])) {
          this.badColumns.add(h[i]);
          warn(this.stats, `column '${h[i]}' has non-numeric values (e.g. row ${rowIndex + 2}: '${s.slice(0, 40)}'); skipped`);
        }
        this.stats.skipped++;
        continue;
      }
      sink(h[i], step, v, wall);
      this.stats.points++;
    }
  }
}

/** One complete CSV record starting at `pos` (RFC 4180 quotes), or undefined if it is not complete yet. */
function nextRecord(text: string, pos: number): { fields: string[]; next: number } | undefined {
  const nl = text.indexOf('\n', pos);
  if (nl < 0) return undefined;
  const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
  const line = text.slice(pos, end);
  if (line.indexOf('"') < 0) return { fields: line.split(','), next: nl + 1 };
  const fields: string[] = [];
  let field = '';
  let i = pos;
  let quoted = false,
    atStart = true;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (i + 1 >= text.length) return undefined; // need the next char to decide
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && atStart) {
      quoted = true;
      atStart = false;
      i++;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      atStart = true;
      i++;
      continue;
    }
    if (c === '\n') {
      fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      return { fields, next: i + 1 };
    }
    field += c;
    atStart = false;
    i++;
  }
  return undefined;
}
