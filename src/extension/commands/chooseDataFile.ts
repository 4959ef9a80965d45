/**
 * *Landscape: Choose Data File…*: the dataset checkpoints are diagnosed on, kept in the
 * `landscapeLens.dataFile` workspace setting (relative to the workspace folder when inside it), then the
 * checkpoint that asked (if any) is diagnosed again.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { command } from './context';

export default command<[arg: unknown, picked: unknown]>('landscapeLens.chooseDataFile', async (ctx, arg, picked) => {
  const ckpt = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : undefined;
  let data = picked instanceof vscode.Uri ? picked : typeof picked === 'string' ? vscode.Uri.file(picked) : undefined;
  if (!data) {
    const chosen = await vscode.window.showOpenDialog({
      title: 'The data to diagnose on (x and y)',
      defaultUri: ckpt ? vscode.Uri.file(path.dirname(ckpt.fsPath)) : undefined,
      canSelectMany: false,
      filters: { Data: ['npz', 'npy', 'csv', 'json', 'jsonl'], All: ['*'] },
    });
    data = chosen?.[0];
    if (!data) return undefined;
  }
  const folder = vscode.workspace.getWorkspaceFolder(ckpt ?? data);
  const rel =
    folder && !path.relative(folder.uri.fsPath, data.fsPath).startsWith('..') ? path.relative(folder.uri.fsPath, data.fsPath) : data.fsPath;
  await vscode.workspace
    .getConfiguration('landscapeLens', folder?.uri)
    .update('dataFile', rel, folder ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  if (!ckpt) return undefined;
  ctx.service.clearFailure(ckpt.fsPath);
  return ctx.service.diagnose(ckpt, { mode: 'quick' });
});
