/**
 * The dashboard: one webview panel per run (webview/main.ts, bundled to dist/webview.js),
 * restored after a reload by the panel serializer (the webview keeps { runDir, selected, ui } in
 * getState/setState). The host sends the run's log series (read incrementally by the core's
 * tail readers, polled while the panel is visible, so curves grow live), the checkpoints with
 * their cached results and job states, and Lanczos partial results as they stream in. Strict CSP
 * with a per-load nonce; only local resources through asWebviewUri; colours from VS Code's theme
 * CSS variables. The messages both ways are the typed unions of src/shared/protocol.ts.
 */
import { confirmCost } from './cost';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { discoverRuns, refreshRun, Run, runSeries } from '../core/logs/runs';
import { downsampleMinMax } from '../core/logs/downsample';
import { writeOutput } from '../core/output';
import type { Service } from './service';
import type { RunsTree } from './runsTree';
import { surgeryAssessment, surgerySummary } from './surgeryLog';
import { PRIORITY } from './jobQueue';
import { fmtMs } from '../shared/format';
import { resultRows } from '../core/diagnostics/registry';
import { isProvisional, verdictShort } from './checkpointLabels';
import { NEED_COMMANDS, needCommandTakesCheckpoint } from '../shared/verdictLabel';
import {
  DASHBOARD_COMMANDS,
  type CheckpointEntry,
  type FromWebview,
  type HostState,
  type SeriesPayload,
  type SurgeryEntry,
  type ToWebview,
} from '../shared/protocol';

export const MAX_POINTS_PER_SERIES = 20000;

export interface DashboardHost {
  context: vscode.ExtensionContext;
  service: Service;
  tree: RunsTree;
  /** timings for the report: first paint (ms from panel creation to the webview's first drawn frame with results) */
  timings: { firstPaintMs?: number; webviewPaintMs?: number; webviewReadyMs?: number };
}

/** What the tests read of the messages a panel posted or received: their types. */
export interface PanelMessage {
  type: ToWebview['type'] | FromWebview['type'];
}

export class DashboardPanel {
  static readonly viewType = 'landscapeLens.dashboard';
  static readonly panels = new Map<string, DashboardPanel>();
  /** messages posted to / received from webviews (tests read these) */
  static lastMessages: PanelMessage[] = [];

  private ready = false;
  private selected: string | undefined;
  private disposables: vscode.Disposable[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private pushTimer: NodeJS.Timeout | undefined;
  private readonly created = Date.now();
  painted = false;
  lastState: HostState = {};

  static async show(
    host: DashboardHost,
    target: vscode.Uri | undefined,
    opts: { select?: string; focus?: string } = {},
  ): Promise<DashboardPanel> {
    const run = await DashboardPanel.findRun(host, target);
    const existing = DashboardPanel.panels.get(run.dir);
    const select =
      opts.select ??
      (target && run.checkpoints.some(c => path.resolve(c.path) === path.resolve(target.fsPath)) ? path.resolve(target.fsPath) : undefined);
    if (existing) {
      existing.panel.reveal(undefined, false);
      if (select) existing.select(select);
      if (opts.focus) existing.post({ type: 'focus', section: opts.focus });
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      DashboardPanel.viewType,
      `Landscape: ${run.name}`,
      vscode.ViewColumn.Active,
      DashboardPanel.options(host.context.extensionUri),
    );
    return new DashboardPanel(host, panel, run, select, opts.focus);
  }

  static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  static async revive(
    host: DashboardHost,
    panel: vscode.WebviewPanel,
    state: { runDir?: string; selected?: string } | undefined,
  ): Promise<void> {
    panel.webview.options = DashboardPanel.options(host.context.extensionUri);
    const dir = state?.runDir;
    if (!dir || !fs.existsSync(dir)) {
      panel.webview.html = '<!DOCTYPE html><html><body><p>This run is gone.</p></body></html>';
      return;
    }
    const run = await DashboardPanel.findRun(host, vscode.Uri.file(dir));
    new DashboardPanel(host, panel, run, state?.selected);
  }

  /** The run that holds `target` (a run folder, a checkpoint or a log), else a run made of its folder. */
  static async findRun(host: DashboardHost, target: vscode.Uri | undefined, placeHolder = 'Run to show'): Promise<Run> {
    const runs = await host.tree.getRuns();
    if (!target) {
      if (runs.length === 1) return runs[0];
      const sorted = [...runs].sort((a, b) => a.name.localeCompare(b.name));
      const pick = await vscode.window.showQuickPick(
        sorted.map(r => ({
          label: `$(graph) ${r.name}`,
          description: `${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? '' : 's'}`,
          detail: r.dir,
          run: r,
        })),
        { placeHolder, title: `Landscape: ${placeHolder.toLowerCase().startsWith('run') ? placeHolder : `run — ${placeHolder}`}` },
      );
      if (!pick) throw new Error('no run chosen');
      return pick.run;
    }
    const p = path.resolve(target.fsPath);
    const found = host.tree.runFor(p);
    if (found) return found;
    // not in the tree (ignored folder, outside the workspace): discover around it
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch {
      /* gone */
    }
    const dir = st?.isDirectory() ? p : path.dirname(p);
    const runsHere = st ? discoverRuns(st.isDirectory() ? p : p, { maxFiles: 5000 }) : [];
    const run = runsHere.find(r => r.dir === dir || r.checkpoints.some(c => path.resolve(c.path) === p)) ??
      runsHere[0] ?? { dir, name: path.basename(dir), logs: [], checkpoints: st?.isFile() ? [{ path: p, mtimeMs: st.mtimeMs }] : [] };
    try {
      refreshRun(run);
    } catch {
      /* unreadable log */
    }
    return run;
  }

  private constructor(
    private readonly host: DashboardHost,
    readonly panel: vscode.WebviewPanel,
    readonly run: Run,
    select: string | undefined,
    private focus?: string,
  ) {
    DashboardPanel.panels.set(run.dir, this);
    this.selected = select;
    panel.iconPath = vscode.Uri.joinPath(host.context.extensionUri, 'media', 'landscape.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      host.service.onDidChange(p => {
        if (!p || this.owns(p)) this.schedulePush();
      }),
      host.service.onPartial(e => {
        if (this.owns(e.checkpoint))
          this.post({ type: 'partial', checkpoint: path.resolve(e.checkpoint), key: e.partial.key, value: e.partial.value });
      }),
      panel.onDidChangeViewState(() => this.startPolling()),
    );
    this.startPolling();
  }

  private owns(p: string): boolean {
    const r = path.resolve(p);
    return this.run.checkpoints.some(c => path.resolve(c.path) === r) || r.startsWith(this.run.dir + path.sep);
  }

  /** Poll the logs (incremental tails) once a second while the panel is visible. */
  private startPolling(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      if (!this.panel.visible || !this.ready) return;
      this.pollLogs();
    }, 1000);
  }

  pollLogs(): number {
    let n = 0;
    try {
      n = refreshRun(this.run).newPoints;
    } catch {
      /* unreadable: next time */
    }
    if (n > 0) this.post({ type: 'series', series: this.seriesPayload() });
    return n;
  }

  private schedulePush(): void {
    if (this.pushTimer) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      if (this.ready) {
        this.post({ type: 'checkpoints', checkpoints: this.checkpointsPayload() });
        this.post({ type: 'surgery', surgery: this.surgeryPayload() });
      }
    }, 150);
  }

  /** A checkpoint joins the run (watcher): add it and tell the webview. */
  addCheckpoint(p: string, step?: number): void {
    if (this.run.checkpoints.some(c => path.resolve(c.path) === path.resolve(p))) return;
    let mtimeMs = Date.now();
    try {
      mtimeMs = fs.statSync(p).mtimeMs;
    } catch {
      /* racing */
    }
    this.run.checkpoints.push({ path: p, step, mtimeMs });
    this.run.checkpoints.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity));
    this.schedulePush();
  }

  /** The checkpoint selected in this dashboard (absolute path), if any. */
  get selectedCheckpoint(): string | undefined {
    return this.selected;
  }

  /** The checkpoint selected in the active dashboard, else in the only open one. */
  static selectedCheckpoint(): string | undefined {
    const all = [...DashboardPanel.panels.values()];
    const p = all.find(x => x.panel.active) ?? all.find(x => x.panel.visible) ?? (all.length === 1 ? all[0] : undefined);
    return p?.selected;
  }

  select(checkpoint: string): void {
    this.selected = path.resolve(checkpoint);
    this.post({ type: 'select', checkpoint: this.selected });
  }

  private seriesPayload(): SeriesPayload[] {
    const all = runSeries(this.run);
    // the same tag in two logs (the user's attached train_log.csv and the helper's metrics.csv): named by file in the legend
    const twice = new Set(all.map(s => s.tag).filter((t, i, a) => a.indexOf(t) !== i));
    return all.map(s => {
      const n = s.steps.length;
      let idx: number[] | undefined;
      if (n > MAX_POINTS_PER_SERIES) idx = downsampleMinMax(s.steps, s.values, MAX_POINTS_PER_SERIES).indices;
      const at = (a: Float64Array) => (idx ? idx.map(i => a[i]) : Array.from(a));
      const pick = (a: Float64Array) => at(a).map(v => (Number.isFinite(v) ? v : null));
      // steps are always finite (the readers fall back to the row / line number)
      return {
        tag: twice.has(s.tag) ? `${s.tag} · ${path.basename(s.file)}` : s.tag,
        file: path.basename(s.file),
        steps: at(s.steps),
        values: pick(s.values),
        wallTimes: pick(s.wallTimes),
        total: n,
        downsampled: !!idx,
      };
    });
  }

  private checkpointsPayload(): CheckpointEntry[] {
    return this.run.checkpoints.map(c => {
      const e = this.host.service.resultFor(c.path);
      const job = this.host.service.jobState(c.path);
      const failure = this.host.service.failureFor(c.path);
      // fields for the webview (added, optional): what a surgery output is and its source; a failed diagnosis
      return {
        path: path.resolve(c.path),
        rel: path.relative(this.run.dir, c.path) || path.basename(c.path),
        step: c.step ?? null,
        mtimeMs: c.mtimeMs,
        result: e?.result ?? null,
        rows: e?.result ? resultRows(e.result) : [],
        job: job ?? null,
        derived: this.host.tree.derivedLabelOf(c) ?? null,
        derivedFrom: c.derived?.from ? path.resolve(c.derived.from) : null,
        error: failure ? failure.message : null,
        need: failure?.need ?? null,
        provisional: isProvisional(e?.result),
        verdictLabel: e?.result ? verdictShort(e.result) : null,
      };
    });
  }

  /** What the surgery commands did to this run's checkpoints: files written and measured effects. */
  private surgeryPayload(): SurgeryEntry[] {
    const log = this.host.service.surgery;
    if (!log) return [];
    return log
      .forRun(
        this.run.dir,
        this.run.checkpoints.map(c => c.path),
      )
      .map(r => ({
        ...r,
        rel: path.relative(this.run.dir, r.checkpoint) || path.basename(r.checkpoint),
        outRel: r.outFiles.map(f => path.relative(this.run.dir, f)),
        summary: [...surgerySummary(r), ...(surgeryAssessment(r) ? [`What it means: ${surgeryAssessment(r)!.text}`] : [])],
        assessment: surgeryAssessment(r),
      }));
  }

  /** Post a message to the webview (and note its type for the tests). */
  private post(m: ToWebview): void {
    DashboardPanel.lastMessages.push({ type: m.type });
    if (DashboardPanel.lastMessages.length > 200) DashboardPanel.lastMessages.shift();
    void this.panel.webview.postMessage(m);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    const svc = this.host.service;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        // from panel creation to the webview's script running (iframe, resource loading: the workbench's share)
        if (this.host.timings.webviewReadyMs === undefined || !this.painted) this.host.timings.webviewReadyMs = Date.now() - this.created;
        this.post({
          type: 'init',
          run: { dir: this.run.dir, name: this.run.name },
          series: this.seriesPayload(),
          checkpoints: this.checkpointsPayload(),
          surgery: this.surgeryPayload(),
          selected: this.selected ?? null,
          focus: this.focus ?? null,
        });
        this.focus = undefined;
        break;
      case 'painted':
        if (!this.painted) {
          this.painted = true;
          this.host.timings.firstPaintMs = Date.now() - this.created;
          this.host.timings.webviewPaintMs = m.ms;
          svc.log.info(
            `dashboard ${this.run.name}: first paint ${this.host.timings.firstPaintMs} ms after the panel was created ` +
              `(${fmtMs(m.ms)} in the webview)`,
          );
        }
        break;
      case 'state':
        this.lastState = m.state;
        if (typeof this.lastState.selected === 'string') this.selected = this.lastState.selected;
        break;
      case 'select':
        this.selected = m.checkpoint;
        svc.prioritise(this.selected, PRIORITY.visible);
        break;
      case 'diagnose': {
        const uri = vscode.Uri.file(m.checkpoint);
        if (m.mode !== 'quick' && !(await confirmCost(svc, [uri], `Full diagnosis of ${vscode.workspace.asRelativePath(uri)}`))) break;
        void svc
          .diagnose(uri, { mode: m.mode === 'quick' ? 'quick' : 'full', progress: 'window', priority: 80, reason: 'dashboard' })
          .catch(() => undefined);
        break;
      }
      case 'command':
        // the message comes from the webview: only the dashboard's own commands run
        if ((DASHBOARD_COMMANDS as readonly string[]).includes(m.command))
          void vscode.commands.executeCommand(m.command, vscode.Uri.file(m.checkpoint));
        break;
      case 'need':
        // what a weights-only checkpoint lacks: only the need commands run (Set Up PyTorch Export asks for the script)
        if ((NEED_COMMANDS as readonly string[]).includes(m.command)) {
          if (needCommandTakesCheckpoint(m.command)) void vscode.commands.executeCommand(m.command, vscode.Uri.file(m.checkpoint));
          else void vscode.commands.executeCommand(m.command);
        }
        break;
      case 'compare':
        void vscode.commands.executeCommand('landscapeLens.compareWith', vscode.Uri.file(m.checkpoint));
        break;
      case 'export': {
        const name = m.name.replace(/[^\w.-]+/g, '-');
        const ext = m.ext;
        const root = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(this.run.dir);
        const target = m.path
          ? vscode.Uri.file(m.path)
          : await vscode.window.showSaveDialog({
              defaultUri: vscode.Uri.joinPath(root, `landscape-${name}.${ext}`),
              filters: { [ext.toUpperCase()]: [ext] },
            });
        if (!target) return;
        const data = m.data;
        const bytes = ext === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
        try {
          writeOutput(target.fsPath, bytes, { overwrite: !m.path }); // the save dialog confirmed a replacement; a test's path never does
        } catch (e) {
          return void vscode.window.showErrorMessage(`Export: ${(e as Error).message}`);
        }
        svc.log.info(`exported ${name} to ${target.fsPath} (${bytes.length} bytes)`);
        break;
      }
      case 'log':
        svc.log.info(`dashboard: ${m.message}`);
        break;
      default: {
        const never: never = m;
        void never;
      }
    }
  }

  private html(): string {
    const w = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.host.context.extensionUri, 'dist', 'webview.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(this.host.context.extensionUri, 'media', 'panel.css'));
    const csp =
      `default-src 'none'; img-src ${w.cspSource} data:; style-src ${w.cspSource}; ` +
      `font-src ${w.cspSource}; script-src 'nonce-${nonce}';`;
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${css}" rel="stylesheet"><title>Landscape: ${this.run.name.replace(/[<>&"]/g, '')}</title></head>
<body><main id="app" aria-live="polite"><p class="muted">Loading the run…</p></main>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
  }

  dispose(): void {
    DashboardPanel.panels.delete(this.run.dir);
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.pushTimer) clearTimeout(this.pushTimer);
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
  }
}
