/**
 * *Landscape: Attach Training Log to Run…*: a training log (CSV, JSONL, TensorBoard) anywhere in the
 * workspace joins a run with checkpoints — its series plot in the run's dashboard beside the helper's, and
 * its loss is the one compared with each checkpoint's. The choice is kept in the workspace state
 * (attachedLogs.ts), never written into the user's files. Arguments (tests, other extensions):
 * `(log: Uri | string, run: Uri | string)`.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { logKindOf } from '../../core/logs/runs';
import { command } from './context';

const toPath = (a: unknown): string | undefined =>
  a instanceof vscode.Uri ? a.fsPath : typeof a === 'string' && a ? a : (a as { fsPath?: string } | undefined)?.fsPath;

export default command<[log: unknown, run: unknown]>('landscapeLens.attachTrainingLog', async (ctx, logArg, runArg) => {
  if (!ctx.attachedLogs) return undefined;
  const rel = (p: string) => vscode.workspace.asRelativePath(p);
  let log = toPath(logArg);
  if (log && !logKindOf(log)) log = undefined;
  const runs = (await ctx.tree.getRuns()).filter(r => r.checkpoints.length);
  if (!log) {
    const found = await vscode.workspace.findFiles('**/*.{csv,jsonl,ndjson}', '**/{node_modules,.git,.landscape-cache}/**', 2000);
    const events = await vscode.workspace.findFiles('**/*tfevents*', '**/{node_modules,.git}/**', 500);
    const logs = [...found, ...events].map(u => u.fsPath).filter(f => logKindOf(f) && !/landscape-report|data\./i.test(path.basename(f)));
    if (!logs.length) {
      void vscode.window.showInformationMessage('Landscape Lens: no training log (CSV, JSONL, TensorBoard) found in the workspace.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      logs.sort().map(f => ({ label: rel(f), f })),
      { title: 'Attach Training Log to Run (1/2): the log', placeHolder: 'A per-step training log (CSV, JSONL or TensorBoard)' },
    );
    if (!pick) return undefined;
    log = pick.f;
  }
  let runDir = toPath(runArg);
  if (!runDir) {
    if (!runs.length) {
      void vscode.window.showInformationMessage('Landscape Lens: no run with checkpoints to attach the log to.');
      return undefined;
    }
    const near = (d: string) => path.relative(path.dirname(log!), d).split(path.sep).length;
    const pick = await vscode.window.showQuickPick(
      [...runs]
        .sort((a, b) => near(a.dir) - near(b.dir) || a.dir.localeCompare(b.dir))
        .map(r => ({ label: r.name, description: `${r.checkpoints.length} checkpoints · ${rel(r.dir)}`, dir: r.dir })),
      { title: 'Attach Training Log to Run (2/2): the run', placeHolder: `The run ${rel(log)} belongs to` },
    );
    if (!pick) return undefined;
    runDir = pick.dir;
  }
  await ctx.attachedLogs.attach(runDir, log);
  await ctx.tree.rescan();
  void vscode.window.showInformationMessage(
    `Landscape Lens: ${rel(log)} is attached to the run ${rel(runDir)} (kept in this workspace's state; your files are unchanged).`,
  );
  return { log: path.resolve(log), run: path.resolve(runDir) };
});
