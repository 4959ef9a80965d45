/** *Reveal in Explorer* (runs tree): the checkpoint or run folder in the Explorer. */
import * as vscode from 'vscode';
import { uriOf } from './checkpointPick';
import { command } from './context';

export default command<[arg: unknown]>('landscapeLens.revealInExplorer', (_ctx, arg) => {
  const uri = uriOf(arg);
  if (uri) return vscode.commands.executeCommand('revealInExplorer', uri);
  return undefined;
});
