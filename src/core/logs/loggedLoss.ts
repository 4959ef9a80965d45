/**
 * The training loss the user logged at a checkpoint's step, to compare with the loss the diagnosis
 * evaluates (diagnostics/lossMismatch.ts). The run's logs are those of the nearest folder at or above the
 * checkpoint (at most three levels up, never above `root`) that holds CSV / JSONL / TensorBoard logs, plus
 * the logs its `run.json` names (attach.ts), plus the logs the user attached to the run from elsewhere (the
 * extension's *Attach Training Log to Run…*: `attached`, read first). The training-loss series is `loss`, `train_loss`, `train/loss`,
 * `training_loss`, `loss/train`, else the one tag with "loss" in its name that is not a validation / test /
 * eval loss. Its value at the checkpoint's step (by its path, runs.ts stepFromPath) is the mean of the
 * logged points in [step − 5 % of step, step] (at most the last 20): a per-batch loss is noisy, and a
 * checkpoint between two logged steps takes the points before it. No point there: undefined.
 */
import * as fs from 'fs';
import * as path from 'path';
import { logKindOf, parserFor, stepFromPath } from './runs';
import { LogTail } from './tail';
import { runJsonLogs } from './attach';

export interface LoggedLoss {
  /** mean of the logged points in the window */
  value: number;
  /** the checkpoint's step and the logged steps averaged (first, last, count) */
  step: number;
  from: number;
  to: number;
  points: number;
  tag: string;
  file: string;
}

const PREFERRED = ['loss', 'train_loss', 'train/loss', 'training_loss', 'loss/train', 'train loss', 'trainloss'];
const NOT_TRAINING = /val|valid|test|eval|holdout/i;

/** The training-loss tag among `tags`, or undefined. */
export function trainingLossTag(tags: string[]): string | undefined {
  const lower = tags.map(t => t.toLowerCase());
  for (const p of PREFERRED) {
    const i = lower.indexOf(p);
    if (i >= 0) return tags[i];
  }
  const cands = tags.filter(t => /loss/i.test(t) && !NOT_TRAINING.test(t));
  return cands.length === 1 ? cands[0] : undefined;
}

/** The mean logged value in [step − 5 %, step] (at most the last 20 points), or undefined. */
export function valueAtStep(
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  step: number,
): Omit<LoggedLoss, 'tag' | 'file'> | undefined {
  const lo = step - Math.max(0, 0.05 * step);
  const pts: { s: number; v: number }[] = [];
  for (let i = 0; i < steps.length; i++)
    if (steps[i] >= lo && steps[i] <= step && Number.isFinite(values[i])) pts.push({ s: steps[i], v: values[i] });
  if (!pts.length) return undefined;
  pts.sort((a, b) => a.s - b.s);
  const last = pts.slice(-20);
  return {
    value: last.reduce((a, p) => a + p.v, 0) / last.length,
    step,
    from: last[0].s,
    to: last[last.length - 1].s,
    points: last.length,
  };
}

/** The log files of the run a checkpoint belongs to (see the header). */
export function runLogsOf(checkpoint: string, root?: string): { dir: string; files: string[] } | undefined {
  let d = path.dirname(path.resolve(checkpoint));
  const top = root ? path.resolve(root) : undefined;
  for (let k = 0; k < 4; k++) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(d);
    } catch {
      /* unreadable */
    }
    const files = names.map(n => path.join(d, n)).filter(f => logKindOf(f));
    const named = runJsonLogs(d, top);
    if (files.length || named.length) return { dir: d, files: [...new Set([...files, ...named])] };
    const up = path.dirname(d);
    if (up === d || (top && (d === top || !up.startsWith(top)))) break;
    d = up;
  }
  return undefined;
}

const isInside = (f: string, dir: string): boolean => f.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/** The logged training loss at the checkpoint's step, or undefined (no log, no loss series, no step, no point near it). */
export function loggedLossAt(checkpoint: string, root?: string, attached?: { dir: string; files: string[] }): LoggedLoss | undefined {
  const own = runLogsOf(checkpoint, root);
  const ck = path.resolve(checkpoint);
  // attached logs belong to a run folder above the checkpoint; the step is read below that folder
  const att = attached && attached.files.length && isInside(ck, path.resolve(attached.dir)) ? attached : undefined;
  const run = att ? { dir: path.resolve(att.dir), files: [...new Set([...att.files, ...(own?.files ?? [])])] } : own;
  if (!run) return undefined;
  const m = stepFromPath(path.relative(run.dir, path.resolve(checkpoint)));
  if (!m) return undefined;
  for (const file of run.files) {
    const kind = logKindOf(file);
    if (!kind) continue;
    try {
      const tail = new LogTail(file, parserFor(kind));
      tail.poll();
      const tag = trainingLossTag(tail.store.tags());
      const s = tag !== undefined ? tail.store.get(tag) : undefined;
      const v = s && valueAtStep(s.steps, s.values, m.step);
      if (v && tag !== undefined) return { ...v, tag, file };
    } catch {
      /* an unreadable log: no comparison from it */
    }
  }
  return undefined;
}
