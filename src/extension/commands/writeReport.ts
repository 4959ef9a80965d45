/**
 * *Landscape: Write HTML Report*: one self-contained HTML report (the same as `landscape report`) of a run —
 * the one given (runs view, a checkpoint or folder) or picked — or of every run of the workspace. Checkpoints
 * the editor has not diagnosed yet are diagnosed quickly first; the results the editor shows are the report's.
 * Written as a new file in the run folder (or the workspace folder for all runs), never over another.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { command } from './context';
import type { Run } from '../../core/logs/runs';
import { reportInput, writeReport, type Outcome } from '../reportWriter';
import { PRIORITY } from '../jobQueue';

function argPath(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (typeof arg === 'string') return arg;
  const a = arg as { run?: Run; ckpt?: { path: string } } | undefined;
  return a?.run?.dir ?? a?.ckpt?.path;
}

export default command<[arg: unknown, opts: { open?: boolean }]>('landscapeLens.writeReport', async (ctx, arg, opts) => {
  const all = await ctx.tree.getRuns();
  if (!all.length) {
    void vscode.window.showInformationMessage('Landscape Lens: no runs in the workspace to report on.');
    return undefined;
  }
  let runs: Run[];
  const p = argPath(arg);
  if (p) {
    const r = ctx.tree.runFor(p);
    runs = r ? [r] : all.filter(x => path.resolve(x.dir).startsWith(path.resolve(p) + path.sep) || path.resolve(x.dir) === path.resolve(p));
  } else if (all.length === 1) runs = all;
  else {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'All runs', description: `${all.length} runs`, runs: all },
        ...all.map(r => ({ label: r.name, description: `${r.checkpoints.length} checkpoint(s)`, runs: [r] })),
      ],
      { title: 'Landscape: Write HTML Report' },
    );
    if (!pick) return undefined;
    runs = pick.runs;
  }
  if (!runs.length) return undefined;
  const outcomes = new Map<string, Outcome>();
  const todo = runs.flatMap(r => r.checkpoints).filter(c => !ctx.service.resultFor(c.path));
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Landscape: report', cancellable: true },
    async (progress, token) => {
      for (const [i, c] of todo.entries()) {
        if (token.isCancellationRequested) break;
        progress.report({ message: `quick diagnosis ${i + 1} of ${todo.length}: ${vscode.workspace.asRelativePath(c.path)}` });
        try {
          await ctx.service.diagnose(vscode.Uri.file(c.path), {
            mode: 'quick',
            progress: 'none',
            priority: PRIORITY.user,
            quietErrors: true,
          });
        } catch {
          /* the failure is recorded: the report says why */
        }
      }
    },
  );
  for (const c of runs.flatMap(r => r.checkpoints)) {
    const hit = ctx.service.resultFor(c.path);
    const failure = ctx.service.failureFor(c.path);
    outcomes.set(c.path, hit ? { result: hit.result } : { error: failure?.message ?? 'not diagnosed (cancelled)' });
  }
  const folder =
    runs.length === 1 ? runs[0].dir : (vscode.workspace.getWorkspaceFolder(vscode.Uri.file(runs[0].dir))?.uri.fsPath ?? runs[0].dir);
  const title = `Landscape Lens report — ${runs.length === 1 ? runs[0].name : path.basename(folder)}`;
  const file = writeReport(
    folder,
    reportInput(runs, c => outcomes.get(c), title),
  );
  const rel = vscode.workspace.asRelativePath(file);
  if (opts?.open !== false)
    void vscode.window.showInformationMessage(`Landscape Lens: report written to ${rel}.`, 'Open in Browser').then(a => {
      if (a) void vscode.env.openExternal(vscode.Uri.file(file));
    });
  return file;
});
