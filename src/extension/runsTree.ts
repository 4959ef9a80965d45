/**
 * The "Runs" tree in the Landscape view container: runs (src/core/logs/runs.ts: folders with
 * logs and/or checkpoints) → checkpoints (step, verdict icon, key numbers) and log series.
 * Discovery walks each workspace folder off the activation path; results and job states come
 * from the service, so items update as jobs run and finish.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { discoverRuns, refreshRun, Run, RunCheckpoint, DERIVED_TAGS, parserFor } from '../core/logs/runs';
import { attachLogs } from '../core/logs/attach';
import type { Service } from './service';
import { fmt, pct } from '../shared/format';
import { evaluationLine, keyNumbers, lambdaMax, lambdaMinInfo, lambdaMinText, verdictOf, verdictTone } from './resultView';
import { isIgnoredPath } from './batch';
import { extraIgnored } from './settings';
import { derivedLabel, verdictLong, verdictShort } from './checkpointLabels';
import { surgeryAssessment } from './surgeryLog';
import { oneLine } from './service';

export type Node =
  | { type: 'run'; run: Run }
  | { type: 'checkpoint'; run: Run; ckpt: RunCheckpoint }
  | { type: 'seriesGroup'; run: Run }
  | { type: 'series'; run: Run; tag: string; file: string }
  /** a layer of a diagnosed checkpoint with per-layer curvature: the model outline with a heat overlay */
  | {
      type: 'layer';
      run: Run;
      ckpt: RunCheckpoint;
      name: string;
      params: number;
      traceShare: number;
      topEigenvalue?: number;
      topVectorMass?: number | null;
      gradNorm: number;
    };

/** Heat colour of a layer's share of tr H (theme chart colours: green < 10 % < yellow < 25 % < orange < 50 % < red). */
export function heatColor(share: number): string {
  return share >= 0.5 ? 'charts.red' : share >= 0.25 ? 'charts.orange' : share >= 0.1 ? 'charts.yellow' : 'charts.green';
}

/** Surgery tags of a checkpoint written beside its source by earlier versions (`model.special.trained.json`, `net.perturbed.2.onnx`). */
export function legacyTags(file: string): { tag: string; n: number }[] | undefined {
  const parts = path.basename(file).split('.').slice(1, -1);
  const tags: { tag: string; n: number }[] = [];
  for (const p of parts) {
    if (DERIVED_TAGS[p]) tags.push({ tag: p, n: 1 });
    else if (/^\d+$/.test(p) && tags.length) tags[tags.length - 1].n = Number(p);
    else if (tags.length) return undefined;
  }
  return tags.length ? tags : undefined;
}

export class RunsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private runs: Run[] | undefined;
  private scanning: Promise<Run[]> | undefined;
  private subs: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  scans = 0;

  constructor(
    private readonly service: Service,
    /** the logs the user attached to runs (workspace state: attachedLogs.ts), run folder → files */
    private readonly chosenLogs: () => Record<string, string[]> = () => ({}),
  ) {
    this.subs.push(service.onDidChange(() => this.softRefresh()));
  }

  /** Re-render (results/job states changed) without rescanning the disk, at most every 200 ms. */
  softRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.emitter.fire(undefined);
    }, 200);
  }

  /** Rescan the workspace folders for runs. */
  async rescan(): Promise<Run[]> {
    this.runs = undefined;
    this.scanning = undefined;
    const runs = await this.getRuns();
    this.emitter.fire(undefined);
    return runs;
  }

  getRuns(): Promise<Run[]> {
    if (this.runs) return Promise.resolve(this.runs);
    if (!this.scanning) {
      this.scanning = new Promise<Run[]>(resolve =>
        setImmediate(() => {
          const runs: Run[] = [];
          const ignore = extraIgnored();
          for (const f of vscode.workspace.workspaceFolders ?? []) {
            if (f.uri.scheme !== 'file') continue;
            try {
              for (const r of attachLogs(discoverRuns(f.uri.fsPath, { maxFiles: 20000 }), f.uri.fsPath, parserFor, this.chosenLogs())) {
                r.checkpoints = r.checkpoints.filter(c => !isIgnoredPath(path.relative(f.uri.fsPath, c.path), ignore));
                r.logs = r.logs.filter(l => !isIgnoredPath(path.relative(f.uri.fsPath, l.file), ignore));
                if (!r.checkpoints.length && !r.logs.length) continue;
                try {
                  refreshRun(r);
                } catch {
                  /* unreadable log: shown without series */
                }
                r.checkpoints.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.path.localeCompare(b.path));
                runs.push(r);
              }
            } catch (e) {
              this.service.log.warn(`scanning ${f.uri.fsPath}: ${(e as Error).message}`);
            }
          }
          this.scans++;
          this.runs = runs;
          void vscode.commands.executeCommand('setContext', 'landscapeLens.hasRuns', runs.length > 0);
          resolve(runs);
        }),
      );
    }
    return this.scanning;
  }

  runFor(file: string): Run | undefined {
    const p = path.resolve(file);
    return this.runs?.find(
      r => r.dir === p || r.checkpoints.some(c => path.resolve(c.path) === p) || r.logs.some(l => path.resolve(l.file) === p),
    );
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) return (await this.getRuns()).map(run => ({ type: 'run', run }));
    if (node.type === 'run') {
      // checkpoints written by surgery are listed under their source checkpoint
      const kids: Node[] = node.run.checkpoints
        .filter(c => !this.sourceOf(node.run, c))
        .map(ckpt => ({ type: 'checkpoint', run: node.run, ckpt }));
      if (node.run.logs.some(l => l.tail.store.size > 0)) kids.push({ type: 'seriesGroup', run: node.run });
      return kids;
    }
    if (node.type === 'seriesGroup')
      return node.run.logs.flatMap(l => l.tail.store.tags().map(tag => ({ type: 'series', run: node.run, tag, file: l.file }) as Node));
    if (node.type === 'checkpoint') return [...this.layersOf(node.run, node.ckpt), ...this.derivedOf(node.run, node.ckpt)];
    return [];
  }

  /** The source checkpoint (in the same run) of a checkpoint written by surgery. */
  private sourceOf(run: Run, c: RunCheckpoint): RunCheckpoint | undefined {
    const rec = c.derived || legacyTags(c.path) ? this.service.surgery?.recordFor(c.path) : undefined;
    const from = c.derived?.from ?? rec?.checkpoint;
    if (!from) return undefined;
    const p = path.resolve(from);
    const src = run.checkpoints.find(o => o !== c && path.resolve(o.path) === p);
    // a chain (special → trained) is grouped under the first checkpoint that is not derived
    return src && src.derived ? (this.sourceOf(run, src) ?? src) : src;
  }

  private derivedOf(run: Run, ckpt: RunCheckpoint): Node[] {
    return run.checkpoints
      .filter(c => (c.derived || legacyTags(c.path)) && this.sourceOf(run, c) === ckpt)
      .sort((a, b) => a.path.localeCompare(b.path))
      .map(c => ({ type: 'checkpoint', run, ckpt: c }));
  }

  /** "special neurons, fine-tuned 500 steps", "perturbed along λ_min", … for a checkpoint written by surgery. */
  derivedLabelOf(c: RunCheckpoint): string | undefined {
    const tags = c.derived?.tags ?? legacyTags(c.path);
    return tags ? derivedLabel(tags, this.service.surgery?.recordFor(c.path)) : undefined;
  }

  private layersOf(run: Run, ckpt: RunCheckpoint): Node[] {
    const layers = this.service.resultFor(ckpt.path)?.result.layers ?? [];
    return layers
      .filter(l => typeof l.traceShare === 'number')
      .map(l => ({
        type: 'layer',
        run,
        ckpt,
        name: l.name,
        params: l.params,
        traceShare: l.traceShare!,
        topEigenvalue: l.topEigenvalue,
        topVectorMass: l.topVectorMass,
        gradNorm: l.gradNorm,
      }));
  }

  getParent(node: Node): Node | undefined {
    if (node.type === 'run') return undefined;
    if (node.type === 'series') return { type: 'seriesGroup', run: node.run };
    if (node.type === 'layer') return { type: 'checkpoint', run: node.run, ckpt: node.ckpt };
    if (node.type === 'checkpoint') {
      const src = this.sourceOf(node.run, node.ckpt);
      if (src) return { type: 'checkpoint', run: node.run, ckpt: src };
    }
    return { type: 'run', run: node.run };
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'layer') {
      const it = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
      it.id = `layer:${node.ckpt.path}:${node.name}`;
      it.iconPath = new vscode.ThemeIcon('circle-large-filled', new vscode.ThemeColor(heatColor(node.traceShare)));
      it.description =
        `${pct(node.traceShare)} of tr H${node.topEigenvalue !== undefined ? ` · λ_max ${fmt(node.topEigenvalue)}` : ''}` +
        `${typeof node.topVectorMass === 'number' ? ` · ${pct(node.topVectorMass)} of v₁` : ''}`;
      it.tooltip = new vscode.MarkdownString(
        `**${node.name}** — ${node.params.toLocaleString('en-US')} parameters\n\n` +
          `share of the Hessian trace: **${fmt(100 * node.traceShare, 3)} %**` +
          `${node.topEigenvalue !== undefined ? `\n\nλ_max of the layer's Hessian block: ${fmt(node.topEigenvalue)}` : ''}` +
          `${
            typeof node.topVectorMass === 'number'
              ? `\n\nmass of the top Hessian eigenvector in this layer: ${fmt(100 * node.topVectorMass, 3)} %`
              : ''
          }` +
          `\n\n‖∇L‖ of the layer: ${fmt(node.gradNorm)}`,
      );
      it.contextValue = 'layer';
      return it;
    }
    if (node.type === 'run') {
      const it = new vscode.TreeItem(node.run.name, vscode.TreeItemCollapsibleState.Expanded);
      const tags = node.run.logs.reduce((a, l) => a + l.tail.store.size, 0);
      it.id = `run:${node.run.dir}`;
      it.description =
        `${node.run.checkpoints.length} checkpoint${node.run.checkpoints.length === 1 ? '' : 's'}` + `${tags ? ` · ${tags} series` : ''}`;
      it.tooltip = node.run.dir;
      it.iconPath = new vscode.ThemeIcon('graph');
      it.contextValue = 'run';
      it.command = { command: 'landscapeLens.openDashboard', title: 'Open Dashboard', arguments: [vscode.Uri.file(node.run.dir)] };
      return it;
    }
    if (node.type === 'seriesGroup') {
      const it = new vscode.TreeItem('Log series', vscode.TreeItemCollapsibleState.Collapsed);
      it.id = `series:${node.run.dir}`;
      it.iconPath = new vscode.ThemeIcon('pulse');
      it.description = node.run.logs.map(l => path.basename(l.file)).join(', ');
      it.contextValue = 'seriesGroup';
      return it;
    }
    if (node.type === 'series') {
      const log = node.run.logs.find(l => l.file === node.file);
      const s = log?.tail.store.get(node.tag);
      const it = new vscode.TreeItem(node.tag, vscode.TreeItemCollapsibleState.None);
      it.id = `series:${node.file}:${node.tag}`;
      it.iconPath = new vscode.ThemeIcon('graph-line');
      it.description = s ? `${s.values.length} points · last ${fmt(s.values[s.values.length - 1])} @ ${s.steps[s.steps.length - 1]}` : '';
      it.tooltip = `${node.tag} from ${node.file}`;
      it.contextValue = 'series';
      it.command = { command: 'landscapeLens.openDashboard', title: 'Open Dashboard', arguments: [vscode.Uri.file(node.run.dir)] };
      return it;
    }
    const c = node.ckpt;
    const rel = path.relative(node.run.dir, c.path) || path.basename(c.path);
    const what = this.derivedLabelOf(c);
    const label = what ?? (c.step !== undefined ? `step ${c.step}` : rel);
    const hasKids = this.layersOf(node.run, c).length > 0 || this.derivedOf(node.run, c).length > 0;
    const it = new vscode.TreeItem(label, hasKids ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    it.id = `ckpt:${c.path}${hasKids ? ':kids' : ''}`;
    it.resourceUri = vscode.Uri.file(c.path);
    const entry = this.service.resultFor(c.path);
    const job = this.service.jobState(c.path);
    const failure = job ? undefined : this.service.failureFor(c.path);
    // a checkpoint written by surgery: what the surgery's numbers mean (its icon until it is diagnosed)
    const rec = c.derived ? this.service.surgery?.recordFor(c.path) : undefined;
    const outcome = rec ? surgeryAssessment(rec) : undefined;
    const r = entry?.result;
    const th = vscode.workspace.getConfiguration('landscapeLens');
    const tone = verdictTone(r, {
      lambdaMax: th.get<number>('thresholds.lambdaMax', 0),
      gradNorm: th.get<number>('thresholds.gradNorm', 0),
    });
    if (job?.state === 'running') it.iconPath = new vscode.ThemeIcon('sync~spin');
    else if (job?.state === 'queued') it.iconPath = new vscode.ThemeIcon('watch');
    else if (failure) it.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    else if (!r && outcome)
      it.iconPath =
        outcome.tone === 'good'
          ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
          : outcome.tone === 'warn'
            ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
            : new vscode.ThemeIcon('circle-outline');
    else
      it.iconPath =
        tone === 'good'
          ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
          : tone === 'warn'
            ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
            : tone === 'bad'
              ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
              : tone === 'info'
                ? new vscode.ThemeIcon('circle-filled')
                : new vscode.ThemeIcon('circle-outline');
    const state =
      job?.state === 'running'
        ? `running${job.fraction !== undefined ? ` ${pct(job.fraction)}` : ''}`
        : job?.state === 'queued'
          ? 'queued'
          : '';
    const where = what ? `${c.step !== undefined ? `step ${c.step}  ` : ''}${rel}` : c.step !== undefined ? rel : '';
    const status = failure
      ? `failed: ${oneLine(failure.message, 120)}`
      : r
        ? keyNumbers(r).replace(`${verdictOf(r)?.kind} · `, `${verdictShort(r)} · `)
        : state
          ? ''
          : 'not diagnosed';
    it.description = [status, state].filter(Boolean).join(' · ') + (where ? `  ${where}` : '');
    const md = new vscode.MarkdownString(
      `**${rel}**${what ? ` — ${what}` : ''}${c.step !== undefined ? ` — step ${c.step} (${c.by})` : ''}\n\n`,
    );
    if (outcome)
      md.appendMarkdown(`${outcome.tone === 'good' ? '$(pass)' : outcome.tone === 'warn' ? '$(warning)' : '$(info)'} ${outcome.text}\n\n`);
    md.supportThemeIcons = true;
    if (failure) {
      md.appendMarkdown(`$(error) **the ${failure.mode} diagnosis failed** (${new Date(failure.at).toLocaleString()}):\n\n`);
      md.appendCodeblock(failure.message, 'text');
      md.appendMarkdown(
        '\n\n[Retry](command:landscapeLens.retryDiagnosis?' +
          encodeURIComponent(JSON.stringify([c.path])) +
          ') · [Show Log](command:landscapeLens.showLog)\n\n',
      );
      md.isTrusted = { enabledCommands: ['landscapeLens.retryDiagnosis', 'landscapeLens.showLog'] };
      md.supportThemeIcons = true;
    }
    if (r) {
      const v = verdictOf(r);
      md.appendMarkdown(
        `${failure ? 'earlier result: ' : ''}${v ? `verdict **${verdictLong(r, v)}**\n\n` : ''}` +
          `loss ${fmt(r.loss)} · ‖∇L‖ ${fmt(r.gradNorm)}${lambdaMax(r) !== undefined ? ` · λ_max ${fmt(lambdaMax(r))}` : ''}` +
          `${lambdaMinInfo(r) ? ` · λ_min ${lambdaMinText(r)}` : ''}\n\n` +
          `${new Date(r.computedAt).toLocaleString()} on ${path.basename(r.data.file)}: ${evaluationLine(r)}`,
      );
    } else if (!failure) md.appendMarkdown('not diagnosed yet');
    it.tooltip = md;
    it.contextValue = failure ? 'checkpoint.failed' : r ? 'checkpoint.diagnosed' : 'checkpoint';
    it.command = { command: 'landscapeLens.openDashboard', title: 'Open Dashboard', arguments: [vscode.Uri.file(c.path)] };
    return it;
  }

  /** Items as the tests see them: label + description (+ tooltip text) per checkpoint, derived ones with their source. */
  async snapshot(): Promise<
    { run: string; label: string; description: string; contextValue?: string; tooltip?: string; parent?: string; path?: string }[]
  > {
    const out: {
      run: string;
      label: string;
      description: string;
      contextValue?: string;
      tooltip?: string;
      parent?: string;
      path?: string;
    }[] = [];
    const add = async (run: Run, n: Node, parent?: string): Promise<void> => {
      const it = this.getTreeItem(n);
      const tip = typeof it.tooltip === 'string' ? it.tooltip : it.tooltip?.value;
      out.push({
        run: run.name,
        label: String(typeof it.label === 'string' ? it.label : it.label?.label),
        description: String(it.description ?? ''),
        contextValue: it.contextValue,
        tooltip: tip,
        ...(parent ? { parent } : {}),
        ...(n.type === 'checkpoint' ? { path: n.ckpt.path } : {}),
      });
      if (n.type === 'checkpoint') for (const k of this.derivedOf(run, n.ckpt)) await add(run, k, n.ckpt.path);
    };
    for (const run of await this.getRuns()) for (const n of await this.getChildren({ type: 'run', run })) await add(run, n);
    return out;
  }

  dispose(): void {
    this.emitter.dispose();
    for (const s of this.subs) s.dispose();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }
}
