/** *Landscape: Diagnose Checkpoint*: a full diagnosis (after the cost check), then the dashboard. */
import * as vscode from 'vscode';
import type { DiagnoseResult } from '../../core/diagnose';
import { confirmCost } from '../cost';
import { PRIORITY } from '../jobQueue';
import { DashboardPanel } from '../panel';
import type { DiagnoseMode } from '../settings';
import { pickCheckpoint, uriOf } from './checkpointPick';
import { command, type CommandContext } from './context';

/** Diagnose the argument's checkpoint (else the active or a picked one) in `mode`, forced; shows the dashboard. */
export async function diagnoseCommand(ctx: CommandContext, arg: unknown, mode: DiagnoseMode): Promise<DiagnoseResult | undefined> {
  const svc = ctx.service;
  const title = mode === 'quick' ? 'Landscape: Quick Diagnose: checkpoint' : 'Landscape: Diagnose: checkpoint';
  const target = uriOf(arg) ?? (await pickCheckpoint(ctx, title));
  if (!target) return undefined;
  if (mode === 'full' && !(await confirmCost(svc, [target], `Full diagnosis of ${vscode.workspace.asRelativePath(target)}`)))
    return undefined;
  try {
    const r = await svc.diagnose(target, { mode, progress: 'notification', priority: PRIORITY.user, force: true, reason: 'command' });
    if (r)
      void DashboardPanel.show(ctx.host, target, { select: target.fsPath }).catch(e => ctx.log.warn(`dashboard: ${(e as Error).message}`));
    return r;
  } catch {
    return undefined;
  }
}

export default command<[arg: unknown]>('landscapeLens.diagnoseCheckpoint', (ctx, arg) => diagnoseCommand(ctx, arg, 'full'));
