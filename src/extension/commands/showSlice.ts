/** *Landscape: Show 2-D Slice*: the dashboard's 2-D slice, after a full diagnosis if the cached result has none. */
import * as vscode from 'vscode';
import { confirmCost } from '../cost';
import { PRIORITY } from '../jobQueue';
import { DashboardPanel } from '../panel';
import { pickCheckpoint, uriOf } from './checkpointPick';
import { command } from './context';

export default command<[arg: unknown]>('landscapeLens.showSlice', async (ctx, arg) => {
  const svc = ctx.service;
  const uri = uriOf(arg) ?? (await pickCheckpoint(ctx, 'Landscape: Show 2-D Slice: checkpoint'));
  if (!uri) return undefined;
  if (!svc.resultFor(uri.fsPath)?.result.slices?.some(s => (s as { kind?: string }).kind === '2d')) {
    if (!(await confirmCost(svc, [uri], `Full diagnosis of ${vscode.workspace.asRelativePath(uri)} (for its 2-D slice)`))) return undefined;
    try {
      await svc.diagnose(uri, { mode: 'full', progress: 'notification', priority: PRIORITY.user, reason: 'show slice' });
    } catch {
      return undefined;
    }
  }
  return DashboardPanel.show(ctx.host, uri, { select: uri.fsPath, focus: 'slice2d' });
});
