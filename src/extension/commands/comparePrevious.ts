/** *Landscape: Compare With Previous Checkpoint*: the interpolation slice to the run's previous step. */
import * as path from 'path';
import * as vscode from 'vscode';
import { uriOf } from './checkpointPick';
import { compare } from './compareWith';
import { command } from './context';

export default command<[arg: unknown]>('landscapeLens.comparePrevious', async (ctx, arg) => {
  const uri = uriOf(arg);
  if (!uri) return undefined;
  await ctx.tree.getRuns();
  const run = ctx.tree.runFor(uri.fsPath);
  const list = (run?.checkpoints ?? []).filter(c => c.step !== undefined);
  const i = list.findIndex(c => path.resolve(c.path) === path.resolve(uri.fsPath));
  const prev = i > 0 ? list[i - 1] : undefined;
  if (!prev) {
    void vscode.window.showInformationMessage(
      `Landscape Lens: ${vscode.workspace.asRelativePath(uri)} has no earlier checkpoint in its run.`,
    );
    return undefined;
  }
  return compare(ctx, uri, prev.path);
});
