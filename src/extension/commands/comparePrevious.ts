/**
 * *Landscape: Compare With Previous Checkpoint*: the interpolation slice to the previous step of the same
 * run and architecture — never a derived checkpoint (surgery output), never the architecture file, never a
 * checkpoint of another architecture. From the palette, the checkpoint is the active editor's, else picked.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { pickCheckpoint, uriOf } from './checkpointPick';
import { compare } from './compareWith';
import { command } from './context';
import { previousCheckpoint } from '../../core/logs/runs';

export default command<[arg: unknown]>('landscapeLens.comparePrevious', async (ctx, arg) => {
  const uri = uriOf(arg) ?? (await pickCheckpoint(ctx, 'Landscape: Compare With Previous Checkpoint'));
  if (!uri) return undefined;
  await ctx.tree.getRuns();
  const run = ctx.tree.runFor(uri.fsPath);
  const prev = run ? previousCheckpoint(run.checkpoints, path.resolve(uri.fsPath)) : undefined;
  if (!prev) {
    void vscode.window.showInformationMessage(
      `Landscape Lens: ${vscode.workspace.asRelativePath(uri)} has no earlier checkpoint of the same architecture in its run.`,
    );
    return undefined;
  }
  return compare(ctx, uri, prev.path);
});
