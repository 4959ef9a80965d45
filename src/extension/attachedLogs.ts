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
