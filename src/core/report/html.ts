/**
 * Self-contained HTML report: one file, opened from disk in any browser with no network, that runs
 * the dashboard itself — the built webview bundle (dist/webview.js, Chart.js inside) inlined with
 * its stylesheet (media/panel.css) and a light / dark fallback for the VS Code theme variables —
 * fed the same `init` message per run the extension's panel sends (src/shared/protocol.ts), in the
 * webview's standalone (read-only) mode. Above the dashboard: the title, notes and the summary
 * table (one row per checkpoint of every run: the numbers that tell the story), and a run picker.
 * Used by `landscape report`, `landscape diagnose --html` and `landscape compare --html`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnoseResult } from '../../shared/result';
import {
  REPORT_DATA_ID,
  type CheckpointEntry,
  type InitMessage,
  type ReportHeader,
  type SeriesPayload,
  type SummaryRow,
} from '../../shared/protocol';
import { fmtText, pct } from '../../shared/format';
import { claimsSomething } from '../diagnostics/verdict';
import { lambdaMax, lambdaMin, sharpnessOf, traceOf, verdictOf } from '../../shared/headline';
import { resultRows } from '../diagnostics/registry';
import { runSeries, type Run } from '../logs/runs';
import { downsampleMinMax } from '../logs/downsample';
import { isProvisional, provisionalKind, verdictShort, type Need } from '../../shared/verdictLabel';

export type { SummaryRow };
export interface ReportCheckpoint {
  path: string;
  label: string;
  step?: number;
  result?: DiagnoseResult;
  error?: string;
  /** what it lacks before it can be read (the report shows the message, read-only) */
  need?: Need;
}
/** A logged series; the wall times, the count before downsampling and whether it was downsampled are optional. */
export type ReportSeries = Pick<SeriesPayload, 'tag' | 'file' | 'steps' | 'values'> &
  Partial<Pick<SeriesPayload, 'wallTimes' | 'total' | 'downsampled'>>;
export interface ReportRun {
  name: string;
  dir: string;
  series: ReportSeries[];
  checkpoints: ReportCheckpoint[];
}
export interface ReportInput {
  title: string;
  subtitle?: string;
  runs: ReportRun[];
  generatedAt?: string;
  notes?: string[];
}

export function summaryRows(input: ReportInput): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const run of input.runs)
    for (const c of run.checkpoints) {
      const r = c.result;
      const sn = (r as (DiagnoseResult & { specialNeurons?: { maxAbsA?: number } }) | undefined)?.specialNeurons;
      rows.push({
        run: run.name,
        checkpoint: c.label,
        step: c.step ?? null,
        loss: r?.loss ?? null,
        gradNorm: r?.gradNorm ?? null,
        // the headline numbers from their one home (src/shared/headline.ts)
        lambdaMax: lambdaMax(r) ?? null,
        lambdaMin: lambdaMin(r) ?? null,
        trace: traceOf(r) ?? null,
        keskar: sharpnessOf(r) ?? null,
        pgbRelative: r?.pgb?.relative ?? null,
        maxAbsA: sn?.maxAbsA ?? null,
        verdict: r ? (verdictOf(r)?.kind ?? '') : 'error',
        confidence: typeof verdictOf(r)?.confidence === 'number' ? (verdictOf(r)!.confidence as number) : null,
        ...(isProvisional(r) ? { provisional: true } : {}),
        ...(c.error ? { error: c.error } : {}),
      });
    }
  return rows;
}

/** Plain-text table of the summary (the CLI prints it). */
export function summaryText(rows: SummaryRow[]): string {
  const f = fmtText;
  const head = ['run', 'checkpoint', 'step', 'loss', '‖g‖', 'λ_max', 'λ_min', 'ε-sharp', 'PGB r/L', 'max|a|', 'verdict'];
  const body = rows.map(r => [
    r.run,
    r.checkpoint,
    r.step === null ? '—' : String(r.step),
    f(r.loss),
    f(r.gradNorm, 3),
    f(r.lambdaMax),
    f(r.lambdaMin, 3),
    f(r.keskar, 3),
    f(r.pgbRelative, 3),
    f(r.maxAbsA, 3),
    r.error
      ? `error: ${r.error}`
      : provisionalKind(r.verdict, r.provisional) + (r.confidence !== null && claimsSomething(r.verdict) ? ` (${pct(r.confidence)})` : ''),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map(b => b[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(w[i]) : c.padStart(w[i])))
      .join('  ')
      .trimEnd();
  return [line(head), line(w.map(n => '─'.repeat(n))), ...body.map(line)].join('\n');
}

/**
 * A file the report inlines, from the built tree: `dist/<name>` (or `media/<name>`) beside the
 * running bundle (dist/cli.js, dist/extension.js) or in a folder above it (tests compiled under
 * out/, ts-node from src/).
 */
export function findAsset(rel: string): string {
  const tried: string[] = [];
  for (let dir = __dirname, k = 0; k < 6; k++) {
    const f = path.join(dir, rel);
    tried.push(f);
    if (fs.existsSync(f)) return f;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`${rel} not found (looked in ${tried.join(', ')}): build it first (npm run build)`);
}

/** A run's logged series as the report carries them: min/max-decimated to 2,000 points, non-finite values as null. */
export function reportSeries(run: Run): ReportSeries[] {
  return runSeries(run).map(s => {
    const d = downsampleMinMax(s.steps, s.values, 2000);
    return {
      tag: s.tag,
      file: path.relative(run.dir, s.file),
      steps: d.steps,
      values: d.values.map(v => (Number.isFinite(v) ? v : null)),
    };
  });
}

/** The dashboard's `init` message for a run of the report (as the panel sends it; no jobs, nothing to focus). */
export function reportInit(run: ReportRun): InitMessage {
  const checkpoints: CheckpointEntry[] = run.checkpoints.map(c => ({
    path: c.path,
    rel: c.label,
    step: c.step ?? null,
    mtimeMs: 0,
    result: c.result ?? null,
    rows: c.result ? resultRows(c.result) : [],
    job: null,
    error: c.error ?? null,
    need: c.need ?? null,
    provisional: isProvisional(c.result),
    verdictLabel: c.result ? verdictShort(c.result) : null,
  }));
  const series: SeriesPayload[] = run.series.map(s => ({
    tag: s.tag,
    file: s.file,
    steps: s.steps,
    values: s.values,
    wallTimes: s.wallTimes ?? s.steps.map(() => null),
    total: s.total ?? s.steps.length,
    downsampled: s.downsampled ?? false,
  }));
  const last = [...checkpoints].reverse().find(c => c.result) ?? checkpoints[checkpoints.length - 1];
  return {
    type: 'init',
    run: { dir: run.dir, name: run.name },
    series,
    checkpoints,
    surgery: [],
    selected: last?.path ?? null,
    focus: null,
  };
}

/** Everything the page shows: the header and one `init` per run. */
export function reportData(input: ReportInput): ReportHeader {
  return {
    title: input.title,
    subtitle: input.subtitle,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    notes: input.notes ?? [],
    summary: summaryRows(input),
    runs: input.runs.map(reportInit),
  };
}

/** Light and dark values of the VS Code theme variables the dashboard's CSS and charts read (VS Code's Light / Dark Modern). */
const THEME_FALLBACK = [
  '',
  ':root { color-scheme: light dark;',
  '  --vscode-font-family: system-ui, -apple-system, "Segoe UI", sans-serif; --vscode-font-size: 13px; ' +
    '--vscode-editor-font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace;',
  '  --vscode-foreground: #3b3b3b; --vscode-descriptionForeground: #717171; --vscode-editor-background: #ffffff; ' +
    '--vscode-editorWidget-background: #f8f8f8;',
  '  --vscode-editorWidget-border: #e5e5e5; --vscode-panel-border: #e5e5e5; --vscode-widget-border: #e5e5e5; ' +
    '--vscode-focusBorder: #005fb8;',
  '  --vscode-editorWarning-foreground: #bf8803; --vscode-textBlockQuote-background: #f8f8f8;',
  '  --vscode-button-secondaryForeground: #3b3b3b; --vscode-button-secondaryBackground: #e5e5e5; ' +
    '--vscode-button-secondaryHoverBackground: #cccccc; --vscode-button-border: #0000001a;',
  '  --vscode-dropdown-foreground: #3b3b3b; --vscode-dropdown-background: #ffffff; --vscode-dropdown-border: #cecece; ' +
    '--vscode-toolbar-hoverBackground: #b8b8b850;',
  '  --vscode-charts-blue: #1a85ff; --vscode-charts-orange: #d18616; --vscode-charts-green: #388a34; ' +
    '--vscode-charts-purple: #652d90; --vscode-charts-red: #e51400; --vscode-charts-yellow: #bf8803; }',
  '@media (prefers-color-scheme: dark) { :root {',
  '  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f; ' +
    '--vscode-editorWidget-background: #202020;',
  '  --vscode-editorWidget-border: #454545; --vscode-panel-border: #2b2b2b; --vscode-widget-border: #313131; ' +
    '--vscode-focusBorder: #0078d4;',
  '  --vscode-editorWarning-foreground: #cca700; --vscode-textBlockQuote-background: #2b2b2b;',
  '  --vscode-button-secondaryForeground: #cccccc; --vscode-button-secondaryBackground: #313131; ' +
    '--vscode-button-secondaryHoverBackground: #3c3c3c; --vscode-button-border: #ffffff12;',
  '  --vscode-dropdown-foreground: #cccccc; --vscode-dropdown-background: #313131; --vscode-dropdown-border: #3c3c3c; ' +
    '--vscode-toolbar-hoverBackground: #5a5d5e50;',
  '  --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185; ' +
    '--vscode-charts-purple: #b180d7; --vscode-charts-red: #f14c4c; --vscode-charts-yellow: #cca700; } }',
  'body { max-width: 1400px; margin: 0 auto; }',
  '.report-header table { width: 100%; font-size: 0.95em; }',
  '.report-header td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; padding-right: 12px; }',
  '.report-header tr.summary-row { cursor: pointer; }',
  '.report-header tr.summary-row:hover, .report-header tr.summary-row:focus-visible ' +
    '{ background: var(--vscode-toolbar-hoverBackground); }',
  '.error { color: var(--vscode-charts-red); }',
  '',
].join('\n');

/** Text safe inside a <script> or <style> element: no end tag, no comment opener. */
function inlineSafe(text: string, what: string): string {
  const out = text.replace(/<\/(script|style)/gi, '<\\/$1').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
  if (out.includes('<!--')) throw new Error(`${what} contains "<!--" and cannot be inlined`);
  return out;
}
const esc = (s: string) => s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function renderReport(input: ReportInput): string {
  // the extension's own bundled assets, not user files
  // eslint-disable-next-line no-restricted-properties
  const script = inlineSafe(fs.readFileSync(findAsset('dist/webview.js'), 'utf8'), 'dist/webview.js');
  // eslint-disable-next-line no-restricted-properties
  const css = inlineSafe(fs.readFileSync(findAsset('media/panel.css'), 'utf8'), 'media/panel.css');
  const data = JSON.stringify(reportData(input)).replace(/</g, '\\u003c');
  const csp = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>${esc(input.title)}</title>
<style>${THEME_FALLBACK}</style>
<style>${css}</style>
</head><body>
<main id="app" aria-live="polite"><noscript>This report draws its charts with JavaScript.</noscript></main>
<script type="application/json" id="${REPORT_DATA_ID}">${data}</script>
<script>${script}</script>
</body></html>
`;
}
