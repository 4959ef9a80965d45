/**
 * Hovers and CodeLenses on checkpoint paths in source: string literals in Python, TS/JS, JSON,
 * YAML, TOML and shell (and unquoted paths in YAML/TOML/shell), resolved relative to the file,
 * then to each workspace folder; `torch.load("…")`, `tf.loadLayersModel("file://…")` and
 * `keras.models.load_model("…")` arguments included. The hover is a compact table of the cached
 * result (verdict, loss, ‖g‖, λ_max, λ_min, trace, sharpness, PGB residual; when and on what
 * data) with command links; the lens above the line shows the verdict. Both read only the
 * cache: they never compute.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { PRIORITY } from './jobQueue';
import { looksLikeCheckpoint } from '../core/formats/detect';
import { fmt } from '../shared/format';
import { pathCandidateAt, pathCandidates, literalToPath, stringLiteralAt } from './pathLiterals';
import { NEED_ACTIONS, type Service } from './service';
import { oneLine, verdictLong, verdictShort } from './checkpointLabels';
import { flagsOf } from '../shared/headline';
import { evaluationLine, keyNumbers, lambdaMax, lambdaMinText, pgbResidual, sharpnessOf, traceOf, verdictOf } from './resultView';

export { stringLiteralAt };
export const HOVER_LANGUAGES = [
  'python',
  'typescript',
  'javascript',
  'typescriptreact',
  'javascriptreact',
  'json',
  'jsonc',
  'yaml',
  'toml',
  'shellscript',
];
export const HOVER_SELECTOR: vscode.DocumentSelector = [
  ...HOVER_LANGUAGES.map(language => ({ language, scheme: 'file' })),
  { pattern: '**/*.toml', scheme: 'file' },
];

export function resolveCheckpointPath(literal: string, docPath: string, roots: string[]): string | undefined {
  let p = literalToPath(literal);
  if (!p || p.length > 1024 || /[\n\r*?]/.test(p)) return undefined;
  if (p.startsWith('~/')) p = path.join(os.homedir(), p.slice(2));
  const candidates = path.isAbsolute(p) ? [p] : [path.resolve(path.dirname(docPath), p), ...roots.map(r => path.resolve(r, p))];
  for (const c of candidates) {
    try {
      const st = fs.statSync(c);
      if (st.isFile() && looksLikeCheckpoint(c)) return c;
      if (st.isDirectory() && fs.existsSync(path.join(c, 'model.json'))) return path.join(c, 'model.json');
    } catch {
      /* not there */
    }
  }
  return undefined;
}

const cmd = (id: string, args: unknown[]) => `command:${id}?${encodeURIComponent(JSON.stringify(args))}`;

export function hoverMarkdown(service: Service, ckpt: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = {
    enabledCommands: [
      'landscapeLens.diagnoseCheckpoint',
      'landscapeLens.openDashboard',
      'landscapeLens.comparePrevious',
      'landscapeLens.addSpecialNeurons',
      'landscapeLens.perturbWeights',
      'landscapeLens.retryDiagnosis',
      'landscapeLens.showLog',
    ],
  };
  const rel = vscode.workspace.asRelativePath(ckpt);
  const uri = vscode.Uri.file(ckpt);
  const entry = service.resultFor(ckpt);
  const job = service.jobState(ckpt);
  md.appendMarkdown(`**Landscape Lens** — \`${rel}\`${job ? ` · _${job.state}_` : ''}\n\n`);
  const links =
    `[Open dashboard](${cmd('landscapeLens.openDashboard', [uri])}) · ` +
    `[Diagnose now](${cmd('landscapeLens.diagnoseCheckpoint', [uri])}) · ` +
    `[Compare with previous](${cmd('landscapeLens.comparePrevious', [uri])})` +
    `\n\n[Add special neurons](${cmd('landscapeLens.addSpecialNeurons', [uri])}) · ` +
    `[Perturb weights](${cmd('landscapeLens.perturbWeights', [uri])})`;
  const failure = job ? undefined : service.failureFor(ckpt);
  if (failure) {
    const message = oneLine(failure.message, 300).replace(/[\\`*_[\]<>|]/g, c => `\\${c}`);
    if (failure.need) {
      const actions = NEED_ACTIONS[failure.need]
        .map(([label, id]) => `[${label}](${cmd(id, id === 'landscapeLens.setupPytorchExport' ? [] : [uri])})`)
        .join(' · ');
      md.appendMarkdown(`$(warning) ${message} — ${actions}\n\n`);
    } else {
      const actions = `[Retry](${cmd('landscapeLens.retryDiagnosis', [uri])}) · [Show Log](${cmd('landscapeLens.showLog', [])})`;
      md.appendMarkdown(`$(error) **The last ${failure.mode} diagnosis failed:** ${message} — ${actions}\n\n`);
    }
  }
  if (entry) {
    const r = entry.result;
    const v = verdictOf(r);
    md.appendMarkdown('| verdict | loss | ‖g‖ | λ_max | λ_min | trace | sharpness | PGB residual |\n|---|---|---|---|---|---|---|---|\n');
    md.appendMarkdown(
      `| ${verdictLong(r, v)} | ${fmt(r.loss)} | ${fmt(r.gradNorm)} | ${fmt(lambdaMax(r))} | ${lambdaMinText(r)} | ` +
        `${fmt(traceOf(r))} | ${fmt(sharpnessOf(r))} | ${pgbResidual(r) === undefined ? 'not computed' : fmt(pgbResidual(r))} |\n\n`,
    );
    md.appendMarkdown(
      `Evaluated on ${path.basename(r.data.file)}: ${evaluationLine(r)} · ${new Date(r.computedAt).toLocaleString()} · ${r.backend}\n\n`,
    );
    // the honest flags (a logged loss far from this one, a folded export, a loss that does not fit the targets)
    for (const f of flagsOf(r)) md.appendMarkdown(`$(warning) ${f}\n\n`);
  } else if (!failure) md.appendMarkdown('Not diagnosed yet.\n\n');
  md.appendMarkdown(links);
  return md;
}

export class CheckpointHoverProvider implements vscode.HoverProvider {
  /** durations of the last hovers (ms), for the timing report */
  readonly timings: number[] = [];
  constructor(private readonly service: Service) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!vscode.workspace.getConfiguration('landscapeLens').get<boolean>('hover.enabled', true)) return undefined;
    const t0 = performance.now();
    const line = doc.lineAt(pos.line).text;
    const lit = pathCandidateAt(line, pos.character, doc.languageId);
    if (!lit) return undefined;
    const roots = (vscode.workspace.workspaceFolders ?? []).map(f => f.uri.fsPath);
    const ckpt = resolveCheckpointPath(lit.text, doc.uri.fsPath, roots);
    if (!ckpt) return undefined;
    this.service.prioritise(ckpt, PRIORITY.hover);
    const h = new vscode.Hover(hoverMarkdown(this.service, ckpt), new vscode.Range(pos.line, lit.start, pos.line, lit.end));
    this.timings.push(performance.now() - t0);
    return h;
  }
}

/** A lens above each line that names a checkpoint: its verdict and key numbers (cached only). */
export class CheckpointCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly sub: vscode.Disposable;
  constructor(private readonly service: Service) {
    this.sub = service.onDidChange(() => this.emitter.fire());
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('landscapeLens').get<boolean>('codeLens.enabled', true)) return [];
    if (doc.lineCount > 20000) return [];
    const roots = (vscode.workspace.workspaceFolders ?? []).map(f => f.uri.fsPath);
    const lenses: vscode.CodeLens[] = [];
    for (let i = 0; i < doc.lineCount; i++) {
      const line = doc.lineAt(i).text;
      if (line.length > 2000 || !/[/\\.]/.test(line)) continue;
      const seen = new Set<string>();
      for (const lit of pathCandidates(line, doc.languageId)) {
        if (!/\.(json|keras|h5|hdf5|onnx|safetensors|pt|pth|ckpt)\b|\//i.test(lit.text)) continue;
        const ckpt = resolveCheckpointPath(lit.text, doc.uri.fsPath, roots);
        if (!ckpt || seen.has(ckpt)) continue;
        seen.add(ckpt);
        const r = this.service.resultFor(ckpt)?.result;
        const job = this.service.jobState(ckpt);
        const v = verdictOf(r);
        const failed = job ? undefined : this.service.failureFor(ckpt);
        if (failed?.need && !r) {
          const [label, id] = NEED_ACTIONS[failed.need][0];
          lenses.push(
            new vscode.CodeLens(new vscode.Range(i, lit.start, i, lit.end), {
              title: `$(warning) Landscape: ${failed.need === 'architecture' ? 'weights only, no architecture' : 'no data'} — ${label}`,
              command: id,
              arguments: id === 'landscapeLens.setupPytorchExport' ? [] : [vscode.Uri.file(ckpt)],
              tooltip: failed.message,
            }),
          );
          continue;
        }
        if (failed && !r) {
          lenses.push(
            new vscode.CodeLens(new vscode.Range(i, lit.start, i, lit.end), {
              title: `$(error) Landscape: failed — ${oneLine(failed.message, 80)} — Retry`,
              command: 'landscapeLens.retryDiagnosis',
              arguments: [vscode.Uri.file(ckpt)],
              tooltip: failed.message,
            }),
          );
          continue;
        }
        const title = r
          ? `$(graph) Landscape: ${verdictShort(r, v)} — ${keyNumbers(r).replace(`${v?.kind} · `, '')}`
          : job
            ? `$(sync~spin) Landscape: ${job.state}…`
            : '$(graph) Landscape: not diagnosed — Diagnose';
        lenses.push(
          new vscode.CodeLens(
            new vscode.Range(i, lit.start, i, lit.end),
            r
              ? {
                  title,
                  command: 'landscapeLens.openDashboard',
                  arguments: [vscode.Uri.file(ckpt)],
                  tooltip: `Open the dashboard for ${vscode.workspace.asRelativePath(ckpt)}`,
                }
              : {
                  title,
                  command: 'landscapeLens.diagnoseCheckpoint',
                  arguments: [vscode.Uri.file(ckpt)],
                  tooltip: `Diagnose ${vscode.workspace.asRelativePath(ckpt)}`,
                },
          ),
        );
      }
    }
    return lenses;
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
