/**
 * Landscape Lens extension host entry: a thin client. It wires the runs tree, the dashboard,
 * hovers and CodeLenses, file watchers with auto-diagnosis, the status bar and the commands;
 * heavy work goes through the job queue to the diagnostics worker (dist/worker.js). TF.js is
 * never loaded here, and nothing scans the disk during activation, so activation stays fast.
 */
import { setupPytorchExport } from './commands/setupPytorchExport';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { WorkerClient } from './workerClient';
import { ResultsCache, checkpointFiles } from './cache';
import { DashboardPanel, DashboardHost } from './panel';
import { CheckpointHoverProvider, CheckpointCodeLensProvider, HOVER_SELECTOR } from './hover';
import { looksLikeCheckpoint } from '../core/formats/detect';
import { isCheckpointFile, isCheckpointOnDisk, logKindOf, stepFromPath, type Run } from '../core/logs/runs';
import { Service } from './service';
import { RunsTree, Node } from './runsTree';
import { JobStatusBar } from './statusBar';
import { BatchDebouncer, isIgnoredPath } from './batch';
import { PRIORITY } from './jobQueue';
import { findCheckpointFiles } from './pickers';
import { autoDiagnoseMode, checkpointGlobs, logGlobs, extraIgnored, cfg, DiagnoseMode, diagnoseOptions } from './settings';
import type { DiagnoseResult } from '../core/diagnose';
import { SurgeryLog } from './surgeryLog';
import { createDemoWorkspace, CreateDemoArgs } from './demo';
import { importSeed } from './seed';
import { confirmCost } from './cost';
import { checkpointPickItems, PickerCheckpoint, PickerItem } from './checkpointLabels';
import { oneLine } from './service';
import { SurgeryContext, addSpecialNeurons, perturbWeights, copySpecialNeuronsCode, AddSpecialArgs, PerturbArgs } from './surgery';

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
  watch: { events: number; flushes: number; autoQueued: string[]; flush(): void };
  diagnose(uri: vscode.Uri, opts?: { silent?: boolean; mode?: DiagnoseMode }): Promise<DiagnoseResult | undefined>;
}

let service: Service | undefined;

/** A URI from a command argument: a Uri, a tree node, or nothing. */
function uriOf(arg: unknown): vscode.Uri | undefined {
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
  if (j && typeof j === 'object' && j.scheme === 'file' && typeof (j.fsPath ?? j.path) === 'string') return vscode.Uri.file((j.fsPath ?? j.path)!);
  return undefined;
}

export function activate(context: vscode.ExtensionContext): LandscapeApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Landscape Lens', { log: true });
  const storage = context.storageUri ?? context.globalStorageUri;
  const cache = new ResultsCache(path.join(storage.fsPath, 'results'));
  const worker = new WorkerClient(path.join(context.extensionPath, 'dist'), () => cfg().get<number>('worker.maxMemoryMb', 4096), m => log.info(m));
  const surgery = new SurgeryLog(path.join(storage.fsPath, 'surgery'));
  const svc = new Service(worker, cache, log, surgery);
  service = svc;
  const tree = new RunsTree(svc);
  const statusBar = new JobStatusBar(svc);
  const hover = new CheckpointHoverProvider(svc);
  const codeLens = new CheckpointCodeLensProvider(svc);
  const timings: DashboardHost['timings'] = {};
  const host: DashboardHost = { context, service: svc, tree, timings };
  const treeView = vscode.window.createTreeView('landscapeLens.runs', { treeDataProvider: tree, showCollapseAll: true });

  /** The checkpoints of the runs (else the files found) as picker entries, with their cached results. */
  async function pickerEntries(exclude?: string): Promise<PickerCheckpoint[]> {
    const runs = await tree.getRuns();
    let list: PickerCheckpoint[] = runs.flatMap(r => r.checkpoints.map(c => {
      const what = tree.derivedLabelOf(c);
      return { path: path.resolve(c.path), run: r.name, step: c.step, rel: vscode.workspace.asRelativePath(c.path), ...(what ? { derived: { label: what, ...(c.derived?.from ? { from: path.resolve(c.derived.from) } : {}) } } : {}), result: svc.resultFor(c.path)?.result, failed: svc.failureFor(c.path) ? oneLine(svc.failureFor(c.path)!.message, 80) : undefined };
    }));
    if (!list.length) {
      const found = await findCheckpointFiles();
      list = found.map(u => ({ path: path.resolve(u.fsPath), run: '', step: stepFromPath(u.fsPath)?.step, rel: vscode.workspace.asRelativePath(u), result: svc.resultFor(u.fsPath)?.result }));
    }
    return exclude ? list.filter(c => c.path !== path.resolve(exclude)) : list;
  }

  /** A quick pick over checkpoint items (sorted by run and step); `active` is highlighted. */
  function showCheckpointPick(items: PickerItem[], title: string, placeholder: string, active?: string): Promise<string | undefined> {
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
      qp.onDidAccept(() => { done = true; resolve(qp.selectedItems[0]?.path ?? qp.activeItems[0]?.path); qp.hide(); });
      qp.onDidHide(() => { if (!done) resolve(undefined); qp.dispose(); });
      qp.show();
    });
  }

  /** The checkpoint a command acts on: the active editor's, else one picked (the dashboard's selection preselected). */
  async function pickCheckpoint(title = 'Landscape: checkpoint'): Promise<vscode.Uri | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && looksLikeCheckpoint(active.fsPath)) return active;
    const list = await pickerEntries();
    if (list.length === 0) { void vscode.window.showWarningMessage('Landscape Lens: no checkpoint found in the workspace.'); return undefined; }
    if (list.length === 1) return vscode.Uri.file(list[0].path);
    const sel = DashboardPanel.selectedCheckpoint();
    const p = await showCheckpointPick(checkpointPickItems(list, sel ? path.resolve(sel) : undefined), title, 'Checkpoint (by run and step; the dashboard\'s selection first highlighted)');
    return p ? vscode.Uri.file(p) : undefined;
  }

  async function diagnoseCmd(arg: unknown, mode: DiagnoseMode): Promise<DiagnoseResult | undefined> {
    const target = uriOf(arg) ?? await pickCheckpoint(mode === 'quick' ? 'Landscape: Quick Diagnose: checkpoint' : 'Landscape: Diagnose: checkpoint');
    if (!target) return undefined;
    if (mode === 'full' && !(await confirmCost(svc, [target], `Full diagnosis of ${vscode.workspace.asRelativePath(target)}`))) return undefined;
    try {
      const r = await svc.diagnose(target, { mode, progress: 'notification', priority: PRIORITY.user, force: true, reason: 'command' });
      if (r) void DashboardPanel.show(host, target, { select: target.fsPath }).catch(e => log.warn(`dashboard: ${(e as Error).message}`));
      return r;
    } catch { return undefined; }
  }

  /** Diagnose every checkpoint of a run (one cancellable notification counting them); returns how many have results. */
  async function diagnoseRun(arg: unknown, mode: DiagnoseMode = 'full'): Promise<number> {
    let theRun: Run;
    try { theRun = await DashboardPanel.findRun(host, uriOf(arg), 'Run whose checkpoints to diagnose'); } catch { return 0; /* no run chosen */ }
    if (!(await svc.mayCompute(true))) return 0;
    const todo = theRun.checkpoints.map(c => c.path);
    if (mode === 'full' && !(await confirmCost(svc, todo.map(p => vscode.Uri.file(p)), `Full diagnosis of ${theRun.name}`))) return 0;
    let done = 0, failed = 0;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Landscape: ${mode} diagnosis of ${todo.length} checkpoints in ${theRun.name}`, cancellable: true }, async (progress, token) => {
      let cancelled = false;
      token.onCancellationRequested(() => {
        cancelled = true;
        // this run's diagnoses only: other queued work stays
        const mine = new Set(todo.map(p => path.resolve(p)));
        for (const j of [...svc.queue.queued, ...(svc.queue.running ? [svc.queue.running] : [])]) {
          if (j.request.kind === 'diagnose' && mine.has(path.resolve(j.request.options.checkpoint))) svc.queue.cancel(j.id);
        }
      });
      await Promise.all(todo.map(p => svc.diagnose(vscode.Uri.file(p), { mode, progress: 'none', priority: PRIORITY.user, quietErrors: true, reason: `diagnose run ${theRun.name}` })
        .then(r => { if (r) done++; else if (!cancelled) failed++; }, () => { failed++; })
        .finally(() => progress.report({ increment: 100 / todo.length, message: `${done} of ${todo.length}${failed ? `, ${failed} failed (see the log)` : ''}` }))));
    });
    if (failed) void vscode.window.showWarningMessage(`Landscape Lens: ${failed} of ${todo.length} checkpoints in ${theRun.name} could not be diagnosed; see the log.`, 'Show Log').then(a => { if (a) log.show(true); });
    return done;
  }

  /** Other checkpoints to compare with: the same run's first, nearest step first. */
  async function otherCheckpoints(uri: vscode.Uri): Promise<string[]> {
    await tree.getRuns();
    const run = tree.runFor(uri.fsPath);
    const mine = run?.checkpoints.find(c => path.resolve(c.path) === path.resolve(uri.fsPath));
    const same = (run?.checkpoints ?? []).filter(c => c !== mine).sort((a, b) => Math.abs((a.step ?? 0) - (mine?.step ?? 0)) - Math.abs((b.step ?? 0) - (mine?.step ?? 0))).map(c => c.path);
    const all = (await tree.getRuns()).flatMap(r => r.checkpoints.map(c => c.path)).filter(p => p !== uri.fsPath && !same.includes(p));
    return [...same, ...all];
  }

  async function compare(uri: vscode.Uri, other: string | undefined): Promise<DiagnoseResult | undefined> {
    if (!other) {
      const options = await otherCheckpoints(uri);
      if (!options.length) { void vscode.window.showInformationMessage('Landscape Lens: no other checkpoint to compare with.'); return undefined; }
      const list = await pickerEntries(uri.fsPath);
      // highlighted: the dashboard's selection when it is another checkpoint, else the nearest one of the same run
      const sel = DashboardPanel.selectedCheckpoint();
      const active = sel && path.resolve(sel) !== path.resolve(uri.fsPath) ? path.resolve(sel) : path.resolve(options[0]);
      const picked = await showCheckpointPick(checkpointPickItems(list), 'Landscape: Compare With (2/2): other checkpoint', `Compare ${vscode.workspace.asRelativePath(uri)} with…`, active);
      if (!picked) return undefined;
      other = picked;
    }
    try {
      const r = await svc.diagnose(uri, { mode: 'quick', extra: { slices: ['interp'], withCheckpoint: other }, progress: 'notification', priority: PRIORITY.user, reason: `compare with ${other}` });
      if (r) await DashboardPanel.show(host, uri, { select: uri.fsPath, focus: 'sliceChart' });
      return r;
    } catch { return undefined; }
  }

  // ── watchers and auto-diagnosis ─────────────────────────────────────────────────────────
  const watchStats = { events: 0, flushes: 0, autoQueued: [] as string[], flush: () => ckptBatch.fire() };
  const queuedOnce = new Map<string, string>(); // checkpoint → fingerprint it was auto-queued for
  const rootOf = (p: string) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p))?.uri.fsPath;
  const ignored = (p: string) => {
    const root = rootOf(p);
    if (!root) return true;
    if (p.startsWith(storage.fsPath)) return true;
    return isIgnoredPath(path.relative(root, p), extraIgnored());
  };
  let rescanTimer: NodeJS.Timeout | undefined;
  const scheduleRescan = () => { if (rescanTimer) clearTimeout(rescanTimer); rescanTimer = setTimeout(() => { rescanTimer = undefined; void tree.rescan(); }, 300); };

  const ckptBatch = new BatchDebouncer<string>(cfg().get<number>('watch.debounceMs', 500), async paths => {
    watchStats.flushes++;
    const fresh = paths.filter(p => !ignored(p) && fs.existsSync(p));
    if (!fresh.length) return;
    log.debug(`watcher: ${fresh.length} checkpoint(s) new or changed`);
    for (const p of fresh) svc.invalidate(p);
    const runs = await tree.rescan();
    for (const panel of DashboardPanel.panels.values()) {
      const fresh2 = runs.find(r => r.dir === panel.run.dir);
      for (const c of fresh2?.checkpoints ?? []) panel.addCheckpoint(c.path, c.step);
    }
    const mode = autoDiagnoseMode();
    if (mode === 'off') return;
    if (!vscode.workspace.isTrusted) { log.info(`auto-diagnose skipped for ${fresh.length} checkpoint(s): workspace not trusted`); return; }
    for (const p of fresh) {
      const fp = checkpointFiles(p).map(f => { try { const st = fs.statSync(f); return `${st.size}:${st.mtimeMs}`; } catch { return 'missing'; } }).join('|');
      if (queuedOnce.get(p) === fp) continue;
      if (svc.resultFor(p) && queuedOnce.has(p)) continue;
      queuedOnce.set(p, fp);
      watchStats.autoQueued.push(p);
      void svc.diagnose(vscode.Uri.file(p), { mode, progress: 'none', priority: PRIORITY.auto, quietErrors: true, reason: `auto-diagnose (${mode}): new checkpoint` }).catch(() => undefined);
    }
  });

  const watchers: vscode.Disposable[] = [];
  function setupWatchers(): void {
    for (const w of watchers.splice(0)) w.dispose();
    const onCkpt = (u: vscode.Uri) => {
      watchStats.events++;
      let p = u.fsPath;
      // a TF.js weight shard changed: its checkpoint is the model.json beside it
      if (/\.bin$/i.test(p)) { const m = path.join(path.dirname(p), 'model.json'); if (!fs.existsSync(m)) return; p = m; }
      if (p.toLowerCase().endsWith('.json') ? !isCheckpointOnDisk(p) : !isCheckpointFile(p) && !looksLikeCheckpoint(p)) return;
      ckptBatch.add(p);
    };
    for (const g of [...checkpointGlobs(), '**/*shard*of*.bin']) {
      const w = vscode.workspace.createFileSystemWatcher(g);
      watchers.push(w, w.onDidCreate(onCkpt), w.onDidChange(onCkpt), w.onDidDelete(u => { if (!ignored(u.fsPath)) { svc.invalidate(u.fsPath); scheduleRescan(); } }));
    }
    // a folder created with files in it (a copied or moved checkpoint folder) may be reported as
    // the folder alone: look inside new folders for checkpoints
    const dirs = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
    watchers.push(dirs, dirs.onDidCreate(u => {
      if (ignored(u.fsPath)) return;
      let st: fs.Stats;
      try { st = fs.statSync(u.fsPath); } catch { return; }
      if (!st.isDirectory()) return;
      const walk = (d: string, depth: number): void => {
        let entries: fs.Dirent[];
        try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
        for (const e of entries) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) { if (depth < 3 && !ignored(path.join(p, 'x'))) walk(p, depth + 1); }
          else if (isCheckpointOnDisk(p)) { watchStats.events++; ckptBatch.add(p); }
          else if (logKindOf(p)) scheduleRescanIfNew(p);
        }
      };
      walk(u.fsPath, 0);
    }));
    for (const g of logGlobs()) {
      const w = vscode.workspace.createFileSystemWatcher(g);
      const onLog = (u: vscode.Uri) => { if (!ignored(u.fsPath) && logKindOf(u.fsPath)) scheduleRescanIfNew(u.fsPath); };
      watchers.push(w, w.onDidCreate(onLog), w.onDidDelete(onLog), w.onDidChange(() => tree.softRefresh()));
    }
  }
  const scheduleRescanIfNew = (p: string) => { if (!tree.runFor(p)) scheduleRescan(); };
  setupWatchers();

  // ── seeded results of a demo workspace (Create Demo Workspace wrote them into the folder) ──
  const importSeeds = (only?: string) => {
    if (!vscode.workspace.isTrusted) return;
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      if (only && path.resolve(f.uri.fsPath) !== path.resolve(only)) continue;
      try {
        const r = importSeed(f.uri.fsPath, cache, ckpt => { const o = diagnoseOptions(vscode.Uri.file(ckpt), 'quick'); return 'error' in o ? undefined : { ...o.options, dataHow: o.dataHow }; });
        if (!r.file) continue;
        log.info(`demo results imported from ${r.file}: ${r.imported} (${r.current} under the current quick settings)${r.skipped.length ? `; skipped: ${r.skipped.join('; ')}` : ''}`);
        if (r.imported) svc.fireChanged();
      } catch (e) { log.warn(`demo results in ${f.uri.fsPath}: ${(e as Error).message}`); }
    }
  };
  importSeeds();

  // ── commands ────────────────────────────────────────────────────────────────────────────
  const surgeryCtx: SurgeryContext = {
    service: svc, tree, surgery, log, uriOf, pickCheckpoint,
    openDashboard: uri => DashboardPanel.show(host, uri, { select: uri.fsPath, focus: 'surgery' }),
  };

  context.subscriptions.push(
    log, svc, tree, treeView, statusBar, codeLens, ckptBatch,
    { dispose: () => { for (const w of watchers) w.dispose(); if (rescanTimer) clearTimeout(rescanTimer); } },
    { dispose: () => worker.dispose() },
    vscode.commands.registerCommand('landscapeLens.diagnoseCheckpoint', (arg?: unknown) => diagnoseCmd(arg, 'full')),
    vscode.commands.registerCommand('landscapeLens.setupPytorchExport', (arg?: unknown) => setupPytorchExport(context, arg)),
    vscode.commands.registerCommand('landscapeLens.diagnoseQuick', (arg?: unknown) => diagnoseCmd(arg, 'quick')),
    vscode.commands.registerCommand('landscapeLens.diagnoseRun', (arg?: unknown, mode?: DiagnoseMode) => diagnoseRun(arg, mode === 'quick' ? 'quick' : 'full')),
    vscode.commands.registerCommand('landscapeLens.openDashboard', async (arg?: unknown) => {
      try { return await DashboardPanel.show(host, uriOf(arg)); } catch (e) { log.warn(`dashboard: ${(e as Error).message}`); return undefined; }
    }),
    vscode.commands.registerCommand('landscapeLens.showResult', (key: string) => {
      const e = cache.get(key);
      if (e) return DashboardPanel.show(host, vscode.Uri.file(e.checkpoint), { select: e.checkpoint });
      return undefined;
    }),
    vscode.commands.registerCommand('landscapeLens.showSlice', async (arg?: unknown) => {
      const uri = uriOf(arg) ?? await pickCheckpoint('Landscape: Show 2-D Slice: checkpoint');
      if (!uri) return undefined;
      if (!svc.resultFor(uri.fsPath)?.result.slices?.some(s => (s as { kind?: string }).kind === '2d')) {
        if (!(await confirmCost(svc, [uri], `Full diagnosis of ${vscode.workspace.asRelativePath(uri)} (for its 2-D slice)`))) return undefined;
        try { await svc.diagnose(uri, { mode: 'full', progress: 'notification', priority: PRIORITY.user, reason: 'show slice' }); } catch { return undefined; }
      }
      return DashboardPanel.show(host, uri, { select: uri.fsPath, focus: 'slice2d' });
    }),
    vscode.commands.registerCommand('landscapeLens.compareWith', async (arg?: unknown, other?: string) => {
      const uri = uriOf(arg) ?? await pickCheckpoint('Landscape: Compare With (1/2): checkpoint');
      return uri ? compare(uri, other) : undefined;
    }),
    vscode.commands.registerCommand('landscapeLens.comparePrevious', async (arg?: unknown) => {
      const uri = uriOf(arg);
      if (!uri) return undefined;
      await tree.getRuns();
      const run = tree.runFor(uri.fsPath);
      const list = (run?.checkpoints ?? []).filter(c => c.step !== undefined);
      const i = list.findIndex(c => path.resolve(c.path) === path.resolve(uri.fsPath));
      const prev = i > 0 ? list[i - 1] : undefined;
      if (!prev) { void vscode.window.showInformationMessage(`Landscape Lens: ${vscode.workspace.asRelativePath(uri)} has no earlier checkpoint in its run.`); return undefined; }
      return compare(uri, prev.path);
    }),
    vscode.commands.registerCommand('landscapeLens.revealInExplorer', (arg?: unknown) => {
      const uri = uriOf(arg);
      if (uri) return vscode.commands.executeCommand('revealInExplorer', uri);
      return undefined;
    }),
    vscode.commands.registerCommand('landscapeLens.addSpecialNeurons', (arg?: unknown, args?: AddSpecialArgs) => addSpecialNeurons(surgeryCtx, arg, args).catch(() => undefined)),
    vscode.commands.registerCommand('landscapeLens.copySpecialNeuronsCode', (arg?: unknown, lang?: 'pytorch' | 'keras' | 'tfjs', lambda?: number) => copySpecialNeuronsCode(surgeryCtx, arg, lang, lambda).catch(() => undefined)),
    vscode.commands.registerCommand('landscapeLens.perturbWeights', (arg?: unknown, args?: PerturbArgs) => perturbWeights(surgeryCtx, arg, args).catch(() => undefined)),
    vscode.commands.registerCommand('landscapeLens.createDemoWorkspace', (args?: CreateDemoArgs) => createDemoWorkspace(svc, args && typeof args === 'object' ? args : {}, dir => importSeeds(dir))),
    vscode.commands.registerCommand('landscapeLens.refreshRuns', () => tree.rescan()),
    vscode.commands.registerCommand('landscapeLens.showJobs', () => statusBar.showJobs()),
    vscode.commands.registerCommand('landscapeLens.cancelAllJobs', () => svc.queue.cancelAll()),
    vscode.commands.registerCommand('landscapeLens.showLog', () => log.show(true)),
    vscode.commands.registerCommand('landscapeLens.retryDiagnosis', async (arg?: unknown) => {
      const uri = uriOf(arg) ?? await pickCheckpoint('Landscape: Retry Diagnosis: checkpoint');
      if (!uri) return undefined;
      const mode = svc.failureFor(uri.fsPath)?.mode ?? 'quick';
      try { return await svc.diagnose(uri, { mode, progress: 'notification', priority: PRIORITY.user, force: true, reason: 'retry' }); } catch { return undefined; }
    }),
    vscode.commands.registerCommand('landscapeLens.clearCache', () => {
      const n = cache.clear();
      svc.fireChanged();
      log.info(`cache cleared: ${n} result(s)`);
      void vscode.window.showInformationMessage(`Landscape Lens: cleared ${n} cached result(s).`);
      return n;
    }),
    vscode.languages.registerHoverProvider(HOVER_SELECTOR, hover),
    vscode.languages.registerCodeLensProvider(HOVER_SELECTOR, codeLens),
    vscode.window.registerWebviewPanelSerializer(DashboardPanel.viewType, {
      deserializeWebviewPanel: (panel, state) => DashboardPanel.revive(host, panel, state as { runDir?: string; selected?: string }),
    }),
    vscode.workspace.onDidChangeConfiguration(e => {
      if (e.affectsConfiguration('landscapeLens.watch')) { setupWatchers(); scheduleRescan(); }
      if (e.affectsConfiguration('landscapeLens.thresholds') || e.affectsConfiguration('landscapeLens.codeLens')) svc.fireChanged();
      if (e.affectsConfiguration('landscapeLens.worker.maxMemoryMb') && !svc.queue.running) worker.dispose();
    }),
    vscode.window.onDidChangeActiveTextEditor(ed => {
      const p = ed?.document.uri.scheme === 'file' ? ed.document.uri.fsPath : undefined;
      if (p && (isCheckpointFile(p) || looksLikeCheckpoint(p))) svc.prioritise(p, PRIORITY.visible);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => { log.info('workspace trusted: computation allowed'); importSeeds(); svc.fireChanged(); }),
  );
  const activationMs = performance.now() - t0;
  log.info(`activated in ${activationMs.toFixed(1)} ms (cache: ${cache.size} result(s); auto-diagnose: ${autoDiagnoseMode()}; trusted: ${vscode.workspace.isTrusted})`);
  return {
    cache, worker, service: svc, tree, statusBar, surgery, hover, codeLens, activationMs, timings, panels: DashboardPanel.panels, watch: watchStats,
    diagnose: async (uri, opts = {}) => {
      const r = await svc.diagnose(uri, { mode: opts.mode ?? 'full', progress: opts.silent ? 'none' : 'notification', quietErrors: opts.silent });
      if (r && !opts.silent) void DashboardPanel.show(host, uri, { select: uri.fsPath });
      return r;
    },
  };
}

export { stepFromPath };
export function deactivate(): void { service?.worker.dispose(); service = undefined; }
