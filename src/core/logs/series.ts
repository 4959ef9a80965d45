/**
 * The common shape of every training-log reader: named scalar series
 * { tag, steps[], values[], wallTimes[] } (wall time in seconds since the epoch, NaN when the
 * log has none). Parsers are incremental: they are fed the bytes appended to a log and emit
 * points into a sink; the store keeps each series in growable float64 arrays (24 bytes a point).
 */

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
 * Points in fixed-size blocks (no doubling copies: memory stays within one block of the data);
 * a contiguous view is assembled on demand and cached until the next append.
 */
const BLOCK = 1 << 15;
class Blocks {
  private blocks: Float64Array[] = []; // each block: [steps | values | walls], BLOCK entries each
  n = 0;
  private cache: { steps: Float64Array; values: Float64Array; walls: Float64Array } | undefined;
  push(s: number, v: number, w: number): void {
    const i = this.n % BLOCK;
    if (i === 0) this.blocks.push(new Float64Array(3 * BLOCK));
    const b = this.blocks[this.blocks.length - 1];
    b[i] = s;
    b[BLOCK + i] = v;
    b[2 * BLOCK + i] = w;
    this.n++;
    this.cache = undefined;
  }
  view(): { steps: Float64Array; values: Float64Array; walls: Float64Array } {
    if (this.cache) return this.cache;
    const steps = new Float64Array(this.n),
      values = new Float64Array(this.n),
      walls = new Float64Array(this.n);
    this.blocks.forEach((b, k) => {
      const len = Math.min(BLOCK, this.n - k * BLOCK),
        off = k * BLOCK;
      steps.set(b.subarray(0, len), off);
      values.set(b.subarray(BLOCK, BLOCK + len), off);
      walls.set(b.subarray(2 * BLOCK, 2 * BLOCK + len), off);
    });
    return (this.cache = { steps, values, walls });
  }
}

export class SeriesStore {
  private readonly map = new Map<string, Blocks>();
  readonly sink: PointSink = (tag, step, value, wall) => {
    let g = this.map.get(tag);
    if (!g) {
      g = new Blocks();
      this.map.set(tag, g);
    }
    g.push(step, value, wall);
  };
  clear(): void {
    this.map.clear();
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
