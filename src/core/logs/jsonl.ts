/**
 * JSON Lines training logs, parsed incrementally: one object per line; nested objects are
 * flattened with '/' ({"val": {"loss": 1}} → "val/loss"); numeric fields become points. The step
 * is the first present of `step`, `global_step`, `iteration`, `iter`, `epoch`, else the line
 * index; `wall_time`/`timestamp`/`time` give wall times. Invalid lines are skipped with a warning.
 */
import { LogParser, PointSink, newStats, warn, LineBuffer, STEP_NAMES, TIME_NAMES } from './series';

export class JsonlParser implements LogParser {
  readonly kind = 'jsonl' as const;
  stats = newStats();
  private lines = new LineBuffer();
  private line = 0;

  reset(): void {
    this.stats = newStats();
    this.lines.reset();
    this.line = 0;
  }

  push(bytes: Uint8Array, sink: PointSink): void {
    this.lines.push(bytes, this.stats, text => this.records(text, sink));
  }

  /** The complete records at the start of `text`; returns how far it read. */
  private records(text: string, sink: PointSink): number {
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const line = text.slice(pos, nl).trim();
      pos = nl + 1;
      const lineNo = ++this.line;
      if (!line) continue;
      this.stats.records++;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        this.stats.skipped++;
        warn(this.stats, `line ${lineNo}: not valid JSON (${(e as Error).message})`);
        continue;
      }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
        this.stats.skipped++;
        warn(this.stats, `line ${lineNo}: expected a JSON object`);
        continue;
      }
      const flat = new Map<string, unknown>();
      flatten(obj as Record<string, unknown>, '', flat, 0);
      let step = lineNo - 1;
      let stepKey: string | undefined;
      for (const k of STEP_NAMES) {
        const v = flat.get(k);
        if (typeof v === 'number' && Number.isFinite(v)) {
          step = v;
          stepKey = k;
          break;
        }
      }
      let wall = NaN,
        timeKey: string | undefined;
      for (const k of TIME_NAMES) {
        const v = flat.get(k);
        if (typeof v === 'number' && Number.isFinite(v)) {
          wall = v;
          timeKey = k;
          break;
        }
      }
      for (const [k, v] of flat) {
        if (k === stepKey || k === timeKey || typeof v !== 'number') continue;
        sink(k, step, v, wall);
        this.stats.points++;
      }
    }
    return pos;
  }
}

function flatten(o: Record<string, unknown>, prefix: string, out: Map<string, unknown>, depth: number): void {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}/${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && depth < 16) flatten(v as Record<string, unknown>, key, out, depth + 1);
    else out.set(key, v);
  }
}
