/**
 * Runs: a run is a folder that holds training logs and/or checkpoints. Logs are CSV, JSONL and
 * TensorBoard event files; a checkpoint belongs to the nearest folder at or above it that holds
 * logs (else to its own folder). Each checkpoint is matched to a step by its path
 * (`epoch_12`, `epoch=12`, `step-3000`, `ckpt-5`, `checkpoint_0003`, a trailing number) or,
 * failing that, by its modification time against the logs' wall times.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CsvParser } from './csv';
import { JsonlParser } from './jsonl';
import { TfEventsParser } from './tfevents';
import { LogTail } from './tail';
import { openRegular } from '../safeFs';
import { attachLogs, type AttachHow } from './attach';
import type { LogParser, Series } from './series';
import { isCheckpointHead, logKindOf, looksLikeCheckpoint, sniffBytes, CHECKPOINT_FORMATS, type LogKind } from '../formats/registry';

export type { LogKind } from '../formats/registry';
export { logKindOf };

/** The parser of each log format (registry.ts lists them; a format without a parser does not compile). */
const PARSERS: Record<LogKind, () => LogParser> = {
  csv: () => new CsvParser(),
  jsonl: () => new JsonlParser(),
  tfevents: () => new TfEventsParser(),
};
export function parserFor(kind: LogKind): LogParser {
  return PARSERS[kind]();
}

/** A checkpoint by name (the registry's workspace patterns). */
export function isCheckpointFile(file: string): boolean {
  return looksLikeCheckpoint(file);
}

/**
 * A checkpoint file on disk: by name, and where the name alone is ambiguous (a TF.js `*model*.json`
 * other than model.json: model.special.json, model.perturbed.json, … as the surgery commands write)
 * also by content (the registry's sniff), so other JSON files (model.config.json, …) are not taken
 * for checkpoints.
 */
export function isCheckpointOnDisk(file: string): boolean {
  if (!looksLikeCheckpoint(file)) return false;
  const bytes = sniffBytes(file);
  if (!bytes) return true;
  try {
    const { fd } = openRegular(file, 'checkpoint'); // never blocks on a FIFO
    try {
      const buf = Buffer.alloc(bytes);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      return isCheckpointHead(file, buf.toString('utf8', 0, n));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The name without its checkpoint extension (the registry's). */
function stripCheckpointExtension(name: string): string {
  const lower = name.toLowerCase();
  const ext = CHECKPOINT_FORMATS.flatMap(f => f.extensions).find(e => lower.endsWith(e));
  return ext ? name.slice(0, -ext.length) : name;
}

/** The folder of a run that holds checkpoints written by surgery (DERIVED_DIR in formats/writers). */
export const DERIVED_DIR = 'derived';
/** The tags the surgery jobs give their outputs, and what each one is. */
export const DERIVED_TAGS: Record<string, string> = {
  special: 'special neurons',
  trained: 'fine-tuned',
  perturbed: 'perturbed',
  retrained: 'retrained',
};

export interface DerivedName {
  /** the source's unit: the folder name of a TF.js checkpoint, else the file's stem */
  unit: string;
  /** the surgery steps, oldest first, each with its copy number (2 for `.special.2`) */
  tags: { tag: string; n: number }[];
  /** the folder that holds `derived/` (where the source's unit lies) */
  base: string;
}

/**
 * A checkpoint written by surgery into a `derived/` folder: `<base>/derived/step_600.special.trained/model.json`
 * or `<base>/derived/ckpt_7.perturbed.2.onnx` → unit, tags. Undefined for other paths.
 */
export function parseDerived(file: string): DerivedName | undefined {
  const abs = path.resolve(file);
  const folderUnit = path.extname(abs).toLowerCase() === '.json';
  const unitPath = folderUnit ? path.dirname(abs) : abs;
  const derived = path.dirname(unitPath);
  if (path.basename(derived) !== DERIVED_DIR) return undefined;
  let name = path.basename(unitPath);
  if (!folderUnit) name = stripCheckpointExtension(name);
  const parts = name.split('.');
  const tags: { tag: string; n: number }[] = [];
  let i = parts.length;
  while (i > 1) {
    let n = 1;
    if (/^\d+$/.test(parts[i - 1]) && i > 2 && DERIVED_TAGS[parts[i - 2]]) {
      n = Number(parts[i - 1]);
      i--;
    }
    if (!DERIVED_TAGS[parts[i - 1]]) {
      if (n !== 1) i++;
      break;
    }
    tags.unshift({ tag: parts[i - 1], n });
    i--;
  }
  if (!tags.length || i < 1) return undefined;
  return { unit: parts.slice(0, i).join('.'), tags, base: path.dirname(derived) };
}

/** The unit name of a checkpoint (folder of a TF.js model.json, else the stem). */
export function unitOf(file: string): string {
  const abs = path.resolve(file);
  if (path.extname(abs).toLowerCase() === '.json') return path.basename(path.dirname(abs));
  return path.basename(abs).replace(/\.[^.]+$/, '');
}

export interface StepMatch {
  step: number;
  by: 'epoch' | 'step' | 'index' | 'number' | 'mtime';
}

/** Step from a checkpoint path (its file name, then its folder names), or undefined. */
export function stepFromPath(p: string): StepMatch | undefined {
  const d = parseDerived(p);
  if (d) p = path.join(d.base, d.unit + (path.extname(p).toLowerCase() === '.json' ? `${path.sep}model.json` : path.extname(p)));
  const parts = p.split(/[\\/]/).reverse().slice(0, 3);
  const rules: [RegExp, StepMatch['by']][] = [
    [/(?:^|[^a-z])(?:global[_-]?step|step|iter(?:ation)?)[_=\-.]?(\d+)/i, 'step'],
    [/(?:^|[^a-z])(?:epoch|ep)[_=\-.]?(\d+)/i, 'epoch'],
    [/(?:^|[^a-z])(?:ckpt|checkpoint|model)[_=\-.]?(\d+)/i, 'index'],
  ];
  for (const part of parts) {
    const stem = part.replace(/\.(json|keras|h5|hdf5|onnx|safetensors|pt|pth|ckpt|bin)$/i, '');
    for (const [re, by] of rules) {
      const m = re.exec(stem);
      if (m) return { step: Number(m[1]), by };
    }
    // model.<tag>.json and model.<tag>.<n>.json (written by the surgery commands): the step is the folder's
    if (/^model(\.[a-z][\w-]*)+(\.\d+)?$/i.test(stem)) continue;
    const t = /(\d+)\D*$/.exec(stem);
    if (t && stem !== 'model') return { step: Number(t[1]), by: 'number' };
  }
  return undefined;
}

export interface RunLog {
  file: string;
  kind: LogKind;
  tail: LogTail;
}
export interface RunCheckpoint {
  path: string;
  step?: number;
  by?: StepMatch['by'];
  mtimeMs: number;
  /** written by surgery into the run's derived/ folder: what it is and, when found, the checkpoint it came from */
  derived?: { tags: { tag: string; n: number }[]; from?: string };
}
export interface Run {
  dir: string;
  name: string;
  logs: RunLog[];
  checkpoints: RunCheckpoint[];
  /** architecture files of the run's weights-only checkpoints (a PyTorch export's model.onnx): metadata, not checkpoints */
  architectures?: string[];
  /** logs from outside the run's folder attached to it, and what attached them (attach.ts) */
  attached?: { file: string; how: AttachHow }[];
}

const WEIGHTS_ONLY = /\.(pt|pth|safetensors)$/i;

/**
 * The architecture file of a weights-only checkpoint (.pt, .pth, .safetensors), or undefined: the rule of
 * formats/index.ts siblingArchitecture — a same-stem .onnx (trailing dotted tags dropped), else model.onnx,
 * else model.json of the folder. `names`: the folder's file names (read when not given).
 */
export function architectureFor(file: string, names?: string[]): string | undefined {
  const base = path.basename(file);
  if (!WEIGHTS_ONLY.test(base)) return undefined;
  let have: Set<string>;
  try {
    have = new Set(names ?? fs.readdirSync(path.dirname(file)));
  } catch {
    return undefined;
  }
  const parts = base.split('.').slice(0, -1);
  const stems: string[] = [];
  for (let k = parts.length; k >= 1; k--) stems.push(`${parts.slice(0, k).join('.')}.onnx`);
  const found = [...stems, 'model.onnx', 'model.json'].find(n => have.has(n));
  return found && path.join(path.dirname(file), found);
}

/** `file` (.onnx, model.json) is the architecture of a weights-only checkpoint beside it: run metadata, not a checkpoint. */
export function isArchitectureFile(file: string, siblings?: string[]): boolean {
  const base = path.basename(file);
  if (!/\.onnx$/i.test(base) && base !== 'model.json') return false;
  let names = siblings;
  if (!names)
    try {
      names = fs.readdirSync(path.dirname(file));
    } catch {
      return false;
    }
  const dir = path.dirname(file);
  return names.some(n => WEIGHTS_ONLY.test(n) && architectureFor(path.join(dir, n), names) === path.join(dir, base));
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', '.landscape-cache']);

/** Find runs under `root` (a folder, or a single log / checkpoint file). */
export function discoverRuns(root: string, opts: { maxDepth?: number; maxFiles?: number } = {}): Run[] {
  const logs = new Map<string, string[]>(),
    ckpts: string[] = [];
  const st = fs.statSync(root);
  if (st.isFile()) {
    if (logKindOf(root)) logs.set(path.dirname(root), [root]);
    else if (isCheckpointOnDisk(root)) ckpts.push(root);
  } else {
    let files = 0;
    const walk = (dir: string, depth: number): void => {
      if (depth > (opts.maxDepth ?? 8) || files > (opts.maxFiles ?? 100000)) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) walk(p, depth + 1);
          continue;
        }
        if (!e.isFile()) continue;
        files++;
        if (logKindOf(p)) {
          const l = logs.get(dir) ?? [];
          l.push(p);
          logs.set(dir, l);
        } else if (isCheckpointOnDisk(p)) ckpts.push(p);
      }
    };
    walk(root, 0);
  }
  const runs = new Map<string, Run>();
  const runFor = (dir: string): Run => {
    let r = runs.get(dir);
    if (!r) {
      r = { dir, name: path.relative(st.isFile() ? path.dirname(root) : root, dir) || path.basename(dir), logs: [], checkpoints: [] };
      runs.set(dir, r);
    }
    return r;
  };
  for (const [dir, files] of logs) {
    const r = runFor(dir);
    for (const f of files) r.logs.push({ file: f, kind: logKindOf(f)!, tail: new LogTail(f, parserFor(logKindOf(f)!)) });
  }
  for (const c of ckpts) {
    let d = path.dirname(c),
      owner: string | undefined;
    for (;;) {
      if (logs.has(d)) {
        owner = d;
        break;
      }
      const up = path.dirname(d);
      if (up === d || (!st.isFile() && !path.resolve(up).startsWith(path.resolve(root)))) break;
      d = up;
    }
    // a TF.js checkpoint lives in its own folder: its run is that folder's parent when no log claims it
    let dir = owner ?? (isCheckpointFile(c) && path.extname(c).toLowerCase() === '.json' ? path.dirname(path.dirname(c)) : path.dirname(c));
    // checkpoints written by surgery into <run>/derived/ belong to the run, not to a run of their own
    if (!owner && path.basename(dir) === DERIVED_DIR && (st.isFile() || path.resolve(dir) !== path.resolve(root))) dir = path.dirname(dir);
    const r = runFor(dir);
    const m = stepFromPath(path.relative(dir, c));
    r.checkpoints.push({ path: c, step: m?.step, by: m?.by, mtimeMs: fs.statSync(c).mtimeMs });
  }
  for (const r of runs.values()) {
    const folders = new Map<string, string[]>();
    const namesIn = (d: string): string[] => {
      let n = folders.get(d);
      if (!n) folders.set(d, (n = r.checkpoints.filter(c => path.dirname(c.path) === d).map(c => path.basename(c.path))));
      return n;
    };
    const arch = r.checkpoints.filter(c => isArchitectureFile(c.path, namesIn(path.dirname(c.path))));
    if (arch.length) {
      r.architectures = arch.map(c => c.path);
      r.checkpoints = r.checkpoints.filter(c => !arch.includes(c));
    }
    r.checkpoints.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.path.localeCompare(b.path));
    linkDerived(r.checkpoints);
  }
  // a log above the run (train_log.csv beside train.py) or named by its run.json belongs to it, not to a run of its own
  return attachLogs([...runs.values()], st.isFile() ? undefined : root, parserFor).sort((a, b) => a.dir.localeCompare(b.dir));
}

/** Mark the checkpoints under derived/ and find their source (same unit name beside the derived/ folder). */
export function linkDerived(checkpoints: RunCheckpoint[]): void {
  for (const c of checkpoints) {
    const d = parseDerived(c.path);
    if (!d) continue;
    const src = checkpoints.find(
      o =>
        o !== c &&
        !parseDerived(o.path) &&
        unitOf(o.path) === d.unit &&
        path.resolve(path.extname(o.path).toLowerCase() === '.json' ? path.dirname(path.dirname(o.path)) : path.dirname(o.path)) ===
          path.resolve(d.base),
    );
    c.derived = { tags: d.tags, ...(src ? { from: src.path } : {}) };
  }
}

/** Read (or re-read) the run's logs; checkpoints without a step in their names get one by time. */
export function refreshRun(run: Run): { newPoints: number } {
  let newPoints = 0;
  for (const l of run.logs) newPoints += l.tail.poll().newPoints;
  const series = runSeries(run);
  for (const c of run.checkpoints)
    if (c.step === undefined || c.by === 'mtime') {
      const s = matchByTime(series, c.mtimeMs / 1000);
      if (s !== undefined) {
        c.step = s;
        c.by = 'mtime';
      }
    }
  return { newPoints };
}

export function runSeries(run: Run): (Series & { file: string })[] {
  return run.logs.flatMap(l => l.tail.store.all().map(s => ({ ...s, file: l.file })));
}

/** The step of the last logged point written at or before `t` (seconds), across all series. */
export function matchByTime(series: Series[], t: number): number | undefined {
  let best: { w: number; step: number } | undefined;
  for (const s of series)
    for (let i = 0; i < s.wallTimes.length; i++) {
      const w = s.wallTimes[i];
      if (Number.isFinite(w) && w <= t + 1e-3 && (!best || w > best.w)) best = { w, step: s.steps[i] };
    }
  return best?.step;
}

/** The family a checkpoint compares within: its format, and for a weights-only file its architecture file. */
function architectureKey(file: string): string {
  const ext = path.extname(file).toLowerCase();
  return WEIGHTS_ONLY.test(file) ? `weights:${architectureFor(file) ?? ''}` : ext === '.json' ? 'tfjs' : ext;
}

/**
 * "Previous" for a comparison: the checkpoint of the highest step below `file`'s among the run's own
 * checkpoints of the same architecture — derived checkpoints (surgery output) and checkpoints without a step
 * are never taken.
 */
export function previousCheckpoint(checkpoints: RunCheckpoint[], file: string): RunCheckpoint | undefined {
  const me = checkpoints.find(c => path.resolve(c.path) === path.resolve(file));
  if (!me || me.step === undefined) return undefined;
  const key = architectureKey(me.path);
  let best: RunCheckpoint | undefined;
  for (const c of checkpoints)
    if (
      c !== me &&
      !c.derived &&
      c.step !== undefined &&
      c.step < me.step &&
      architectureKey(c.path) === key &&
      (!best || c.step > best.step!)
    )
      best = c;
  return best;
}
