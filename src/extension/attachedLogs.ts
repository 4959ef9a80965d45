/**
 * The training logs the user attached to runs with *Attach Training Log to Run…*: run folder → log files,
 * kept in the extension's workspace state (never in the user's files). The runs tree passes them to
 * core/logs/attach.ts, which moves each log into its run (its series then plot in the run's dashboard).
 */
import * as path from 'path';

/** The part of vscode.Memento used here (unit tests pass a Map-backed one). */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export const ATTACHED_LOGS_KEY = 'landscapeLens.attachedLogs';

export class AttachedLogs {
  constructor(private readonly state: StateStore) {}

  all(): Record<string, string[]> {
    const v = this.state.get<Record<string, string[]>>(ATTACHED_LOGS_KEY);
    if (!v || typeof v !== 'object') return {};
    const out: Record<string, string[]> = Object.create(null);
    for (const [k, files] of Object.entries(v)) if (Array.isArray(files)) out[k] = files.filter(f => typeof f === 'string');
    return out;
  }

  /** The logs attached to the run a checkpoint belongs to: the deepest attached run folder that holds it. */
  forCheckpoint(checkpoint: string): { dir: string; files: string[] } | undefined {
    const f = path.resolve(checkpoint);
    let best: { dir: string; files: string[] } | undefined;
    for (const [dir, files] of Object.entries(this.all())) {
      const d = path.resolve(dir);
      if (files.length && f.startsWith(d + path.sep) && (!best || d.length > best.dir.length)) best = { dir: d, files };
    }
    return best;
  }

  /** Attach `log` to the run in `runDir` (and to no other run). */
  async attach(runDir: string, log: string): Promise<void> {
    const all = this.all();
    const f = path.resolve(log);
    for (const k of Object.keys(all)) all[k] = all[k].filter(x => path.resolve(x) !== f);
    const dir = path.resolve(runDir);
    all[dir] = [...(all[dir] ?? []), f];
    for (const k of Object.keys(all)) if (!all[k].length) delete all[k];
    await this.state.update(ATTACHED_LOGS_KEY, all);
  }

  async detach(log: string): Promise<void> {
    const all = this.all();
    const f = path.resolve(log);
    for (const k of Object.keys(all)) {
      all[k] = all[k].filter(x => path.resolve(x) !== f);
      if (!all[k].length) delete all[k];
    }
    await this.state.update(ATTACHED_LOGS_KEY, all);
  }
}
