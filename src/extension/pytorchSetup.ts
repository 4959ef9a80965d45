/**
 * The edits *Set Up PyTorch Export* makes to a training script (no VS Code here, so the unit tests drive
 * exactly this): media/pytorch/find_training.py reads the script with Python's own `ast` (the model, the
 * optimizer, the training loop or a Lightning-style `training_step`, the batch's inputs and targets, the
 * loss), and planSetup turns what it found into three insertions — the import after the file's leading
 * imports, `landscape_run = LandscapeRun(...)` right after the model exists, and `landscape_run.step(...)`
 * after the optimizer step inside the loop. A name it cannot find becomes `LandscapeRun.fill_in("...")`,
 * which stops the script naming the line to edit, never a guess that runs silently.
 */
import { execFile } from 'child_process';
import * as path from 'path';

/** What find_training.py reports (lines 1-based; `col`: the statement's indentation in characters). */
export interface ScriptAnalysis {
  syntaxError?: string;
  alreadySetUp: boolean;
  importAfter: number;
  saves: { line: number; text: string }[];
  model: { name: string; line: number; endLine: number; col: number; sameScope: boolean } | null;
  optimizer: { name: string; line: number; visibleInLoop: boolean } | null;
  loop: {
    kind: 'loop' | 'training_step';
    insertAfter?: number;
    insertBefore?: number;
    col: number;
    loss: string | null;
    x: string | null;
    y: string | null;
    modelExpr: string | null;
    optimizer?: string | null;
    totalSteps: number | null;
    line?: number;
  } | null;
}

export interface SetupPlan {
  /** the script after the edits */
  text: string;
  /** 1-based lines (in the new text) of placeholders the user must fill, with what goes there */
  placeholders: { line: number; what: string }[];
  /** one sentence per finding, for the notification and the diff title */
  notes: string[];
  runDir: string;
  every: number;
}

/** Runs find_training.py with `python` on `script`. */
export function analyzeScript(python: string, finder: string, script: string, timeoutMs = 30000): Promise<ScriptAnalysis> {
  return new Promise((resolve, reject) => {
    execFile(python, [finder, script], { timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reject(
          new Error(
            code === 'ENOENT'
              ? `no Python interpreter at "${python}" (set python.defaultInterpreterPath, or put python3 on PATH)`
              : `reading ${path.basename(script)} with ${python} failed: ${(stderr || err.message).trim().split('\n').pop()}`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ScriptAnalysis);
      } catch {
        reject(new Error(`reading ${path.basename(script)} with ${python}: unexpected output ${stdout.slice(0, 200)}`));
      }
    });
  });
}

/** A round checkpoint interval giving about six checkpoints over `total` steps (500 when unknown). */
export function checkpointEvery(total: number | null): number {
  if (!total || total < 1) return 500;
  const target = total / 6;
  if (target <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(target)));
  for (const m of [5, 2, 1]) if (m * p <= target) return m * p;
  return p;
}

const pyString = (s: string): string => JSON.stringify(s);

/** The edited script: `source` with the import, the set-up and the per-step call inserted. */
export function planSetup(source: string, a: ScriptAnalysis, scriptName: string): SetupPlan {
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const lines = source.split(/\r?\n/);
  const stem = path.basename(scriptName).replace(/\.py$/, '') || 'train';
  const runDir = `runs/${stem}`;
  const loop = a.loop;
  const every = checkpointEvery(loop?.totalSteps ?? null);
  const notes: string[] = [];
  // insertions keyed by the 0-based index of the line they go before; each is a list of [text, placeholder-what[]]
  const inserts: { at: number; lines: string[]; fills: string[][] }[] = [];
  const pad = (n: number): string => ' '.repeat(n);
  const fillIn = (what: string, fills: string[]): string => {
    fills.push(what);
    return `LandscapeRun.fill_in(${pyString(what)})`;
  };

  // with the leading imports; a file without any: after a shebang, encoding line or leading comments
  let importAt = a.importAfter;
  if (importAt === 0) while (importAt < lines.length && lines[importAt].startsWith('#')) importAt++;
  inserts.push({ at: importAt, lines: ['from landscape_lens import LandscapeRun'], fills: [[]] });

  // the set-up: right after the model exists, when the loop can see it; else created lazily in the loop
  const setupInScope = a.model !== null && a.model.sameScope && loop?.kind !== 'training_step';
  if (setupInScope && a.model) {
    inserts.push({
      at: a.model.endLine,
      lines: [`${pad(a.model.col)}landscape_run = LandscapeRun(${pyString(runDir)}, ${a.model.name}, every=${every})`],
      fills: [[]],
    });
    notes.push(`model: ${a.model.name} (line ${a.model.line})`);
  } else if (!loop) {
    const fills: string[] = [];
    const model = a.model ? a.model.name : fillIn('your model (the nn.Module you train)', fills);
    inserts.push({
      at: a.model ? a.model.endLine : lines.length,
      lines: [`${pad(a.model?.col ?? 0)}landscape_run = LandscapeRun(${pyString(runDir)}, ${model}, every=${every})`],
      fills: [fills],
    });
  }

  if (loop) {
    const fills: string[] = [];
    const x = loop.x ?? fillIn("the batch's inputs", fills);
    const y = loop.y ?? fillIn("the batch's targets", fills);
    const metrics: string[] = [];
    if (loop.loss) metrics.push(`loss=${loop.loss}`);
    const opt = loop.kind === 'loop' ? (loop.optimizer ?? (a.optimizer?.visibleInLoop ? a.optimizer.name : null)) : null;
    if (opt) metrics.push(`lr=${opt}.param_groups[0]["lr"]`);
    let target: string;
    if (setupInScope) target = 'landscape_run';
    else {
      const model = loop.modelExpr ?? (a.model ? a.model.name : fillIn('your model (the nn.Module you train)', fills));
      target = `LandscapeRun.of(${model}, ${pyString(runDir)}, every=${every})`;
    }
    const call = `${pad(loop.col)}${target}.step(${[x, y, ...metrics].join(', ')})`;
    const at = loop.kind === 'training_step' ? loop.insertBefore! - 1 : loop.insertAfter!;
    inserts.push({ at, lines: [call], fills: [fills] });
    notes.push(
      loop.kind === 'training_step'
        ? `training_step (line ${loop.insertBefore}): a checkpoint every ${every} steps`
        : `training loop (line ${loop.line}): a checkpoint every ${every} steps` +
            `${loop.loss ? `, loss ${loop.loss}` : ''}${opt ? `, optimizer ${opt}` : ''}`,
    );
  } else {
    notes.push(
      'no training loop found (no .backward() call in a loop, no training_step): ' +
        'call landscape_run.step(x, y, loss=loss) after each optimizer step',
    );
  }
  if (a.saves.length)
    notes.push(
      `the torch.save(...state_dict()) at line ${a.saves.map(s => s.line).join(', ')} keeps writing weights only; ` +
        `${runDir} gets the architecture beside its checkpoints`,
    );

  // apply bottom-up (stable for equal positions: earlier-pushed first)
  const order = inserts.map((ins, i) => ({ ins, i })).sort((p, q) => p.ins.at - q.ins.at || p.i - q.i);
  const out: string[] = [];
  const placeholders: { line: number; what: string }[] = [];
  let next = 0;
  for (const { ins } of order) {
    while (next < ins.at && next < lines.length) out.push(lines[next++]);
    ins.lines.forEach((l, k) => {
      out.push(l);
      for (const what of ins.fills[k] ?? []) placeholders.push({ line: out.length, what });
    });
  }
  while (next < lines.length) out.push(lines[next++]);
  return { text: out.join(eol), placeholders, notes, runDir, every };
}
