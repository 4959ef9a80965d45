/** *Landscape: Clear Cached Results*: returns how many were removed. */
import * as vscode from 'vscode';
import { command } from './context';

export default command<[]>('landscapeLens.clearCache', ctx => {
  const n = ctx.cache.clear();
  ctx.service.fireChanged();
  ctx.log.info(`cache cleared: ${n} result(s)`);
  void vscode.window.showInformationMessage(`Landscape Lens: cleared ${n} cached result(s).`);
  return n;
});
