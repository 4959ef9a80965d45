/**
 * File watchers and auto-diagnosis: new or changed checkpoints (a TF.js weight shard stands for
 * the model.json beside it; a new folder is looked into) are batched, invalidated, added to the
 * runs and open dashboards, and — when `landscapeLens.autoDiagnose` says so and the workspace is
 * trusted — queued once per file fingerprint at auto priority. New or deleted logs rescan the runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { looksLikeCheckpoint } from '../core/formats/detect';
import { isArchitectureFile, isCheckpointFile, isCheckpointOnDisk, logKindOf } from '../core/logs/runs';
import { BatchDebouncer, isIgnoredPath } from './batch';
import { checkpointFiles } from './cache';
import { PRIORITY } from './jobQueue';
import { DashboardPanel } from './panel';
import type { RunsTree } from './runsTree';
import type { Service } from './service';
import { autoDiagnoseMode, cfg, checkpointGlobs, extraIgnored, logGlobs } from './settings';

export interface WatchStats {
  events: number;
  flushes: number;
  autoQueued: string[];
  flush(): void;
}

export interface Watchers extends vscode.Disposable {
  stats: WatchStats;
  /** (re)create the watchers from the settings */
  setup(): void;
  /** rescan the runs soon (debounced) */
  scheduleRescan(): void;
}

export function startWatchers(svc: Service, tree: RunsTree, storageDir: string, log: vscode.LogOutputChannel): Watchers {
  const queuedOnce = new Map<string, string>(); // checkpoint → fingerprint it was auto-queued for
  const rootOf = (p: string) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p))?.uri.fsPath;
  const ignored = (p: string) => {
    const root = rootOf(p);
    if (!root) return true;
    if (p.startsWith(storageDir)) return true;
    return isIgnoredPath(path.relative(root, p), extraIgnored());
  };
  let rescanTimer: NodeJS.Timeout | undefined;
  const scheduleRescan = () => {
    if (rescanTimer) clearTimeout(rescanTimer);
    rescanTimer = setTimeout(() => {
      rescanTimer = undefined;
      void tree.rescan();
    }, 300);
  };
  const scheduleRescanIfNew = (p: string) => {
    if (!tree.runFor(p)) scheduleRescan();
  };
  const fingerprint = (p: string) =>
    checkpointFiles(p)
      .map(f => {
        try {
          const st = fs.statSync(f);
          return `${st.size}:${st.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');

  const ckptBatch = new BatchDebouncer<string>(cfg().get<number>('watch.debounceMs', 500), async paths => {
    stats.flushes++;
    // an architecture file written beside weights-only checkpoints (a PyTorch export's model.onnx) is run metadata
    const fresh = paths.filter(p => !ignored(p) && fs.existsSync(p) && !isArchitectureFile(p));
    if (!fresh.length) return;
    log.debug(`watcher: ${fresh.length} checkpoint(s) new or changed`);
    for (const p of fresh) svc.invalidate(p);
    const runs = await tree.rescan();
    for (const panel of DashboardPanel.panels.values()) {
      const run = runs.find(r => r.dir === panel.run.dir);
      for (const c of run?.checkpoints ?? []) panel.addCheckpoint(c.path, c.step);
    }
    const mode = autoDiagnoseMode();
    if (mode === 'off') return;
    if (!vscode.workspace.isTrusted) {
      log.info(`auto-diagnose skipped for ${fresh.length} checkpoint(s): workspace not trusted`);
      return;
    }
    for (const p of fresh) {
      const fp = fingerprint(p);
      if (queuedOnce.get(p) === fp) continue;
      if (svc.resultFor(p) && queuedOnce.has(p)) continue;
      queuedOnce.set(p, fp);
      stats.autoQueued.push(p);
      const reason = `auto-diagnose (${mode}): new checkpoint`;
      void svc
        .diagnose(vscode.Uri.file(p), { mode, progress: 'none', priority: PRIORITY.auto, quietErrors: true, reason })
        .catch(() => undefined);
    }
  });
  const stats: WatchStats = { events: 0, flushes: 0, autoQueued: [], flush: () => ckptBatch.fire() };

  const watchers: vscode.Disposable[] = [];
  const onCkpt = (u: vscode.Uri) => {
    stats.events++;
    let p = u.fsPath;
    // a TF.js weight shard changed: its checkpoint is the model.json beside it
    if (/\.bin$/i.test(p)) {
      const m = path.join(path.dirname(p), 'model.json');
      if (!fs.existsSync(m)) return;
      p = m;
    }
    if (p.toLowerCase().endsWith('.json') ? !isCheckpointOnDisk(p) : !isCheckpointFile(p) && !looksLikeCheckpoint(p)) return;
    ckptBatch.add(p);
  };
  /** a folder created with files in it (a copied or moved checkpoint folder) may be reported as the folder alone: look inside */
  const onNewFolder = (u: vscode.Uri) => {
    if (ignored(u.fsPath)) return;
    let st: fs.Stats;
    try {
      st = fs.statSync(u.fsPath);
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    const walk = (d: string, depth: number): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) {
          if (depth < 3 && !ignored(path.join(p, 'x'))) walk(p, depth + 1);
        } else if (isCheckpointOnDisk(p)) {
          stats.events++;
          ckptBatch.add(p);
        } else if (logKindOf(p)) scheduleRescanIfNew(p);
      }
    };
    walk(u.fsPath, 0);
  };
  function setup(): void {
    for (const w of watchers.splice(0)) w.dispose();
    for (const g of [...checkpointGlobs(), '**/*shard*of*.bin']) {
      const w = vscode.workspace.createFileSystemWatcher(g);
      const onDelete = (u: vscode.Uri) => {
        if (!ignored(u.fsPath)) {
          svc.invalidate(u.fsPath);
          scheduleRescan();
        }
      };
      watchers.push(w, w.onDidCreate(onCkpt), w.onDidChange(onCkpt), w.onDidDelete(onDelete));
    }
    const dirs = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
    watchers.push(dirs, dirs.onDidCreate(onNewFolder));
    for (const g of logGlobs()) {
      const w = vscode.workspace.createFileSystemWatcher(g);
      const onLog = (u: vscode.Uri) => {
        if (!ignored(u.fsPath) && logKindOf(u.fsPath)) scheduleRescanIfNew(u.fsPath);
      };
      watchers.push(
        w,
        w.onDidCreate(onLog),
        w.onDidDelete(onLog),
        w.onDidChange(() => tree.softRefresh()),
      );
    }
  }
  setup();
  return {
    stats,
    setup,
    scheduleRescan,
    dispose: () => {
      for (const w of watchers) w.dispose();
      if (rescanTimer) clearTimeout(rescanTimer);
      ckptBatch.dispose();
    },
  };
}
