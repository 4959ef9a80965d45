/**
 * Landscape Lens extension host entry: a thin client. It wires the runs tree, the dashboard,
 * hovers and CodeLenses, file watchers with auto-diagnosis (./watchers.ts), the status bar and the
 * commands (one per file in ./commands/, registered from the table in ./commands/index.ts); heavy
 * work goes through the job queue to the diagnostics worker (dist/worker.js). TF.js is never
 * loaded here, and nothing scans the disk during activation, so activation stays fast.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { WorkerClient } from './workerClient';
import { ResultsCache } from './cache';
import { DashboardPanel, DashboardHost } from './panel';
import { CheckpointHoverProvider, CheckpointCodeLensProvider, HOVER_SELECTOR } from './hover';
import { looksLikeCheckpoint } from '../core/formats/detect';
import { isCheckpointFile, stepFromPath } from '../core/logs/runs';
import { Service } from './service';
import { RunsTree } from './runsTree';
import { JobStatusBar } from './statusBar';
import { PRIORITY } from './jobQueue';
import { autoDiagnoseMode, cfg, DiagnoseMode, diagnoseOptions } from './settings';
import type { DiagnoseResult } from '../core/diagnose';
import { SurgeryLog } from './surgeryLog';
import { importSeed } from './seed';
import { AttachedLogs } from './attachedLogs';
import { startWatchers, type WatchStats } from './watchers';
import { registerCommands } from './commands';
import type { CommandContext } from './commands/context';
import { fmt } from '../shared/format';
import { pickCheckpoint, uriOf } from './commands/checkpointPick';

export interface LandscapeApi {
  cache: ResultsCache;
  worker: WorkerClient;
  service: Service;
  tree: RunsTree;
  statusBar: JobStatusBar;
  /** what the surgery commands did (the dashboard shows it) */
  surgery: SurgeryLog;
  hover: CheckpointHoverProvider;
  codeLens: CheckpointCodeLensProvider;
  activationMs: number;
  timings: DashboardHost['timings'];
  /** open dashboards by run folder */
  panels: Map<string, DashboardPanel>;
  watch: WatchStats;
  diagnose(uri: vscode.Uri, opts?: { silent?: boolean; mode?: DiagnoseMode }): Promise<DiagnoseResult | undefined>;
}

let service: Service | undefined;

export function activate(context: vscode.ExtensionContext): LandscapeApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Landscape Lens', { log: true });
  const storage = context.storageUri ?? context.globalStorageUri;
  const cache = new ResultsCache(path.join(storage.fsPath, 'results'));
  const worker = new WorkerClient(
    path.join(context.extensionPath, 'dist'),
    () => cfg().get<number>('worker.maxMemoryMb', 4096),
    m => log.info(m),
  );
  const surgery = new SurgeryLog(path.join(storage.fsPath, 'surgery'));
  const svc = new Service(worker, cache, log, surgery);
  service = svc;
  const attachedLogs = new AttachedLogs(context.workspaceState);
  svc.attachedLogsFor = ckpt => attachedLogs.forCheckpoint(ckpt);
  const tree = new RunsTree(svc, () => attachedLogs.all());
  const statusBar = new JobStatusBar(svc);
  const hover = new CheckpointHoverProvider(svc);
  const codeLens = new CheckpointCodeLensProvider(svc);
  const timings: DashboardHost['timings'] = {};
  const host: DashboardHost = { context, service: svc, tree, timings };
  const treeView = vscode.window.createTreeView('landscapeLens.runs', { treeDataProvider: tree, showCollapseAll: true });
  const watchers = startWatchers(svc, tree, storage.fsPath, log);

  // seeded results of a demo workspace (Create Demo Workspace wrote them into the folder)
  const importSeeds = (only?: string) => {
    if (!vscode.workspace.isTrusted) return;
    const optionsFor = (ckpt: string) => {
      const o = diagnoseOptions(vscode.Uri.file(ckpt), 'quick');
      return 'error' in o ? undefined : { ...o.options, dataHow: o.dataHow };
    };
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (only && path.resolve(f.uri.fsPath) !== path.resolve(only)) continue;
      try {
        const r = importSeed(f.uri.fsPath, cache, optionsFor);
        if (!r.file) continue;
        // a demo workspace: the walkthrough's demo step is done
        void vscode.commands.executeCommand('setContext', 'landscapeLens.demoCreated', true);
        const skipped = r.skipped.length ? `; skipped: ${r.skipped.join('; ')}` : '';
        log.info(`demo results imported from ${r.file}: ${r.imported} (${r.current} under the current quick settings)${skipped}`);
        if (r.imported) svc.fireChanged();
      } catch (e) {
        log.warn(`demo results in ${f.uri.fsPath}: ${(e as Error).message}`);
      }
    }
  };
  importSeeds();

  const deps = { service: svc, tree };
  const ctx: CommandContext = {
    attachedLogs,
    context,
    service: svc,
    cache,
    tree,
    statusBar,
    log,
    host,
    importSeeds,
    surgery: {
      service: svc,
      tree,
      surgery,
      log,
      uriOf,
      pickCheckpoint: title => pickCheckpoint(deps, title),
      openDashboard: uri => DashboardPanel.show(host, uri, { select: uri.fsPath, focus: 'surgery' }),
    },
  };

  context.subscriptions.push(
    log,
    svc,
    tree,
    treeView,
    statusBar,
    codeLens,
    watchers,
    { dispose: () => worker.dispose() },
    ...registerCommands(ctx),
    vscode.languages.registerHoverProvider(HOVER_SELECTOR, hover),
    vscode.languages.registerCodeLensProvider(HOVER_SELECTOR, codeLens),
    vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      deserializeWebviewPanel: (panel, state) => DashboardPanel.revive(host, panel, state as { runDir?: string; selected?: string }),
    }),
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('landscapeLens.watch')) {
        watchers.setup();
        watchers.scheduleRescan();
      }
      if (e.affectsConfiguration('landscapeLens.thresholds') || e.affectsConfiguration('landscapeLens.codeLens')) svc.fireChanged();
      if (e.affectsConfiguration('landscapeLens.worker.maxMemoryMb') && !svc.queue.running) worker.dispose();
    }),
    vscode.window.onDidChangeActiveTextEditor(ed => {
      const p = ed?.document.uri.scheme === 'file' ? ed.document.uri.fsPath : undefined;
      if (p && (isCheckpointFile(p) || looksLikeCheckpoint(p))) svc.prioritise(p, PRIORITY.visible);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('workspace trusted: computation allowed');
      importSeeds();
      svc.fireChanged();
    }),
  );
  const activationMs = performance.now() - t0;
  log.info(
    `activated in ${fmt(activationMs, 3)} ms (cache: ${cache.size} result(s); ` +
      `auto-diagnose: ${autoDiagnoseMode()}; trusted: ${vscode.workspace.isTrusted})`,
  );
  return {
    cache,
    worker,
    service: svc,
    tree,
    statusBar,
    surgery,
    hover,
    codeLens,
    activationMs,
    timings,
    panels: DashboardPanel.panels,
    watch: watchers.stats,
    diagnose: async (uri, opts = {}) => {
      const r = await svc.diagnose(uri, {
        mode: opts.mode ?? 'full',
        progress: opts.silent ? 'none' : 'notification',
        quietErrors: opts.silent,
      });
      if (r && !opts.silent) void DashboardPanel.show(host, uri, { select: uri.fsPath });
      return r;
    },
  };
}

export { stepFromPath };
export function deactivate(): void {
  service?.worker.dispose();
  service = undefined;
}
