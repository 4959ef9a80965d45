/**
 * Status-bar item: the running job (with its progress) and the queue length; click to see the
 * queue and cancel jobs. Hidden while nothing runs.
 */
import * as vscode from 'vscode';
import type { Service } from './service';
import { pct } from '../shared/format';

export class JobStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly sub: vscode.Disposable;
  text = '';

  constructor(private readonly service: Service) {
    this.item = vscode.window.createStatusBarItem('landscapeLens.jobs', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Landscape Lens jobs';
    this.item.command = 'landscapeLens.showJobs';
    this.sub = service.queue.onChange(() => this.update());
  }

  update(): void {
    const q = this.service.queue;
    const r = q.running;
    if (!r) {
      this.item.hide();
      this.text = '';
      return;
    }
    const done = r.progress?.fraction !== undefined ? ` ${pct(r.progress.fraction)}` : '';
    const queued = q.queued.length;
    this.text = `$(sync~spin) Landscape: ${r.label}${done}${queued ? ` · ${queued} queued` : ''}`;
    this.item.text = this.text;
    const md = new vscode.MarkdownString(`**Running:** ${r.label}${done}${r.progress?.message ? ` — ${r.progress.message}` : ''}\n\n`);
    if (queued)
      md.appendMarkdown(
        `**Queued (${queued}):**\n\n${q.queued
          .slice(0, 10)
          .map(j => `- ${j.label} (priority ${j.priority})`)
          .join('\n')}${queued > 10 ? `\n- … ${queued - 10} more` : ''}\n\n`,
      );
    md.appendMarkdown('Click to cancel jobs.');
    this.item.tooltip = md;
    this.item.show();
  }

  async showJobs(): Promise<void> {
    const q = this.service.queue;
    const items: (vscode.QuickPickItem & { id?: number; all?: boolean })[] = [];
    if (q.running)
      items.push({
        label: `$(sync~spin) ${q.running.label}`,
        description: q.running.progress?.message ?? 'running',
        detail: 'Cancel this job',
        id: q.running.id,
      });
    for (const j of q.queued)
      items.push({
        label: `$(watch) ${j.label}`,
        description: `queued · priority ${j.priority}`,
        detail: 'Remove from the queue',
        id: j.id,
      });
    if (items.length > 1) items.push({ label: '$(close-all) Cancel all', all: true });
    if (!items.length) {
      void vscode.window.showInformationMessage('Landscape Lens: no jobs running or queued.');
      return;
    }
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Landscape Lens jobs: pick one to cancel' });
    if (!pick) return;
    if (pick.all) q.cancelAll();
    else if (pick.id !== undefined) q.cancel(pick.id);
  }

  dispose(): void {
    this.sub.dispose();
    this.item.dispose();
  }
}
