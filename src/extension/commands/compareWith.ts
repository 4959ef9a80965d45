/** *Landscape: Compare With…*: the interpolation slice between two checkpoints (the other one picked, nearest step first). */
import * as path from 'path';
import * as vscode from 'vscode';
import type { DiagnoseResult } from '../../core/diagnose';
import { checkpointPickItems } from '../checkpointLabels';
import { PRIORITY } from '../jobQueue';
import { DashboardPanel } from '../panel';
import { pickCheckpoint, pickerEntries, showCheckpointPick, uriOf } from './checkpointPick';
import { command, type CommandContext } from './context';

/** Other checkpoints to compare with: the same run's first, nearest step first. */
async function otherCheckpoints(ctx: CommandContext, uri: vscode.Uri): Promise<string[]> {
  const tree = ctx.tree;
  await tree.getRuns();
  const run = tree.runFor(uri.fsPath);
  const mine = run?.checkpoints.find(c => path.resolve(c.path) === path.resolve(uri.fsPath));
  const dist = (s: number | undefined) => Math.abs((s ?? 0) - (mine?.step ?? 0));
  const same = (run?.checkpoints ?? [])
    .filter(c => c !== mine)
    .sort((a, b) => dist(a.step) - dist(b.step))
    .map(c => c.path);
  const all = (await tree.getRuns()).flatMap(r => r.checkpoints.map(c => c.path)).filter(p => p !== uri.fsPath && !same.includes(p));
  return [...same, ...all];
}

/** Compare `uri` with `other` (picked when absent) and show the dashboard's slice chart. */
export async function compare(ctx: CommandContext, uri: vscode.Uri, other: string | undefined): Promise<DiagnoseResult | undefined> {
  if (!other) {
    const options = await otherCheckpoints(ctx, uri);
    if (!options.length) {
      void vscode.window.showInformationMessage('Landscape Lens: no other checkpoint to compare with.');
      return undefined;
    }
    const list = await pickerEntries(ctx, uri.fsPath);
    // highlighted: the dashboard's selection when it is another checkpoint, else the nearest one of the same run
    const sel = DashboardPanel.selectedCheckpoint();
    const active = sel && path.resolve(sel) !== path.resolve(uri.fsPath) ? path.resolve(sel) : path.resolve(options[0]);
    const title = 'Landscape: Compare With (2/2): other checkpoint';
    const picked = await showCheckpointPick(
      checkpointPickItems(list),
      title,
      `Compare ${vscode.workspace.asRelativePath(uri)} with…`,
      active,
    );
    if (!picked) return undefined;
    other = picked;
  }
  try {
    const extra = { slices: ['interp' as const], withCheckpoint: other };
    const r = await ctx.service.diagnose(uri, {
      mode: 'quick',
      extra,
      progress: 'notification',
      priority: PRIORITY.user,
      reason: `compare with ${other}`,
    });
    if (r) await DashboardPanel.show(ctx.host, uri, { select: uri.fsPath, focus: 'sliceChart' });
    return r;
  } catch {
    return undefined;
  }
}

export default command<[arg: unknown, other: string]>('landscapeLens.compareWith', async (ctx, arg, other) => {
  const uri = uriOf(arg) ?? (await pickCheckpoint(ctx, 'Landscape: Compare With (1/2): checkpoint'));
  return uri ? compare(ctx, uri, other) : undefined;
});
