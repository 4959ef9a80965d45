/**
 * Debounced batching for file-system events: events are collected by key (a path) and flushed
 * together once no new event has arrived for `delayMs` (or at the latest `maxWaitMs` after the
 * first one), so a burst of 1,000 created files — each typically reported as create + change —
 * yields each path once. Pure (timers are injectable) and unit-tested.
 */
export interface Timers {
  set(f: () => void, ms: number): unknown;
  clear(h: unknown): void;
  now(): number;
}
const realTimers: Timers = { set: (f, ms) => setTimeout(f, ms), clear: h => clearTimeout(h as NodeJS.Timeout), now: () => Date.now() };

export class BatchDebouncer<T> {
  private pending = new Map<string, T>();
  private timer: unknown;
  private first = 0;

  constructor(
    private readonly delayMs: number,
    private readonly flush: (items: T[]) => void,
    private readonly keyOf: (x: T) => string = x => String(x),
    private readonly maxWaitMs = 10 * delayMs,
    private readonly timers: Timers = realTimers,
  ) {}

  add(item: T): void {
    if (this.pending.size === 0) this.first = this.timers.now();
    this.pending.set(this.keyOf(item), item); // the latest event for a key wins; one entry per key
    if (this.timer !== undefined) this.timers.clear(this.timer);
    const wait = Math.max(0, Math.min(this.delayMs, this.first + this.maxWaitMs - this.timers.now()));
    this.timer = this.timers.set(() => this.fire(), wait);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Flush now (tests, disposal). */
  fire(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const items = [...this.pending.values()];
    this.pending.clear();
    this.flush(items);
  }

  dispose(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/** Folders whose contents are never watched or scanned: dependencies, VCS data, our own outputs. */
export const IGNORED_DIRS = [
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  '.landscape-cache',
  '.landscape',
  'landscape-report',
];

/** True when any folder of `p` (relative or absolute, / or \ separated) is ignored. */
export function isIgnoredPath(p: string, extra: string[] = []): boolean {
  const parts = p.split(/[\\/]+/);
  parts.pop();
  const set = new Set([...IGNORED_DIRS, ...extra]);
  return parts.some(d => set.has(d));
}
