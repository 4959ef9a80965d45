/**
 * *Landscape: Diagnose Run*: every checkpoint of a run, in one cancellable notification counting
 * them (cancelling drops this run's queued diagnoses only); returns how many have results.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Run } from '../../core/logs/runs';
import { confirmCost } from '../cost';
import { PRIORITY } from '../jobQueue';
import { DashboardPanel } from '../panel';
import type { DiagnoseMode } from '../settings';
import { uriOf } from './checkpointPick';
import { command, type CommandContext } from './context';

async function diagnoseRun(ctx: CommandContext, arg: unknown, mode: DiagnoseMode): Promise<number> {
  const svc = ctx.service;
  let theRun: Run;
  try {
    theRun = await DashboardPanel.findRun(ctx.host, uriOf(arg), 'Run whose checkpoints to diagnose');
  } catch {
    return 0; /* no run chosen */
  }
  if (!(await svc.mayCompute(true))) return 0;
  const todo = theRun.checkpoints.map(c => c.path);
  if (
    mode === 'full' &&
    !(await confirmCost(
      svc,
      todo.map(p => vscode.Uri.file(p)),
      `Full diagnosis of ${theRun.name}`,
    ))
  )
    return 0;
  let done = 0,
    failed = 0;
  const title = `Landscape: ${mode} diagnosis of ${todo.length} checkpoints in ${theRun.name}`;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      let cancelled = false;
      token.onCancellationRequested(() => {
        cancelled = true;
        // this run's diagnoses only: other queued work stays
        const mine = new Set(todo.map(p => path.resolve(p)));
        for (const j of [...svc.queue.queued, ...(svc.queue.running ? [svc.queue.running] : [])]) {
          if (j.request.kind === 'diagnose' && mine.has(path.resolve(j.request.options.checkpoint))) svc.queue.cancel(j.id);
        }
      });
      const report = () =>
        progress.report({
          increment: 100 / todo.length,
          message: `${done} of ${todo.length}${failed ? `, ${failed} failed (see the log)` : ''}`,
        });
      await Promise.all(
        todo.map(p =>
          svc
            .diagnose(vscode.Uri.file(p), {
              mode,
              progress: 'none',
              priority: PRIORITY.user,
              quietErrors: true,
              reason: `diagnose run ${theRun.name}`,
            })
            .then(
              r => {
                if (r) done++;
                else if (!cancelled) failed++;
              },
              () => {
                failed++;
              },
            )
            .finally(report),
        ),
      );
    },
  );
  if (failed) {
    const msg = `Landscape Lens: ${failed} of ${todo.length} checkpoints in ${theRun.name} could not be diagnosed; see the log.`;
    void vscode.window.showWarningMessage(msg, 'Show Log').then(a => {
      if (a) ctx.log.show(true);
    });
  }
  return done;
}

export default command<[arg: unknown, mode: DiagnoseMode]>('landscapeLens.diagnoseRun', (ctx, arg, mode) =>
  diagnoseRun(ctx, arg, mode === 'quick' ? 'quick' : 'full'),
);
