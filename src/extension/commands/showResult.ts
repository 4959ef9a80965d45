/** `landscapeLens.showResult` (hover links): the dashboard on a cached result, by its cache key. */
import * as vscode from 'vscode';
import { DashboardPanel } from '../panel';
import { command } from './context';

export default command<[key: string]>('landscapeLens.showResult', (ctx, key) => {
  const e = key === undefined ? undefined : ctx.cache.get(key);
  if (e) return DashboardPanel.show(ctx.host, vscode.Uri.file(e.checkpoint), { select: e.checkpoint });
  return undefined;
});
