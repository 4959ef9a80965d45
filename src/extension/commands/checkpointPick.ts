/**
 * The checkpoint a command acts on: from its argument (a Uri, a runs-tree node, a path, a URI that
 * came through JSON) or picked in a quick pick of the runs' checkpoints (by run and step, with their
 * cached results), else of the checkpoint files found in the workspace.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { looksLikeCheckpoint } from '../../core/formats/detect';
import { stepFromPath } from '../../core/logs/runs';
import { checkpointPickItems, PickerCheckpoint, PickerItem } from '../checkpointLabels';
import { DashboardPanel } from '../panel';
import type { Node, RunsTree } from '../runsTree';
import { oneLine, type Service } from '../service';
import { findCheckpointFiles } from '../pickers';

/** A URI from a command argument: a Uri, a tree node, or nothing. */
export function uriOf(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const n = arg as Node | undefined;
  if (n && typeof n === 'object' && 'type' in n) {
    if (n.type === 'checkpoint') return vscode.Uri.file(n.ckpt.path);
    if (n.type === 'run' || n.type === 'seriesGroup') return vscode.Uri.file(n.run.dir);
    if (n.type === 'series') return vscode.Uri.file(n.file);
  }
  if (typeof arg === 'string' && arg) return vscode.Uri.file(arg);
  // a URI that came through JSON (a command link) without being revived
  const j = arg as { scheme?: string; path?: string; fsPath?: string } | undefined;
  const p = j && typeof j === 'object' && j.scheme === 'file' ? (j.fsPath ?? j.path) : undefined;
  return typeof p === 'string' ? vscode.Uri.file(p) : undefined;
}

interface PickDeps {
  service: Service;
  tree: RunsTree;
}

/** The checkpoints of the runs (else the files found) as picker entries, with their cached results. */
export async function pickerEntries({ service: svc, tree }: PickDeps, exclude?: string): Promise<PickerCheckpoint[]> {
  const runs = await tree.getRuns();
  const failed = (p: string) => {
    const f = svc.failureFor(p);
    return f ? oneLine(f.message, 80) : undefined;
  };
  let list: PickerCheckpoint[] = runs.flatMap(r =>
    r.checkpoints.map(c => {
      const what = tree.derivedLabelOf(c);
      const derived = what ? { derived: { label: what, ...(c.derived?.from ? { from: path.resolve(c.derived.from) } : {}) } } : {};
      const rel = vscode.workspace.asRelativePath(c.path);
      return {
        path: path.resolve(c.path),
        run: r.name,
        step: c.step,
        rel,
        ...derived,
        result: svc.resultFor(c.path)?.result,
        failed: failed(c.path),
      };
    }),
  );
  if (!list.length) {
    const found = await findCheckpointFiles();
    list = found.map(u => ({
      path: path.resolve(u.fsPath),
      run: '',
      step: stepFromPath(u.fsPath)?.step,
      rel: vscode.workspace.asRelativePath(u),
      result: svc.resultFor(u.fsPath)?.result,
    }));
  }
  return exclude ? list.filter(c => c.path !== path.resolve(exclude)) : list;
}

/** A quick pick over checkpoint items (sorted by run and step); `active` is highlighted. */
export function showCheckpointPick(items: PickerItem[], title: string, placeholder: string, active?: string): Promise<string | undefined> {
  return new Promise(resolve => {
    const qp = vscode.window.createQuickPick<PickerItem>();
    qp.title = title;
    qp.placeholder = placeholder;
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.items = items;
    const a = items.find(i => i.path === active) ?? items.find(i => i.picked);
    if (a) qp.activeItems = [a];
    let done = false;
    qp.onDidAccept(() => {
      done = true;
      resolve(qp.selectedItems[0]?.path ?? qp.activeItems[0]?.path);
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** The checkpoint a command acts on: the active editor's, else one picked (the dashboard's selection preselected). */
export async function pickCheckpoint(deps: PickDeps, title = 'Landscape: checkpoint'): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && looksLikeCheckpoint(active.fsPath)) return active;
  const list = await pickerEntries(deps);
  if (list.length === 0) {
    void vscode.window.showWarningMessage('Landscape Lens: no checkpoint found in the workspace.');
    return undefined;
  }
  if (list.length === 1) return vscode.Uri.file(list[0].path);
  const sel = DashboardPanel.selectedCheckpoint();
  const items = checkpointPickItems(list, sel ? path.resolve(sel) : undefined);
  const p = await showCheckpointPick(items, title, "Checkpoint (by run and step; the dashboard's selection first highlighted)");
  return p ? vscode.Uri.file(p) : undefined;
}
