/**
 * The common shape of every training-log reader: named scalar series
 * { tag, steps[], values[], wallTimes[] } (wall time in seconds since the epoch, NaN when the
 * log has none). Parsers are incremental: they are fed the bytes appended to a log and emit
 * points into a sink; the store keeps each series in growable float64 arrays (24 bytes a point).
 */
import { currentBudget, INPUT_LIMITS, ResourceBudget } from '../budget';
import { UserInputError } from '../errors';

/** Column (CSV) or key (JSONL) names of the step and of the wall time, in order of preference. */
export const STEP_NAMES = ['step', 'global_step', 'iteration', 'iter', 'epoch'];
export const TIME_NAMES = ['wall_time', 'walltime', 'timestamp', 'time'];
export interface Series {
  tag: string;
  steps: Float64Array;
  values: Float64Array;
  wallTimes: Float64Array;
}

export interface ParseStats {
  records: number;
  points: number;
  skipped: number;
  warnings: string[];
}

export type PointSink = (tag: string, step: number, value: number, wallTime: number) => void;

export interface LogParser {
  readonly kind: 'csv' | 'jsonl' | 'tfevents';
  /** Parse newly appended bytes; a partial trailing line/record is kept for the next call. */
  push(bytes: Uint8Array, sink: PointSink): void;
  /** The log was truncated or replaced: forget all state. */
  reset(): void;
  readonly stats: ParseStats;
}

/**
 * Points in blocks (no doubling copies: memory stays within one block of the data). The first block
 * holds 64 points and each next one twice the last, up to 32768, so a log with many short series
 * (a CSV with 100,000 columns) costs per point, not per tag. A contiguous view is assembled on
 * demand and cached until the next append.
 */
const BLOCK = 1 << 15,
  FIRST = 64;
class Blocks {
  private blocks: Float64Array[] = []; // each block: [steps | values | walls], `cap` entries each
  private caps: number[] = [];
  private fill = 0; // entries in the last block
  n = 0;
  private cache: { steps: Float64Array; values: Float64Array; walls: Float64Array } | undefined;
  /** the capacity of the next block (its bytes: 24 × capacity) */
  nextCap(): number {
    return this.caps.length === 0 ? FIRST : Math.min(BLOCK, 2 * this.caps[this.caps.length - 1]);
  }
  full(): boolean {
    return this.caps.length === 0 || this.fill === this.caps[this.caps.length - 1];
  }
  push(s: number, v: number, w: number): void {
    if (this.full()) {
      const cap = this.nextCap();
      this.blocks.push(new Float64Array(3 * cap));
      this.caps.push(cap);
      this.fill = 0;
    }
    const b = this.blocks[this.blocks.length - 1],
      cap = this.caps[this.caps.length - 1],
      i = this.fill++;
    b[i] = s;
    b[cap + i] = v;
    b[2 * cap + i] = w;
    this.n++;
    this.cache = undefined;
  }
  view(): { steps: Float64Array; values: Float64Array; walls: Float64Array } {
    if (this.cache) return this.cache;
    const steps = new Float64Array(this.n),
      values = new Float64Array(this.n),
      walls = new Float64Array(this.n);
    let off = 0;
    this.blocks.forEach((b, k) => {
      const cap = this.caps[k],
        len = Math.min(cap, this.n - off);
      steps.set(b.subarray(0, len), off);
      values.set(b.subarray(cap, cap + len), off);
      walls.set(b.subarray(2 * cap, 2 * cap + len), off);
      off += len;
    });
    return (this.cache = { steps, values, walls });
  }
}

/**
 * The series of one log. Every block is charged to the resource budget (src/core/budget.ts) before it
 * is allocated and released on `clear`; more than INPUT_LIMITS.maxSeries tags is refused. Both errors
 * name the file and the quantity.
 */
export class SeriesStore {
  private readonly map = new Map<string, Blocks>();
  private charged = 0;
  private readonly budget: ResourceBudget;
  constructor(
    readonly file?: string,
    budget?: ResourceBudget,
  ) {
    this.budget = budget ?? currentBudget();
  }
  readonly sink: PointSink = (tag, step, value, wall) => {
    let g = this.map.get(tag);
    if (!g) {
      if (this.map.size >= INPUT_LIMITS.maxSeries)
        throw new UserInputError(
          `more than ${INPUT_LIMITS.maxSeries} series (distinct tags or columns) in one log; refused ` +
            `(tag ${this.map.size + 1}: '${tag.slice(0, 60)}')`,
          { file: this.file },
        );
      g = new Blocks();
      this.map.set(tag, g);
    }
    if (g.full()) {
      const bytes = 24 * g.nextCap() + 200;
      this.budget.charge(bytes, `the series of this log (${this.map.size} tags, ${this.charged + bytes} bytes)`, { file: this.file });
      this.charged += bytes;
    }
    g.push(step, value, wall);
  };
  clear(): void {
    this.map.clear();
    this.budget.release(this.charged);
    this.charged = 0;
  }
  get(tag: string): Series | undefined {
    const g = this.map.get(tag);
    if (!g) return undefined;
    const v = g.view();
    return { tag, steps: v.steps, values: v.values, wallTimes: v.walls };
  }
  tags(): string[] {
    return [...this.map.keys()];
  }
  all(): Series[] {
    return this.tags().map(t => this.get(t)!);
  }
  count(tag: string): number {
    return this.map.get(tag)?.n ?? 0;
  }
  get size(): number {
    return this.map.size;
  }
}

export function newStats(): ParseStats {
  return { records: 0, points: 0, skipped: 0, warnings: [] };
}

/** Keep at most 20 warnings (counts stay exact). */
export function warn(stats: ParseStats, msg: string): void {
  if (stats.warnings.length < 20) stats.warnings.push(msg);
  else if (stats.warnings.length === 20) stats.warnings.push('… further warnings omitted');
}

/** JSON-friendly copy of a series (NaN wall times become null). */
export function seriesToJson(s: Series): { tag: string; steps: number[]; values: (number | null)[]; wallTimes: (number | null)[] } {
  return {
    tag: s.tag,
    steps: Array.from(s.steps),
    values: Array.from(s.values, v => (Number.isFinite(v) ? v : null)),
    wallTimes: Array.from(s.wallTimes, w => (Number.isFinite(w) ? w : null)),
  };
}

/**
 * The text of a line-based log (CSV, JSONL) arriving in byte chunks, in one place for both parsers:
 * decoded as UTF-8 across chunk boundaries; `take` reads the complete records at the start of the text
 * and returns how far it read; the incomplete tail is kept for the next chunk — but never more than
 * INPUT_LIMITS.maxLineBytes of it: a longer line (or an open quoted CSV field) is dropped with one
 * warning, never buffered whole, and the rest of it skipped up to the next newline.
 */
export class LineBuffer {
  private decoder = new TextDecoder('utf-8');
  private text = '';
  /** inside a line longer than the bound: its rest is dropped up to the next newline */
  private skipping = false;

  reset(): void {
    this.decoder = new TextDecoder('utf-8');
    this.text = '';
    this.skipping = false;
  }

  push(bytes: Uint8Array, stats: ParseStats, take: (text: string) => number): void {
    let more = this.decoder.decode(bytes, { stream: true });
    if (this.skipping) {
      const nl = more.indexOf('\n');
      if (nl < 0) return;
      this.skipping = false;
      more = more.slice(nl + 1);
    }
    this.text += more;
    this.text = this.text.slice(take(this.text));
    if (this.text.length > INPUT_LIMITS.maxLineBytes) {
      stats.skipped++;
      warn(stats, `a line longer than ${INPUT_LIMITS.maxLineBytes} bytes; skipped`);
      this.text = '';
      this.skipping = true;
    }
  }
}
