/**
 * Training logs attached to the run they belong to, instead of a run of their own. A log is attached to
 * a run (its series shown with the run's, its loss compared with the checkpoints') when:
 *  1. it lies in the run's folder (discoverRuns: one run);
 *  2. the run's `run.json` names it: `{ "logs": ["../train_log.csv"] }`, paths relative to the run folder,
 *     only log files (CSV, JSONL, TensorBoard) inside `root` (the workspace folder), never above it;
 *  3. the user chose it (*Attach Training Log to Run…*: the extension keeps the choice in its workspace
 *     state, never in the user's files) — `extra`, run folder → log files;
 *  4. it is in a folder above exactly one run with checkpoints, and its own folder has no checkpoint
 *     (a per-step `train_log.csv` beside `train.py`, the helper's run in `runs/train/` below it).
 * An attached log leaves the run it came from; a run left with no log and no checkpoint is dropped.
 */
import * as fs from 'fs';
import * as path from 'path';
import { LogTail } from './tail';
import { readRegularFile } from '../safeFs';
import type { LogKind } from '../formats/registry';
import { logKindOf as kindOf } from '../formats/registry';
import type { LogParser } from './series';

/** What attached a log to a run (the tree and the dashboard say it). */
export type AttachHow = 'run.json' | 'chosen' | 'folder above';

/** The run-like shape this module works on (runs.ts Run). */
export interface AttachRun {
  dir: string;
  name: string;
  logs: { file: string; kind: LogKind; tail: LogTail }[];
  checkpoints: unknown[];
  attached?: { file: string; how: AttachHow }[];
}

const inside = (file: string, root: string | undefined): boolean => {
  if (!root) return true;
  const rel = path.relative(path.resolve(root), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** The log files a run folder's run.json names (existing regular log files inside `root`); [] without one. */
export function runJsonLogs(dir: string, root?: string): string[] {
  let j: unknown;
  try {
    const f = path.join(dir, 'run.json');
    if (!fs.existsSync(f)) return [];
    j = JSON.parse(readRegularFile(f, { maxBytes: 1 << 16, what: 'run.json' }).toString('utf8'));
  } catch {
    return [];
  }
  const logs = (j as { logs?: unknown } | null)?.logs;
  if (!Array.isArray(logs)) return [];
  const out: string[] = [];
  for (const l of logs) {
    if (typeof l !== 'string' || !l) continue;
    const f = path.resolve(dir, l);
    if (!kindOf(f) || (root !== undefined && !inside(f, root))) continue;
    try {
      if (fs.statSync(f).isFile()) out.push(f);
    } catch {
      /* named but missing */
    }
  }
  return out;
}

/**
 * Attach logs to runs (rules 2–4 of the header), in place; returns the runs left (a run emptied by
 * giving its logs away is dropped). `parser`: the parser of a log kind (runs.ts parserFor).
 */
export function attachLogs<R extends AttachRun>(
  runs: R[],
  root: string | undefined,
  parser: (k: LogKind) => LogParser,
  extra: Record<string, string[]> = {},
): R[] {
  const byFile = new Map<string, R>();
  for (const r of runs) for (const l of r.logs) byFile.set(path.resolve(l.file), r);
  const move = (file: string, to: R, how: AttachHow): void => {
    const f = path.resolve(file);
    const kind = kindOf(f);
    if (!kind || to.logs.some(l => path.resolve(l.file) === f)) return;
    const from = byFile.get(f);
    let log = from?.logs.find(l => path.resolve(l.file) === f);
    if (from) from.logs = from.logs.filter(l => l !== log);
    log ??= { file: f, kind, tail: new LogTail(f, parser(kind)) };
    to.logs.push(log);
    (to.attached ??= []).push({ file: f, how });
    byFile.set(f, to);
  };
  const withCheckpoints = runs.filter(r => r.checkpoints.length);
  for (const r of withCheckpoints) for (const f of runJsonLogs(r.dir, root)) move(f, r, 'run.json');
  for (const [dir, files] of Object.entries(extra)) {
    const r = runs.find(x => path.resolve(x.dir) === path.resolve(dir));
    if (r) for (const f of files) if (fs.existsSync(f) && (root === undefined || inside(f, root))) move(f, r, 'chosen');
  }
  for (const r of runs) {
    if (r.checkpoints.length || !r.logs.length) continue;
    const below = withCheckpoints.filter(o => o !== r && inside(o.dir, r.dir));
    if (below.length === 1) for (const l of [...r.logs]) move(l.file, below[0], 'folder above');
  }
  return runs.filter(r => r.logs.length || r.checkpoints.length);
}
