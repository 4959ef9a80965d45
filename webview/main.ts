/**
 * The Landscape Lens dashboard (bundled to dist/webview.js): one run — training curves from its
 * logs with checkpoint markers (click or arrow keys select a checkpoint), the selected
 * checkpoint's numbers, verdict, Hessian eigenvalues (streamed as Lanczos converges), spectral
 * density, 1-D slices / interpolation, 2-D slice heat map with contours, weight-spectra α per
 * layer and per-layer gradient norms, and λ_max / sharpness / PGB residual across checkpoints, and
 * λ_max against 2/η where the logs carry the learning rate (edge of stability). Eigenvalues and the
 * density use a symmetric-log axis (webview/scales.ts) with the verdict's thresholds marked; the
 * learning rate and series of another scale get a right axis; checkpoint markers are coloured by
 * verdict; the heat map has a colour scale; empty charts say how to fill them; one number format
 * (4 significant digits, confidence as a percentage).
 * Curves: EMA (debiased) or moving-average smoothing on the full-resolution series, x as step /
 * relative / wall time, log axes, outlier clipping, wheel zoom + drag pan. Every chart exports
 * PNG, CSV and JSON. Colours come from VS Code's theme variables and follow theme changes.
 * Messages and view models: src/shared/protocol.ts. Without acquireVsCodeApi (the HTML report,
 * src/core/report/html.ts) it runs standalone and read-only: the report's header and summary
 * above, one `init` message per run from the page's JSON, exports as downloads, no actions.
 */
import {
  Chart,
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  Legend,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Filler,
  ChartDataset,
  ChartConfiguration,
} from 'chart.js';
import { smooth, clipRange, xValues, decimate, toCsv, SmoothingMode, XMode } from './smooth';
import { heatmapColor, contourSegments } from './heatmap';
import { fmt, fmtMs, pct } from '../src/shared/format';
import type { DiagnoseResult } from '../src/shared/result';
import { REPORT_DATA_ID } from '../src/shared/protocol';
import type {
  CheckpointEntry,
  ExportKind,
  FromWebview,
  LanczosPartial,
  ReportHeader,
  SeriesPayload,
  SummaryRow,
  SurgeryEntry,
  ToWebview,
} from '../src/shared/protocol';
import type { TheoryRule } from '../src/core/diagnostics/theory';
import type { Slice1D, Slice2D, Interpolation } from '../src/core/diagnostics/slices';
import { isVerdictKind, claimsSomething, type VerdictKind } from '../src/core/diagnostics/verdict';
import { verdictOf, verdictText as verdictLabel, evaluationLine } from '../src/extension/resultView';
import { symlog, symlogInverse, symlogConstant, symlogTicks, tickLabel, singlePointRange } from './scales';
import { edgeOfStability, isLearningRateTag } from '../src/core/diagnostics/edgeOfStability';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  Legend,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Filler,
);

const T0 = performance.now();

type Ckpt = CheckpointEntry;
interface Ui {
  smoothing: SmoothingMode;
  amount: number;
  x: XMode;
  logX: boolean;
  logY: boolean;
  clip: boolean;
  densityLog: boolean;
  hidden: string[];
  zoom?: [number, number] | null;
}
interface State {
  runDir?: string;
  runName?: string;
  selected?: string | null;
  ui: Ui;
}

/**
 * Where the dashboard runs: in a VS Code webview (acquireVsCodeApi: messages to the extension,
 * state kept across reloads), or standalone in the HTML report (no VS Code: read-only, the report's
 * data in a JSON script element, exports as downloads, nothing posted).
 */
interface Host {
  post(m: FromWebview): void;
  getState(): Partial<State> | undefined;
  setState(s: State): void;
  readonly standalone: boolean;
}
declare function acquireVsCodeApi(): {
  postMessage(m: FromWebview): void;
  getState(): Partial<State> | undefined;
  setState(s: State): void;
};
function makeHost(): Host {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return { post: m => api.postMessage(m), getState: () => api.getState(), setState: s => api.setState(s), standalone: false };
  }
  let kept: State | undefined;
  return {
    standalone: true,
    getState: () => kept,
    setState: s => {
      kept = s;
    },
    // a chart export becomes a download; everything else needs the extension
    post: m => {
      if (m.type === 'export') download(`landscape-${m.name.replace(/[^\w.-]+/g, '-')}.${m.ext}`, m.ext, m.data);
    },
  };
}
function download(name: string, ext: ExportKind, data: string): void {
  const href = ext === 'png' ? data : URL.createObjectURL(new Blob([data], { type: ext === 'csv' ? 'text/csv' : 'application/json' }));
  const a = el('a', { href, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  if (ext !== 'png') setTimeout(() => URL.revokeObjectURL(href), 1000);
}
const host = makeHost();
const saved = host.getState() ?? {};
const state: State = {
  runDir: saved.runDir,
  runName: saved.runName,
  selected: saved.selected ?? null,
  ui: {
    smoothing: 'ema',
    amount: 0.6,
    x: 'step',
    logX: false,
    logY: false,
    clip: false,
    densityLog: true,
    hidden: [],
    zoom: null,
    ...(saved.ui ?? {}),
  },
};
let series: SeriesPayload[] = [];
let ckpts: Ckpt[] = [];
let surgery: SurgeryEntry[] = [];
let partialTop: { checkpoint: string; values: number[]; iterations?: number } | undefined;
const charts = new Map<string, Chart>();
const exporters = new Map<string, () => { header: string[]; rows: (string | number | null)[][]; json: unknown }>();
let painted = false;
/** the checkpoint markers of the training-curve chart (the chart's last dataset) */
let curveMarkers: { x: number; y: number; path: string }[] = [];
/** keeps the markers' pixel positions on the canvas (data-markers) current after every draw, resizes included */
const markerPositions = {
  id: 'markerPositions',
  afterDraw(chart: Chart) {
    const meta = chart.getDatasetMeta(chart.data.datasets.length - 1);
    chart.canvas.dataset.markers = JSON.stringify(
      meta.data.map((p, k) => ({ x: Math.round(p.x), y: Math.round(p.y), checkpoint: curveMarkers[k]?.path })),
    );
  },
};

/** Reference lines and bands (verdict thresholds, 2/η) in the axis' own (possibly transformed) units, labelled at the line's end. */
interface RefLine {
  value: number;
  label: string;
  color: string;
  dash?: number[];
}
interface RefBand {
  from: number;
  to: number;
  color: string;
  label?: string;
}
/** Per-canvas extras read by the plugins below (kept out of Chart.js options, whose resolver would call functions). */
interface Extras {
  refLines?: { axis: 'x' | 'y'; lines?: RefLine[]; bands?: RefBand[] };
  valueLabels?: { values: number[]; color: string };
  axisInverse?: Record<string, (v: number) => number>;
}
const extras = new Map<string, Extras>();
const refLines = {
  id: 'refLines',
  afterDatasetsDraw(chart: Chart) {
    const o = extras.get(chart.canvas.id)?.refLines;
    if (!o) return;
    const { ctx, chartArea: a } = chart;
    const sc = chart.scales[o.axis];
    if (!sc) return;
    ctx.save();
    ctx.font = '10px sans-serif';
    for (const b of o.bands ?? []) {
      const p1 = sc.getPixelForValue(b.from),
        p2 = sc.getPixelForValue(b.to);
      ctx.fillStyle = b.color;
      if (o.axis === 'y') ctx.fillRect(a.left, Math.min(p1, p2), a.right - a.left, Math.max(1, Math.abs(p2 - p1)));
      else ctx.fillRect(Math.min(p1, p2), a.top, Math.max(1, Math.abs(p2 - p1)), a.bottom - a.top);
    }
    for (const l of o.lines ?? []) {
      const p = sc.getPixelForValue(l.value);
      if (!Number.isFinite(p) || (o.axis === 'y' ? p < a.top - 1 || p > a.bottom + 1 : p < a.left - 1 || p > a.right + 1)) continue;
      ctx.strokeStyle = l.color;
      ctx.fillStyle = l.color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash(l.dash ?? [5, 4]);
      ctx.beginPath();
      if (o.axis === 'y') {
        ctx.moveTo(a.left, p);
        ctx.lineTo(a.right, p);
      } else {
        ctx.moveTo(p, a.top);
        ctx.lineTo(p, a.bottom);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      // horizontal lines: the label below the line at the left (the top eigenvalues' bars are above 0 there)
      if (o.axis === 'y') {
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(l.label, a.left + 4, p + 2);
      } else {
        ctx.save();
        ctx.translate(p + 3, a.top + 2);
        ctx.rotate(Math.PI / 2);
        ctx.textAlign = 'left';
        ctx.textBaseline = 'bottom';
        ctx.fillText(l.label, 0, 0);
        ctx.restore();
      }
    }
    ctx.restore();
  },
};
/** Value labels (real values) on the bars of the first dataset. */
const valueLabels = {
  id: 'valueLabels',
  afterDatasetsDraw(chart: Chart) {
    const o = extras.get(chart.canvas.id)?.valueLabels;
    if (!o) return;
    const { ctx } = chart;
    const meta = chart.getDatasetMeta(0);
    ctx.save();
    ctx.font = '10px sans-serif';
    ctx.fillStyle = o.color;
    ctx.textAlign = 'center';
    const bars: { label: string; value: number; top: number; bottom: number; x: number }[] = [];
    meta.data.forEach((b, k) => {
      const v = o.values[k];
      if (!Number.isFinite(v)) return;
      const { x, y, base } = b as unknown as { x: number; y: number; base: number };
      const neg = v < 0;
      ctx.textBaseline = neg ? 'top' : 'bottom';
      ctx.fillText(fmt(v), x, neg ? Math.max(y, base) + 2 : Math.min(y, base) - 2);
      bars.push({
        label: String(chart.data.labels?.[k] ?? k),
        value: v,
        top: Math.round(Math.min(y, base)),
        bottom: Math.round(Math.max(y, base)),
        x: Math.round(x),
      });
    });
    ctx.restore();
    chart.canvas.dataset.bars = JSON.stringify(bars);
  },
};
/** Every chart's axis ranges (in real units where the axis is transformed) on its canvas: data-axes, for tests and tools. */
const axisState = {
  id: 'axisState',
  afterDraw(chart: Chart) {
    const inv = extras.get(chart.canvas.id)?.axisInverse ?? {};
    const axes: Record<string, { min: number; max: number; title?: string }> = {};
    for (const [k, sc] of Object.entries(chart.scales)) {
      if (sc.type === 'category') continue;
      const f = inv[k] ?? ((v: number) => v);
      axes[k] = { min: f(sc.min), max: f(sc.max), title: (sc.options as { title?: { text?: string } }).title?.text };
    }
    chart.canvas.dataset.axes = JSON.stringify(axes);
  },
};
Chart.register(refLines, valueLabels, axisState);

function saveState(): void {
  host.setState(state);
  host.post({ type: 'state', state: { runDir: state.runDir, selected: state.selected } });
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────
function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
function theme() {
  const hc = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    fg: css('--vscode-foreground', '#ccc'),
    muted: css('--vscode-descriptionForeground', '#999'),
    grid: css('--vscode-editorWidget-border', css('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    bg: css('--vscode-editor-background', '#1e1e1e'),
    hc,
    palette: [
      '--vscode-charts-blue',
      '--vscode-charts-orange',
      '--vscode-charts-green',
      '--vscode-charts-purple',
      '--vscode-charts-red',
      '--vscode-charts-yellow',
    ].map((v, i) => css(v, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i])),
    accent: css('--vscode-focusBorder', '#007fd4'),
    warn: css('--vscode-editorWarning-foreground', '#cca700'),
  };
}
/** Palette slot of each kind the engine emits (VERDICT_KINDS); undefined: the muted colour. */
const VERDICT_COLOR: Record<VerdictKind, number | undefined> = {
  'local minimum': 2,
  'flat valley': 0,
  saddle: 4,
  'not stationary': 1,
  'stationary (curvature not checked)': 5,
  'stationary (curvature unresolved)': 5,
  undetermined: undefined,
};
/** Colour of a verdict kind (checkpoint markers, points across checkpoints). */
function verdictColor(kind: string | undefined, t: ReturnType<typeof theme>): string {
  const slot = kind !== undefined && isVerdictKind(kind) ? VERDICT_COLOR[kind] : undefined;
  return slot === undefined ? t.muted : t.palette[slot];
}
/** "saddle (93 %)"; kinds that claim nothing get no percentage. */
function verdictText(c: Ckpt | undefined): string {
  const v = c?.result ? verdictOf(c.result) : undefined;
  return v ? verdictLabel(v) : c?.error ? 'diagnosis failed' : 'not diagnosed';
}
/** What an empty chart says: why it is empty and how to fill it. */
const EMPTY: Record<string, string> = {
  eigChart: 'Hessian eigenvalues: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to compute λ_max and λ_min.',
  densityChart: 'Spectral density: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to estimate it.',
  sliceChart:
    '1-D slices: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) for slices along the top eigenvectors; ' +
    '“Compare with…” adds an interpolation.',
  slice2d: '2-D slice: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to map the loss around it.',
  alphaChart:
    'Weight spectra: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to fit the power-law α of each layer.',
  layerChart: 'Gradient norm per layer: this checkpoint is not diagnosed yet. Run a diagnosis (“Diagnose (full)”).',
  acrossChart: 'No checkpoint of this run has λ_max yet: “Diagnose all” computes every checkpoint.',
  pgbChart: 'PGB residual: not computed for the checkpoints of this run. “Diagnose all” computes it.',
};
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'className') e.className = String(v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k in e && !k.startsWith('aria') && !k.startsWith('data')) (e as unknown as Record<string, unknown>)[k] = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
/** The canvas with this id, if the layout has it. */
function canvasById(id: string): HTMLCanvasElement | null {
  const e = document.getElementById(id);
  return e instanceof HTMLCanvasElement ? e : null;
}
const hexA = (c: string, a: number) => {
  const m = /^#([0-9a-f]{6})/i.exec(c);
  return m
    ? `#${m[1]}${Math.round(a * 255)
        .toString(16)
        .padStart(2, '0')}`
    : c;
};
const selectedCkpt = () => ckpts.find(c => c.path === state.selected);
const stepLabel = (c: Ckpt) => (c.step !== null ? `step ${c.step}` : c.rel);

// ── layout ──────────────────────────────────────────────────────────────────────────────────
function chartBox(id: string, title: string, opts: { tall?: boolean; extra?: Node[]; canvas?: boolean } = {}): HTMLElement {
  const box = el(
    'section',
    { className: 'panel', id: `${id}-panel`, 'aria-labelledby': `${id}-title` },
    el(
      'div',
      { className: 'panel-head' },
      el('h2', { id: `${id}-title` }, title),
      ...(opts.extra ?? []),
      el('span', { className: 'spacer' }),
      ...(['png', 'csv', 'json'] as const).map(ext => {
        const what = `Export ${title}${ext === 'png' ? '' : ' data'} as ${ext.toUpperCase()}`;
        return el('button', { className: 'tool', title: what, 'aria-label': what, onclick: () => exportChart(id, ext) }, ext.toUpperCase());
      }),
    ),
    el('div', { className: `chart-box${opts.tall ? ' tall' : ''}` }, el('canvas', { id, role: 'img', 'aria-label': title, tabIndex: 0 })),
    el('p', { className: 'muted empty', id: `${id}-empty`, hidden: true }, 'not computed'),
  );
  return box;
}

function checkbox(id: string, label: string, checked: boolean, on: (v: boolean) => void): HTMLElement {
  const input = el('input', { type: 'checkbox', id, checked, onchange: (e: Event) => on((e.target as HTMLInputElement).checked) });
  return el('label', { className: 'ctl', htmlFor: id }, input, ' ', label);
}

function layout(): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  const ui = state.ui;
  const smoothSel = el(
    'select',
    {
      id: 'smoothing',
      'aria-label': 'Smoothing',
      onchange: (e: Event) => {
        ui.smoothing = (e.target as HTMLSelectElement).value as SmoothingMode;
        saveState();
        drawCurves();
      },
    },
    ...(['none', 'ema', 'ma'] as const).map(v =>
      el(
        'option',
        { value: v, selected: ui.smoothing === v },
        v === 'none' ? 'no smoothing' : v === 'ema' ? 'EMA (debiased)' : 'moving average',
      ),
    ),
  );
  const amount = el('input', {
    type: 'range',
    id: 'amount',
    min: '0',
    max: '0.99',
    step: '0.01',
    value: String(ui.amount),
    'aria-label': 'Smoothing amount',
    oninput: (e: Event) => {
      ui.amount = Number((e.target as HTMLInputElement).value);
      amountOut.textContent = ui.amount.toFixed(2);
      saveState();
      drawCurves();
    },
  });
  const amountOut = el('output', { id: 'amountOut', htmlFor: 'amount' }, ui.amount.toFixed(2));
  const xSel = el(
    'select',
    {
      id: 'xaxis',
      'aria-label': 'x axis',
      onchange: (e: Event) => {
        ui.x = (e.target as HTMLSelectElement).value as XMode;
        ui.zoom = null;
        saveState();
        drawCurves();
      },
    },
    ...(['step', 'relative', 'wall'] as const).map(v =>
      el('option', { value: v, selected: ui.x === v }, v === 'step' ? 'x: step' : v === 'relative' ? 'x: relative time' : 'x: wall time'),
    ),
  );
  const ckSel = el('select', {
    id: 'checkpointSelect',
    'aria-label': 'Selected checkpoint',
    onchange: (e: Event) => select((e.target as HTMLSelectElement).value),
  });

  app.append(
    el(
      'header',
      { className: 'top' },
      el(
        'div',
        {},
        el('h1', { id: 'runName' }, state.runName ?? 'Run'),
        el('div', { className: 'path muted', id: 'runDir' }, state.runDir ?? ''),
      ),
      el('div', { className: 'muted', id: 'jobStatus', role: 'status' }, ''),
    ),
    el(
      'section',
      { className: 'panel', id: 'curves-panel' },
      el(
        'div',
        { className: 'panel-head' },
        el('h2', { id: 'curves-title' }, 'Training curves'),
        el('span', { className: 'spacer' }),
        el(
          'button',
          { className: 'tool', onclick: () => exportChart('curveChart', 'png'), 'aria-label': 'Export training curves as PNG' },
          'PNG',
        ),
        el(
          'button',
          { className: 'tool', onclick: () => exportChart('curveChart', 'csv'), 'aria-label': 'Export training curves as CSV' },
          'CSV',
        ),
        el(
          'button',
          { className: 'tool', onclick: () => exportChart('curveChart', 'json'), 'aria-label': 'Export training curves as JSON' },
          'JSON',
        ),
      ),
      el(
        'div',
        { className: 'controls' },
        smoothSel,
        amount,
        amountOut,
        xSel,
        checkbox('logX', 'log x', ui.logX, v => {
          ui.logX = v;
          saveState();
          drawCurves();
        }),
        checkbox('logY', 'log y', ui.logY, v => {
          ui.logY = v;
          saveState();
          drawCurves();
        }),
        checkbox('clip', 'clip outliers', ui.clip, v => {
          ui.clip = v;
          saveState();
          drawCurves();
        }),
        el(
          'button',
          {
            className: 'tool',
            id: 'resetZoom',
            onclick: () => {
              ui.zoom = null;
              saveState();
              drawCurves();
            },
          },
          'Reset zoom',
        ),
      ),
      el('div', { className: 'tags', id: 'tags', role: 'group', 'aria-label': 'Series shown' }),
      el(
        'div',
        { className: 'chart-box tall' },
        el('canvas', {
          id: 'curveChart',
          role: 'img',
          'aria-label': 'Training curves with checkpoint markers; arrow keys select a checkpoint, + and − zoom, 0 resets',
          tabIndex: 0,
        }),
      ),
      el('div', { className: 'muted marker-legend', id: 'markerLegend', 'aria-label': 'Checkpoint markers by verdict' }),
      el('p', { className: 'muted empty', id: 'curveChart-empty', hidden: true }, 'No training logs in this run.'),
    ),
    el(
      'section',
      { className: 'panel', id: 'checkpoint-panel' },
      el(
        'div',
        { className: 'panel-head' },
        el('h2', {}, 'Checkpoint'),
        ckSel,
        el('span', { className: 'spacer' }),
        // actions need the extension: not in the standalone report
        ...(host.standalone
          ? []
          : [
              el(
                'button',
                {
                  className: 'tool',
                  id: 'diagnoseFull',
                  onclick: () => state.selected && host.post({ type: 'diagnose', checkpoint: state.selected, mode: 'full' }),
                },
                'Diagnose (full)',
              ),
              el(
                'button',
                {
                  className: 'tool',
                  id: 'diagnoseRun',
                  title: 'Diagnose every checkpoint of this run (full)',
                  onclick: () =>
                    state.runDir && host.post({ type: 'command', command: 'landscapeLens.diagnoseRun', checkpoint: state.runDir }),
                },
                'Diagnose all',
              ),
              el(
                'button',
                {
                  className: 'tool',
                  id: 'compareWith',
                  onclick: () => state.selected && host.post({ type: 'compare', checkpoint: state.selected }),
                },
                'Compare with…',
              ),
            ]),
      ),
      el('div', { className: 'path muted', id: 'ckptPath' }),
      el('div', { className: 'cards', id: 'cards' }),
      el('div', { className: 'verdict', id: 'verdict' }),
    ),
    el(
      'div',
      { className: 'grid' },
      chartBox('eigChart', 'Hessian eigenvalues (top / bottom)'),
      chartBox('densityChart', 'Spectral density', {
        extra: [
          checkbox('densityLog', 'log y', ui.densityLog, v => {
            ui.densityLog = v;
            saveState();
            drawSelected();
          }),
        ],
      }),
      chartBox('sliceChart', '1-D slices and interpolation'),
      heatmapBox(),
      chartBox('alphaChart', 'Weight spectra: power-law α per layer'),
      chartBox('layerChart', 'Gradient norm per layer'),
      chartBox('layerCurvChart', 'Where the curvature lives: per-layer share of tr H and of the top eigenvector'),
      chartBox('acrossChart', 'λ_max and sharpness across checkpoints'),
      eosBox(),
      chartBox('pgbChart', 'PGB residual across checkpoints'),
      chartBox('specialChart', 'Special neurons: max|a_k| across checkpoints'),
    ),
    el(
      'section',
      { className: 'panel', id: 'surgery-panel', 'aria-labelledby': 'surgery-title' },
      el(
        'div',
        { className: 'panel-head' },
        el('h2', { id: 'surgery-title' }, 'Acting on the minimum: special neurons and perturbations'),
        el('span', { className: 'spacer' }),
        ...(host.standalone
          ? []
          : [
              el(
                'button',
                {
                  className: 'tool',
                  id: 'addSpecial',
                  onclick: () =>
                    state.selected &&
                    host.post({ type: 'command', command: 'landscapeLens.addSpecialNeurons', checkpoint: state.selected }),
                },
                'Add special neurons…',
              ),
              el(
                'button',
                {
                  className: 'tool',
                  id: 'perturb',
                  onclick: () =>
                    state.selected && host.post({ type: 'command', command: 'landscapeLens.perturbWeights', checkpoint: state.selected }),
                },
                'Perturb weights…',
              ),
            ]),
        el(
          'button',
          { className: 'tool', onclick: () => exportChart('surgeryChart', 'png'), 'aria-label': 'Export the surgery chart as PNG' },
          'PNG',
        ),
        el(
          'button',
          { className: 'tool', onclick: () => exportChart('surgeryChart', 'csv'), 'aria-label': 'Export the surgery chart data as CSV' },
          'CSV',
        ),
        el(
          'button',
          { className: 'tool', onclick: () => exportChart('surgeryChart', 'json'), 'aria-label': 'Export the surgery chart data as JSON' },
          'JSON',
        ),
      ),
      el('ul', { className: 'surgery-list', id: 'surgeryList' }),
      el(
        'div',
        { className: 'chart-box' },
        el('canvas', {
          id: 'surgeryChart',
          role: 'img',
          'aria-label':
            'Fine-tuning with special neurons: max|a_k|, penalty and the original loss per step; ' +
            'or the retraining loss after a perturbation',
          tabIndex: 0,
        }),
      ),
      el(
        'p',
        { className: 'muted empty', id: 'surgeryChart-empty', hidden: true },
        'Nothing done to this run yet: “Add special neurons…” or “Perturb weights…” write new checkpoints beside the selected one ' +
          'and their measured effects appear here.',
      ),
    ),
    el('div', { id: 'notices' }),
  );
  const canvas = canvasById('curveChart')!;
  canvas.addEventListener('keydown', e => {
    const order = ckpts.filter(c => c.step !== null);
    const i = order.findIndex(c => c.path === state.selected);
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const j = Math.max(0, Math.min(order.length - 1, (i < 0 ? 0 : i) + (e.key === 'ArrowRight' ? 1 : -1)));
      if (order[j]) select(order[j].path);
    } else if (e.key === '+' || e.key === '=' || e.key === '-') {
      e.preventDefault();
      zoomBy(e.key === '-' ? 1.25 : 0.8, 0.5);
    } else if (e.key === '0') {
      state.ui.zoom = null;
      saveState();
      drawCurves();
    }
  });
  canvas.addEventListener(
    'wheel',
    e => {
      if (!e.ctrlKey && !e.altKey && !e.metaKey) return; // plain wheel scrolls the page
      e.preventDefault();
      const r = canvas.getBoundingClientRect();
      zoomBy(e.deltaY > 0 ? 1.2 : 1 / 1.2, (e.clientX - r.left) / r.width);
    },
    { passive: false },
  );
  let drag: { x: number; zoom: [number, number] } | undefined;
  canvas.addEventListener('mousedown', e => {
    const ch = charts.get('curveChart');
    if (ch && e.shiftKey) {
      const s = ch.scales.x;
      drag = { x: e.clientX, zoom: [s.min, s.max] };
    }
  });
  window.addEventListener('mouseup', () => {
    drag = undefined;
  });
  canvas.addEventListener('mousemove', e => {
    const ch = charts.get('curveChart');
    if (!drag || !ch) return;
    const w = ch.chartArea.right - ch.chartArea.left;
    const dx = ((e.clientX - drag.x) / w) * (drag.zoom[1] - drag.zoom[0]);
    state.ui.zoom = [drag.zoom[0] - dx, drag.zoom[1] - dx];
    drawCurves();
  });
}

function eosBox(): HTMLElement {
  const box = chartBox('eosChart', 'Edge of stability: λ_max against 2/η');
  box.append(el('p', { className: 'eos-sentence', id: 'eosSentence', role: 'status' }));
  return box;
}

function heatmapBox(): HTMLElement {
  const box = chartBox('slice2d', '2-D slice (loss heat map with contours)');
  box.querySelector('.chart-box')!.classList.add('square');
  return box;
}

function zoomBy(f: number, at: number): void {
  const ch = charts.get('curveChart');
  if (!ch) return;
  const s = ch.scales.x,
    lo = s.min,
    hi = s.max,
    c = lo + (hi - lo) * at;
  state.ui.zoom = [c - (c - lo) * f, c + (hi - c) * f];
  saveState();
  drawCurves();
}

function select(p: string): void {
  if (!ckpts.some(c => c.path === p)) return;
  state.selected = p;
  saveState();
  host.post({ type: 'select', checkpoint: p });
  drawSelected();
  drawCurves();
}

// ── charts ──────────────────────────────────────────────────────────────────────────────────
function upsert(id: string, config: ChartConfiguration): Chart | undefined {
  const canvas = canvasById(id);
  if (!canvas) return undefined;
  const old = charts.get(id);
  if (old && (old.config as { type?: string }).type === config.type) {
    old.data = config.data;
    old.options = config.options ?? {};
    old.update('none');
    return old;
  }
  old?.destroy();
  const ch = new Chart(canvas, config);
  charts.set(id, ch);
  return ch;
}

function baseOptions(
  t: ReturnType<typeof theme>,
  o: { xTitle?: string; yTitle?: string; logY?: boolean; logX?: boolean; xType?: 'linear' | 'category' } = {},
): ChartConfiguration['options'] {
  const axis = (title: string | undefined, log: boolean | undefined, type?: string) => ({
    type: (log ? 'logarithmic' : (type ?? 'linear')) as 'linear',
    // log axes: short labels at the decades (1e-4, 0.01, 1, …), nothing in between
    ticks: log
      ? {
          color: t.fg,
          callback: (v: number | string) => {
            const x = Number(v);
            const e = Math.log10(x);
            return Math.abs(e - Math.round(e)) < 1e-9 ? (Math.abs(e) >= 3 ? `1e${Math.round(e)}` : String(x)) : '';
          },
        }
      : { color: t.fg },
    grid: { color: t.grid },
    border: { color: t.grid },
    title: { display: !!title, text: title ?? '', color: t.muted },
  });
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    color: t.fg,
    interaction: { mode: 'nearest', intersect: false },
    scales: { x: axis(o.xTitle, o.logX, o.xType), y: axis(o.yTitle, o.logY) },
    plugins: {
      legend: { labels: { color: t.fg, boxWidth: 12 } },
      tooltip: {
        callbacks: {
          // every tooltip names the series, where (step / layer / index) and the value, in the one number format
          title: items => {
            const k = items[0];
            if (!k) return '';
            return o.xType === 'category' ? String(k.label) : `${o.xTitle ?? 'x'} ${fmt(k.parsed.x as number)}`;
          },
          label: k => `${k.dataset.label ?? ''}: ${fmt(k.parsed.y as number)}`,
        },
      },
    },
  };
}

/** The actions an empty chart's text may point to (buttons of the extension's dashboard). */
const ACTION_HINT = /“(Diagnose|Compare with|Add special neurons|Perturb weights)/;
/**
 * In the read-only report, an empty chart's text without the actions it cannot offer: the sentences (or the part after a colon)
 * that name one go.
 */
function readOnlyText(text: string): string {
  return text
    .split(/(?<=\.)\s+/)
    .map(x => (!ACTION_HINT.test(x) ? x : /^[^“]*?: /.test(x) ? `${x.slice(0, x.indexOf(': '))}.` : ''))
    .filter(Boolean)
    .join(' ');
}

function setEmpty(id: string, empty: boolean, text = 'not computed'): void {
  if (host.standalone) text = readOnlyText(text);
  const e = document.getElementById(`${id}-empty`);
  const c = document.getElementById(id);
  if (e) {
    e.hidden = !empty;
    e.textContent = text;
  }
  if (c?.parentElement) c.parentElement.hidden = empty;
}

function seriesColor(i: number, t: ReturnType<typeof theme>): string {
  return t.palette[i % t.palette.length];
}

function drawTags(): void {
  const box = document.getElementById('tags');
  if (!box) return;
  const t = theme();
  box.replaceChildren(
    ...series.map((s, i) => {
      const id = `tag-${i}`;
      const lab = checkbox(id, s.tag, !state.ui.hidden.includes(s.tag), v => {
        state.ui.hidden = v ? state.ui.hidden.filter(x => x !== s.tag) : [...state.ui.hidden, s.tag];
        saveState();
        drawCurves();
      });
      lab.style.borderLeftColor = seriesColor(i, t);
      lab.classList.add('tag');
      lab.title = `${s.tag} (${s.file}, ${s.total} points${s.downsampled ? ', downsampled for transfer' : ''})`;
      return lab;
    }),
  );
}

function xTickFormat(v: number): string {
  if (state.ui.x === 'wall') return new Date(v).toLocaleTimeString();
  if (state.ui.x === 'relative') {
    const s = Math.round(v);
    const h = Math.floor(s / 3600),
      m = Math.floor((s % 3600) / 60);
    return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  }
  return String(v);
}

function drawCurves(): void {
  const t = theme();
  const ui = state.ui;
  const visible = series.map((s, i) => ({ s, i })).filter(({ s }) => !ui.hidden.includes(s.tag));
  setEmpty('curveChart', series.length === 0, 'No training logs in this run.');
  if (series.length === 0) return;
  const datasets: ChartDataset<'line' | 'scatter', { x: number; y: number }[]>[] = [];
  const allY: number[] = [];
  const exportRows: (string | number | null)[][] = [];
  let first: { x: number[]; y: number[]; steps: number[] } | undefined;
  // a second (right) axis for the learning rate and any series whose scale differs from the first one's by over two decades
  const magnitude = (s: SeriesPayload) => {
    const a = s.values
      .filter((v): v is number => v !== null && Number.isFinite(v) && v !== 0)
      .map(Math.abs)
      .sort((p, q) => p - q);
    return a.length ? a[Math.floor(a.length / 2)] : NaN;
  };
  const primary = visible.find(({ s }) => !isLearningRateTag(s.tag)) ?? visible[0];
  const refMag = primary ? magnitude(primary.s) : NaN;
  const axisOf = (s: SeriesPayload): 'y' | 'y2' =>
    primary && s === primary.s
      ? 'y'
      : isLearningRateTag(s.tag) ||
          (Number.isFinite(refMag) && Number.isFinite(magnitude(s)) && Math.abs(Math.log10(magnitude(s) / refMag)) > 2)
        ? 'y2'
        : 'y';
  const onY2: string[] = [],
    onY: string[] = [];
  for (const { s, i } of visible) {
    const axis = axisOf(s);
    (axis === 'y2' ? onY2 : onY).push(s.tag);
    const raw = s.values.map(v => (v === null ? NaN : v));
    const xs = xValues(
      s.steps,
      s.wallTimes.map(w => (w === null ? NaN : w)),
      ui.x,
    );
    const sm = smooth(raw, ui.smoothing, ui.amount); // full resolution, before decimation
    const keep = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!ui.logX || x > 0) && (!ui.logY || y > 0);
    const pts = (ys: number[]) => {
      const d = decimate(xs, ys, 2000);
      return d.x.map((x, k) => ({ x, y: d.y[k] })).filter(p => keep(p.x, p.y));
    };
    const color = seriesColor(i, t);
    const label = axis === 'y2' ? `${s.tag} (right axis)` : s.tag;
    if (ui.smoothing !== 'none')
      datasets.push({
        type: 'line',
        label: `${label} (raw)`,
        data: pts(raw),
        borderColor: hexA(color, 0.3),
        backgroundColor: hexA(color, 0.3),
        borderWidth: 1,
        pointRadius: 0,
        order: 2,
        yAxisID: axis,
      } as ChartDataset<'line', { x: number; y: number }[]>);
    datasets.push({
      type: 'line',
      label,
      data: pts(sm),
      borderColor: color,
      backgroundColor: color,
      borderWidth: t.hc ? 3 : 2,
      pointRadius: 0,
      order: 1,
      yAxisID: axis,
      ...(axis === 'y2' ? { borderDash: [6, 3] } : {}),
    } as ChartDataset<'line', { x: number; y: number }[]>);
    if (axis === 'y') for (const v of sm) if (Number.isFinite(v)) allY.push(v);
    s.steps.forEach((st, k) => exportRows.push([s.tag, st, s.wallTimes[k], s.values[k], Number.isFinite(sm[k]) ? sm[k] : null]));
    if (!first && axis === 'y') first = { x: xs, y: sm, steps: s.steps };
  }
  // checkpoint markers on the first visible curve (at the nearest logged step)
  const markers: { x: number; y: number; path: string; verdict?: string }[] = [];
  for (const c of ckpts) {
    if (c.step === null) continue;
    let x = c.step,
      y = NaN;
    if (first) {
      let best = -1;
      first.steps.forEach((st, k) => {
        if (Number.isFinite(first!.y[k]) && (best < 0 || Math.abs(st - c.step!) < Math.abs(first!.steps[best] - c.step!))) best = k;
      });
      if (best >= 0) {
        y = first.y[best];
        x = ui.x === 'step' ? c.step : first.x[best];
      }
    }
    if (ui.x === 'wall' && !Number.isFinite(x)) x = c.mtimeMs;
    if (Number.isFinite(x) && Number.isFinite(y)) markers.push({ x, y, path: c.path, verdict: c.result?.verdict?.kind });
  }
  const sel = markers.findIndex(m => m.path === state.selected);
  datasets.push({
    type: 'scatter',
    label: 'checkpoints',
    data: markers.map(m => ({ x: m.x, y: m.y })),
    order: 0,
    // coloured by verdict (hollow: not diagnosed); the selected one larger with a foreground border
    pointRadius: markers.map((_, k) => (k === sel ? 9 : 6)),
    pointHoverRadius: 10,
    pointStyle: 'rectRot',
    backgroundColor: markers.map(m => (m.verdict ? verdictColor(m.verdict, t) : t.bg)),
    borderColor: markers.map((m, k) => (k === sel ? t.fg : m.verdict ? verdictColor(m.verdict, t) : t.muted)),
    borderWidth: markers.map((_, k) => (k === sel ? 3 : 2)),
  } as unknown as ChartDataset<'scatter', { x: number; y: number }[]>);
  const opts = baseOptions(t, {
    xTitle: ui.x === 'step' ? 'step' : ui.x === 'relative' ? 'time since start' : 'wall time',
    yTitle: onY.join(', '),
    logX: ui.logX,
    logY: ui.logY,
  })!;
  if (onY2.length) {
    const y2 = baseOptions(t, { yTitle: onY2.join(', '), logY: ui.logY })!.scales!.y as Record<string, unknown>;
    // a constant learning rate: a padded range around it instead of an axis of rounding noise
    const v2 = visible
      .filter(({ s }) => axisOf(s) === 'y2')
      .flatMap(({ s }) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
    const lo2 = Math.min(...v2),
      hi2 = Math.max(...v2);
    const flat = v2.length > 0 && hi2 - lo2 <= 1e-9 * Math.max(Math.abs(hi2), 1e-300) ? singlePointRange([hi2]) : undefined;
    (opts.scales as Record<string, unknown>).y2 = {
      ...y2,
      position: 'right',
      grid: { drawOnChartArea: false },
      ticks: {
        ...(y2.ticks as object),
        callback: (v: number | string) => fmt(Number(v), 3),
        ...(flat && !ui.logY ? { stepSize: flat.step } : {}),
      },
      ...(flat && !ui.logY ? { min: flat.min, max: flat.max } : {}),
    };
  }
  const sx = opts.scales!.x as Record<string, unknown>,
    sy = opts.scales!.y as Record<string, unknown>;
  (sx.ticks as Record<string, unknown>).callback = (v: number | string) => xTickFormat(Number(v));
  if (ui.zoom) {
    sx.min = ui.zoom[0];
    sx.max = ui.zoom[1];
  }
  if (ui.clip) {
    const r = clipRange(allY);
    if (r) {
      sy.min = ui.logY ? Math.max(r.lo, Math.min(...allY.filter(v => v > 0))) : r.lo;
      sy.max = r.hi;
    }
  }
  opts.plugins!.legend = { labels: { color: t.fg, boxWidth: 12, filter: item => !String(item.text).endsWith('(raw)') } };
  opts.plugins!.tooltip = {
    callbacks: {
      title: items => (items.length ? `${ui.x === 'step' ? 'step ' : ''}${xTickFormat(items[0].parsed.x as number)}` : ''),
      label: c => {
        if (c.dataset.label !== 'checkpoints') return `${c.dataset.label}: ${fmt(c.parsed.y as number)}`;
        const k = ckpts.find(q => q.path === markers[c.dataIndex]?.path);
        return `checkpoint ${k?.rel ?? ''}: ${verdictText(k)}`;
      },
    },
  };
  opts.onClick = (e, _elements, chart) => {
    // the nearest checkpoint marker within 14 px of the click
    const pts = chart.getDatasetMeta(datasets.length - 1).data;
    let best = -1,
      bd = 14;
    pts.forEach((p, k) => {
      const d = Math.hypot(p.x - (e.x ?? -1e9), p.y - (e.y ?? -1e9));
      if (d <= bd) {
        bd = d;
        best = k;
      }
    });
    if (best >= 0) select(markers[best].path);
  };
  curveMarkers = markers;
  // what the marker colours mean (only the kinds present)
  const legend = document.getElementById('markerLegend');
  if (legend) {
    const kinds = [...new Set(markers.map(m => m.verdict ?? ''))];
    legend.replaceChildren(
      ...(markers.length
        ? [
            el('span', {}, 'Checkpoint markers: '),
            ...kinds.map(k =>
              el(
                'span',
                { className: 'marker-kind', 'data-kind': k || 'not diagnosed' },
                (() => {
                  const d = el('span', {}, k ? '◆' : '◇');
                  d.style.color = k ? verdictColor(k, t) : t.muted;
                  return d;
                })(),
                ` ${k || 'not diagnosed'}  `,
              ),
            ),
          ]
        : []),
    );
  }
  upsert('curveChart', { type: 'line', data: { datasets: datasets as ChartDataset<'line'>[] }, options: opts, plugins: [markerPositions] });
  exporters.set('curveChart', () => ({
    header: ['tag', 'step', 'wall_time', 'value', 'smoothed'],
    rows: exportRows,
    json: { series: visible.map(v => v.s), smoothing: { mode: ui.smoothing, amount: ui.amount }, checkpoints: markers },
  }));
}

/** A number card: the value shown with 4 significant digits, the full value in data-value and the tooltip. */
function card(label: string, value: string, id: string, title?: string, raw?: number | null): HTMLElement {
  const full = typeof raw === 'number' ? `${label} = ${raw}` : undefined;
  return el(
    'div',
    { className: 'card', title: [title ?? label, full].filter(Boolean).join('\n') },
    el('div', { className: 'label' }, label),
    el('div', { className: 'value', id, ...(typeof raw === 'number' ? { 'data-value': String(raw) } : {}) }, value),
  );
}

function drawSelected(): void {
  const t = theme();
  const sel = document.getElementById('checkpointSelect') as HTMLSelectElement | null;
  if (sel) {
    sel.replaceChildren(
      ...ckpts.map(c =>
        el(
          'option',
          { value: c.path, selected: c.path === state.selected },
          `${stepLabel(c)} — ${c.rel}${c.result ? '' : c.job ? ` (${c.job.state})` : ' (not diagnosed)'}`,
        ),
      ),
    );
  }
  const c = selectedCkpt();
  const r = c?.result ?? null;
  document.getElementById('ckptPath')!.textContent = c
    ? `${c.path}` +
      `${
        r
          ? ` · ${r.format} · ${r.params.toLocaleString('en-US')} parameters · ${r.backend} · ` +
            `${new Date(r.computedAt).toLocaleString()} · ${fmtMs(r.timings.totalMs)}`
          : ''
      }`
    : 'No checkpoint selected.';
  const top = r?.hessian?.top ?? [],
    bottom = r?.hessian?.bottom ?? [];
  const keskar = r?.sharpness?.keskar?.find(k => k.subspace === null && k.epsilon === 1e-3) ?? r?.sharpness?.keskar?.[0];
  const cards = document.getElementById('cards')!;
  cards.replaceChildren(
    card(`Loss L${r ? ` (${r.lossFunction.kind})` : ''}`, r ? fmt(r.loss) : '—', 'loss', undefined, r?.loss),
    card('Gradient norm ‖∇L‖', r ? fmt(r.gradNorm) : '—', 'gradNorm', undefined, r?.gradNorm),
    card('λ_max', top[0] ? fmt(top[0].value) : 'not computed', 'lambdaMax', undefined, top[0]?.value),
    card(
      'λ_min',
      bottom[0]
        ? `${fmt(bottom[0].value)}${bottom[0].status === 'unresolved' ? ' (unresolved)' : ''}`
        : r?.hessian?.bottomEstimate
          ? `≈ ${fmt(r.hessian.bottomEstimate.value)} (${r.hessian.bottomEstimate.status === 'unresolved' ? 'unresolved' : 'estimate'})`
          : 'not computed',
      'lambdaMin',
      bottom[0] || r?.hessian?.bottomEstimate
        ? `error bar ±${fmt((bottom[0] ?? r!.hessian!.bottomEstimate!).bound ?? (bottom[0] ?? r!.hessian!.bottomEstimate!).residual, 2)}` +
            `${r?.hessian?.bottomEstimate && !bottom[0] ? '; estimated from the Krylov space of λ_max' : ''}`
        : undefined,
      (bottom[0] ?? r?.hessian?.bottomEstimate)?.value,
    ),
    card(
      'Trace tr H',
      r?.hessian?.trace
        ? r.hessian.trace.stderr <= 1e-9 * Math.abs(r.hessian.trace.estimate)
          ? `${fmt(r.hessian.trace.estimate)} (exact)`
          : `${fmt(r.hessian.trace.estimate)} ± ${fmt(r.hessian.trace.stderr, 2)}`
        : 'not computed',
      'trace',
      undefined,
      r?.hessian?.trace?.estimate,
    ),
    card(
      'ε-sharpness',
      keskar ? fmt(keskar.value) : 'not computed',
      'sharpness',
      keskar ? `Keskar ε=${keskar.epsilon}, full space` : undefined,
      keskar?.value,
    ),
    card('PGB residual', typeof r?.pgb?.residual === 'number' ? fmt(r.pgb.residual) : 'not computed', 'pgb', undefined, r?.pgb?.residual),
    card('Samples', r ? `${r.samples} of ${r.data.total}` : '—', 'samples'),
    ...(r?.specialNeurons
      ? [
          card(
            'Special neurons max|a_k|',
            `${fmt(r.specialNeurons.maxAbsA)} (${pct(r.specialNeurons.outputShare)} of the output)`,
            'specialA',
            `Kawaguchi & Kaelbling: at a local minimum of the augmented loss a = 0. ` +
              `λ = ${r.specialNeurons.lambda}, ${r.specialNeurons.a.length} neuron(s).`,
            r.specialNeurons.maxAbsA,
          ),
        ]
      : []),
  );
  // verdict card: the verdict (a result cached by an earlier engine that called a point a minimum
  // without any λ_min shows what was measured), its reasons, how the network was evaluated, and
  // what theory says
  const v = r ? verdictOf(r) : undefined;
  const vEl = document.getElementById('verdict')!;
  vEl.replaceChildren();
  if (c?.job)
    vEl.append(
      el(
        'p',
        { className: 'muted', id: 'jobState' },
        `${c.job.state}${c.job.fraction !== undefined ? ` ${Math.round(c.job.fraction * 100)}%` : ''}…`,
      ),
    );
  if (c?.error && !r) vEl.append(el('p', { className: 'error', id: 'ckptError' }, `Diagnosis failed: ${c.error}`));
  if (v) {
    vEl.append(
      el(
        'div',
        { className: 'verdict-card', id: 'verdictCard' },
        el(
          'div',
          { className: 'verdict-kind' },
          `Verdict: ${v.kind}`,
          v.confidence !== undefined && claimsSomething(v.kind)
            ? el('span', { className: 'muted' }, ` (confidence ${typeof v.confidence === 'number' ? pct(v.confidence) : v.confidence})`)
            : null,
        ),
        v.reasons?.length ? el('ul', {}, ...v.reasons.map(x => el('li', {}, x))) : null,
        r ? el('p', { className: 'muted', id: 'evaluation' }, `Evaluated: ${evaluationLine(r)}.`) : null,
        theoryNotes(r?.theory),
      ),
    );
  } else if (r) vEl.append(el('p', { className: 'muted', id: 'verdictCard' }, 'Verdict: not computed by this engine version.'));
  // every diagnostic's numbers as the registry renders them (what the charts do not show: PAC-Bayes σ, ASAM, …)
  if (r && c?.rows?.length) {
    const rows = c.rows.map(([k, val]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, val)));
    vEl.append(el('details', { id: 'allNumbers' }, el('summary', {}, 'All numbers'), el('table', { className: 'numbers' }, ...rows)));
  } else if (c && !c.job && !c.error)
    vEl.append(
      el('p', { className: 'muted', id: 'verdictCard' }, host.standalone ? 'Not diagnosed.' : 'Not diagnosed yet — use “Diagnose (full)”.'),
    );

  // eigenvalues (streamed partials while Lanczos runs)
  const partial = partialTop && partialTop.checkpoint === c?.path && (!r || !top.length) ? partialTop.values : undefined;
  const topVals = partial ?? top.map(x => x.value);
  const eigLabels = [...topVals.map((_, i) => `λ${i + 1}`), ...bottom.map((_, i) => `λ(−${i + 1})`)];
  const eigVals = [...topVals, ...bottom.map(x => x.value)];
  setEmpty(
    'eigChart',
    eigVals.length === 0,
    r || !c
      ? EMPTY.eigChart
      : 'This checkpoint is not diagnosed yet: run a full diagnosis (“Diagnose (full)”) to compute its Hessian eigenvalues.',
  );
  // symmetric-log axis: linear below the verdict's scale c = τ_neg·λ_max, logarithmic above, so λ_min < 0 stays visible next to λ_max
  const thr = { negativeCurvature: r?.verdict?.thresholds?.negativeCurvature ?? 1e-3, nearZero: r?.verdict?.thresholds?.nearZero ?? 1e-3 };
  const finite = eigVals.filter(Number.isFinite);
  const ref = finite.length ? (Math.max(...finite) > 0 ? Math.max(...finite) : Math.max(...finite.map(Math.abs))) : 1;
  const negThr = -thr.negativeCurvature * ref,
    zeroThr = thr.nearZero * ref;
  const cEig = symlogConstant(finite, thr.negativeCurvature * ref);
  const lines: RefLine[] = [];
  const eigLines = (tr: (v: number) => number): { lines: RefLine[]; bands: RefBand[] } => ({
    lines: finite.length && ref > 0 ? [{ value: tr(negThr), label: `saddle below −τ·λ_max = ${fmt(negThr)}`, color: t.palette[4] }] : lines,
    bands: finite.length && ref > 0 ? [{ from: tr(-zeroThr), to: tr(zeroThr), color: 'rgba(128,128,128,0.16)', label: 'near zero' }] : [],
  });
  const sl = (v: number) => symlog(v, cEig),
    isl = (v: number) => symlogInverse(v, cEig);
  const eo = baseOptions(t, { xType: 'category', yTitle: 'eigenvalue λ (symmetric log scale)' })!;
  const ey = eo.scales!.y as Record<string, unknown>;
  const lo = Math.min(0, negThr * 1.5, ...finite),
    hi = Math.max(0, ...finite);
  ey.min = sl(lo) * 1.15 - 0.05;
  ey.max = sl(hi) * 1.12 + 0.05;
  ey.afterBuildTicks = (axis: { ticks: { value: number }[] }) => {
    axis.ticks = symlogTicks(lo, hi, cEig).map(v => ({ value: sl(v) }));
  };
  (ey.ticks as Record<string, unknown>).callback = (v: number | string) => tickLabel(Number(isl(Number(v)).toPrecision(6)));
  eo.plugins!.tooltip = {
    callbacks: {
      title: k => (k[0] ? `${k[0].label}${partial ? ' (Lanczos estimate)' : ''}` : ''),
      label: k => `${k.label} = ${fmt(eigVals[k.dataIndex])}`,
    },
  };
  eo.plugins!.legend = { display: false };
  extras.set('eigChart', {
    refLines: { axis: 'y', ...eigLines(sl) },
    valueLabels: { values: eigVals, color: t.fg },
    axisInverse: { y: isl },
  });
  upsert('eigChart', {
    type: 'bar',
    data: {
      labels: eigLabels,
      datasets: [
        {
          label: partial ? `Lanczos estimate (iteration ${partialTop?.iterations ?? '?'})` : 'Hessian eigenvalues',
          data: eigVals.map(sl),
          backgroundColor: eigVals.map(x => (x < 0 ? t.palette[4] : t.palette[0])),
          borderColor: t.fg,
          borderWidth: t.hc ? 1 : 0,
        },
      ],
    },
    options: eo,
  });
  const eigCanvas = canvasById('eigChart')!;
  eigCanvas.dataset.thresholds = JSON.stringify({ negativeCurvature: negThr, nearZero: zeroThr, c: cEig });
  eigCanvas.dataset.values = JSON.stringify(eigVals);
  eigCanvas.dataset.checkpoint = c?.path ?? '';
  exporters.set('eigChart', () => ({
    header: ['index', 'eigenvalue'],
    rows: eigLabels.map((l, i) => [l, eigVals[i]]),
    json: r?.hessian ? { top: r.hessian.top, bottom: r.hessian.bottom, lanczos: r.hessian.lanczos } : { partial: topVals },
  }));

  // spectral density
  const dens = r?.hessian?.density;
  setEmpty('densityChart', !dens, EMPTY.densityChart);
  if (dens) {
    const floor = Math.max(1e-12, Math.max(...dens.values) * 1e-8);
    // the same symmetric-log λ axis as the eigenvalue chart, so the mass below 0 is not squeezed next to it
    const cD = finite.length ? cEig : symlogConstant(dens.grid);
    const sd = (v: number) => symlog(v, cD),
      isd = (v: number) => symlogInverse(v, cD);
    const pts = dens.grid.map((x, i) => ({ x: sd(x), y: state.ui.densityLog ? Math.max(floor, dens.values[i]) : dens.values[i] }));
    const dopt = baseOptions(t, { xTitle: 'eigenvalue λ (symmetric log scale)', yTitle: 'density', logY: state.ui.densityLog })!;
    const dx = dopt.scales!.x as Record<string, unknown>;
    const glo = Math.min(...dens.grid, ...(finite.length ? [negThr * 1.5] : [])),
      ghi = Math.max(...dens.grid);
    dx.min = sd(glo);
    dx.max = sd(ghi);
    dx.afterBuildTicks = (axis: { ticks: { value: number }[] }) => {
      axis.ticks = symlogTicks(glo, ghi, cD).map(v => ({ value: sd(v) }));
    };
    (dx.ticks as Record<string, unknown>).callback = (v: number | string) => tickLabel(Number(isd(Number(v)).toPrecision(6)));
    dopt.plugins!.tooltip = {
      callbacks: {
        title: k => (k[0] ? `λ = ${fmt(dens.grid[k[0].dataIndex])}` : ''),
        label: k => `spectral density: ${fmt(dens.values[k.dataIndex])}`,
      },
    };
    const lam: RefLine[] = [];
    if (top[0]) lam.push({ value: sd(top[0].value), label: `λ_max ${fmt(top[0].value)}`, color: t.palette[0], dash: [2, 3] });
    const lmin = bottom[0] ?? r?.hessian?.bottomEstimate;
    if (lmin) lam.push({ value: sd(lmin.value), label: `λ_min ${fmt(lmin.value)}`, color: t.palette[4], dash: [2, 3] });
    const dl = eigLines(sd);
    extras.set('densityChart', { refLines: { axis: 'x', lines: [...dl.lines, ...lam], bands: dl.bands }, axisInverse: { x: isd } });
    upsert('densityChart', {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'spectral density (SLQ)',
            data: pts,
            borderColor: t.palette[2],
            backgroundColor: hexA(t.palette[2], 0.2),
            fill: !state.ui.densityLog,
            pointRadius: 0,
            borderWidth: t.hc ? 3 : 1.5,
          },
        ],
      },
      options: dopt,
    });
    exporters.set('densityChart', () => ({
      header: ['lambda', 'density'],
      rows: dens.grid.map((x, i) => [x, dens.values[i]]),
      json: dens,
    }));
  }

  // 1-D slices and interpolations
  const s1 = (r?.slices ?? []).filter((s): s is Slice1D | Interpolation => s.kind !== '2d');
  const sliceName = (s: Slice1D | Interpolation) => (s.kind === 'interp' ? `interp ${s.other}` : s.label);
  setEmpty('sliceChart', s1.length === 0, EMPTY.sliceChart);
  if (s1.length) {
    const ds: ChartDataset<'line', { x: number; y: number }[]>[] = [];
    s1.forEach((s, i) => {
      const col = t.palette[i % t.palette.length];
      const label =
        s.kind === 'interp'
          ? `interpolation → ${s.other.split(/[\\/]/).slice(-2).join('/')} (barrier ${fmt(s.barrier)})`
          : s.eigenvalue !== undefined
            ? `${s.label} (λ = ${fmt(s.eigenvalue)})`
            : s.label;
      ds.push({
        label,
        data: s.t.map((x, k) => ({ x, y: s.loss[k] })),
        borderColor: col,
        backgroundColor: col,
        pointRadius: 0,
        borderWidth: t.hc ? 3 : 2,
      });
      if (s.kind !== 'interp' && s.quadratic) {
        const q = s.quadratic;
        ds.push({
          label: `${s.label}: quadratic model`,
          data: s.t.map((x, k) => ({ x, y: q[k] })),
          borderColor: col,
          borderDash: [5, 4],
          pointRadius: 0,
          borderWidth: 1,
        });
      }
    });
    upsert('sliceChart', {
      type: 'line',
      data: { datasets: ds },
      options: baseOptions(t, { xTitle: 'step along the direction (t)', yTitle: 'loss' }),
    });
    exporters.set('sliceChart', () => ({
      header: ['slice', 't', 'loss'],
      rows: s1.flatMap(s => s.t.map((x, k) => [sliceName(s), x, s.loss[k]])),
      json: s1,
    }));
  }

  // 2-D slice heat map
  const s2 = slice2dOf(r);
  setEmpty('slice2d', !s2, EMPTY.slice2d);
  if (s2) drawHeatmap(s2, t);

  // weight spectra α
  const wl = r?.weights?.layers ?? [];
  const fitted = wl.some(l => l.alpha !== null);
  setEmpty(
    'alphaChart',
    !fitted,
    wl.length
      ? `Weight spectra: no layer has enough singular values for a power-law fit (it needs at least 10, ` +
          `a weight matrix of at least 10 × 10). Stable rank and spectral norm per layer are in this chart's CSV / JSON export.`
      : EMPTY.alphaChart,
  );
  if (wl.length) {
    upsert('alphaChart', {
      type: 'bar',
      data: {
        labels: wl.map(l => l.name),
        datasets: [
          {
            label: 'power-law α',
            data: wl.map(l => l.alpha ?? NaN),
            backgroundColor: wl.map(l => (l.alpha !== null && (l.alpha < 2 || l.alpha > 6) ? t.warn : t.palette[3])),
          },
        ],
      },
      options: baseOptions(t, { xType: 'category', yTitle: 'α' }),
    });
    exporters.set('alphaChart', () => ({
      header: ['layer', 'alpha', 'stableRank', 'spectralNorm'],
      rows: wl.map(l => [l.name, l.alpha, l.stableRank, l.spectralNorm]),
      json: wl,
    }));
  }

  // per-layer gradient norms
  const layers = r?.layers ?? [];
  setEmpty('layerChart', layers.length === 0, EMPTY.layerChart);
  if (layers.length) {
    const lo = baseOptions(t, { xType: 'category' })!;
    lo.plugins!.tooltip = { callbacks: { label: k => `‖∇L‖ of ${k.label}: ${fmt(k.parsed.y as number)}` } };
    upsert('layerChart', {
      type: 'bar',
      data: {
        labels: layers.map(l => l.name),
        datasets: [
          { label: '‖∇L‖ per layer', data: layers.map(l => l.gradNorm), backgroundColor: t.palette[0], borderColor: t.palette[0] },
        ],
      },
      options: lo,
    });
    exporters.set('layerChart', () => ({
      header: ['layer', 'params', 'gradNorm'],
      rows: layers.map(l => [l.name, l.params, l.gradNorm]),
      json: layers,
    }));
  }

  // where the curvature lives: each layer's share of the Hessian trace and of the top eigenvector (heat-coloured), block λ_max
  const curv = layers.filter(l => typeof l.traceShare === 'number');
  setEmpty(
    'layerCurvChart',
    curv.length === 0,
    'Per-layer curvature: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to compute it.',
  );
  if (curv.length) {
    const co = baseOptions(t, { xType: 'category', yTitle: '% of the whole' })!;
    (co.scales as Record<string, unknown>).y2 = {
      position: 'right',
      ticks: { color: t.fg },
      grid: { drawOnChartArea: false },
      title: { display: true, text: 'block λ_max', color: t.muted },
    };
    const share = curv.map(l => 100 * (l.traceShare ?? 0));
    const mass = curv.map(l => (typeof l.topVectorMass === 'number' ? 100 * l.topVectorMass : NaN));
    upsert('layerCurvChart', {
      type: 'bar',
      data: {
        labels: curv.map(l => l.name),
        datasets: [
          {
            label: 'share of tr H (%)',
            data: share,
            backgroundColor: share.map(v => heatmapColor(Math.max(0, Math.min(1, v / 100)))),
            borderColor: t.fg,
            borderWidth: 1,
          },
          { label: 'top-eigenvector mass (%)', data: mass, backgroundColor: t.palette[1], borderColor: t.palette[1] },
          {
            type: 'line',
            label: 'block λ_max',
            data: curv.map(l => l.topEigenvalue ?? NaN),
            borderColor: t.palette[4],
            backgroundColor: t.palette[4],
            pointRadius: 4,
            showLine: false,
            yAxisID: 'y2',
          } as unknown as ChartDataset<'bar'>,
        ],
      },
      options: co,
    });
    const cc = canvasById('layerCurvChart')!;
    cc.dataset.values = JSON.stringify(
      curv.map(l => ({ name: l.name, traceShare: l.traceShare, topVectorMass: l.topVectorMass, topEigenvalue: l.topEigenvalue })),
    );
    exporters.set('layerCurvChart', () => ({
      header: ['layer', 'params', 'traceShare', 'trace', 'topEigenvalue', 'topVectorMass'],
      rows: curv.map(l => [l.name, l.params, l.traceShare ?? null, l.trace ?? null, l.topEigenvalue ?? null, l.topVectorMass ?? null]),
      json: curv,
    }));
  }
  const notices = document.getElementById('notices')!;
  notices.replaceChildren(
    ...(r?.notices ?? []).map(n => el('p', { className: 'notice' }, n)),
    r ? el('p', { className: 'muted' }, `Data: ${r.data.file} (seed ${r.data.seed}). Loss: ${r.lossFunction.reason}.`) : '',
  );
}

/**
 * What theory says about this network: the rules whose assumptions hold (or partly hold), each
 * with its status, statement and paper; the rules that do not apply are counted, not listed.
 */
function theoryNotes(rules: readonly TheoryRule[] | undefined): HTMLElement | null {
  if (!Array.isArray(rules) || rules.length === 0) return null;
  const shown = rules.filter(x => x.status !== 'does not apply');
  const skipped = rules.length - shown.length;
  return el(
    'details',
    { id: 'theory', open: host.standalone },
    el('summary', {}, `What theory says (${shown.length} of ${rules.length} results apply)`),
    el(
      'ul',
      { className: 'theory' },
      ...shown.map(x =>
        el(
          'li',
          { 'data-status': x.status, title: `Assumptions: ${x.assumptions}\nEvidence: ${x.evidence}` },
          el('strong', {}, `[${x.status}]`),
          ` ${x.statement} `,
          el('span', { className: 'muted' }, `— ${x.paper}`),
        ),
      ),
    ),
    skipped
      ? el(
          'p',
          { className: 'muted' },
          `${skipped} result${skipped === 1 ? '' : 's'} whose assumptions do not hold for this network: not listed.`,
        )
      : null,
  );
}

function slice2dOf(r: DiagnoseResult | null | undefined): Slice2D | undefined {
  return r?.slices?.find((s): s is Slice2D => s.kind === '2d');
}

function drawHeatmap(s: Slice2D, t: ReturnType<typeof theme>): void {
  const canvas = canvasById('slice2d')!;
  const box = canvas.parentElement!;
  const size = Math.max(240, Math.min(box.clientWidth || 400, 480));
  const dpr = window.devicePixelRatio || 1;
  canvas.width = size * dpr;
  canvas.height = size * dpr;
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size, size);
  const pad = { l: 36, r: 74, t: 10, b: 30 }; // the right margin holds the colour scale
  const w = size - pad.l - pad.r,
    h = size - pad.t - pad.b;
  const nA = s.a.length,
    nB = s.b.length;
  const flat = s.loss.flat().filter(Number.isFinite);
  const lo = Math.min(...flat),
    hi = Math.max(...flat);
  const eps = (hi - lo) * 1e-3 + 1e-12;
  const tr = (v: number) => Math.log(Math.max(v - lo, 0) + eps); // log colour scale above the minimum
  const tlo = tr(lo),
    thi = tr(hi);
  const lossAt = (u: number) => lo + Math.exp(tlo + u * (thi - tlo)) - eps; // the loss at colour position u ∈ [0, 1]
  const cw = w / nA,
    chh = h / nB;
  for (let j = 0; j < nB; j++)
    for (let i = 0; i < nA; i++) {
      const v = s.loss[j][i];
      ctx.fillStyle = Number.isFinite(v) ? heatmapColor((tr(v) - tlo) / (thi - tlo || 1)) : t.bg;
      ctx.fillRect(pad.l + i * cw, pad.t + (nB - 1 - j) * chh, Math.ceil(cw), Math.ceil(chh));
    }
  // contours at 8 levels (log-spaced above the minimum), marching squares on cell centres
  ctx.strokeStyle = t.hc ? t.fg : 'rgba(255,255,255,0.75)';
  ctx.lineWidth = t.hc ? 1.5 : 1;
  const X = (i: number) => pad.l + (i + 0.5) * cw,
    Y = (j: number) => pad.t + (nB - 1 - j + 0.5) * chh;
  for (let k = 1; k <= 8; k++) {
    const level = lo + (Math.exp(tlo + ((thi - tlo) * k) / 9) - Math.exp(tlo));
    ctx.beginPath();
    for (const [x1, y1, x2, y2] of contourSegments(s.loss, level)) {
      ctx.moveTo(X(x1), Y(y1));
      ctx.lineTo(X(x2), Y(y2));
    }
    ctx.stroke();
  }
  // θ at the centre, axes
  ctx.fillStyle = t.fg;
  ctx.strokeStyle = t.fg;
  ctx.beginPath();
  ctx.arc(pad.l + w / 2, pad.t + h / 2, 4, 0, 2 * Math.PI);
  ctx.fill();
  ctx.font = `11px ${css('--vscode-font-family', 'sans-serif')}`;
  ctx.fillText(String(s.a[0]), pad.l, size - 12);
  ctx.fillText(String(s.a[nA - 1]), pad.l + w - 10, size - 12);
  ctx.fillText('direction 1', pad.l + w / 2 - 25, size - 12);
  ctx.save();
  ctx.translate(12, pad.t + h / 2 + 25);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('direction 2', 0, 0);
  ctx.restore();
  // colour scale: the colour bar with the loss at five positions (the scale is logarithmic above the minimum)
  const bx = pad.l + w + 12,
    bw = 10;
  for (let k = 0; k < h; k++) {
    ctx.fillStyle = heatmapColor(1 - k / (h - 1));
    ctx.fillRect(bx, pad.t + k, bw, 1.5);
  }
  ctx.strokeStyle = t.grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(bx, pad.t, bw, h);
  ctx.fillStyle = t.fg;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  const barTicks = [0, 0.25, 0.5, 0.75, 1].map(u => ({ u, loss: lossAt(u) }));
  for (const b of barTicks) {
    const y = pad.t + (1 - b.u) * h;
    ctx.fillRect(bx + bw, y - 0.5, 3, 1);
    ctx.fillText(fmt(b.loss, 3), bx + bw + 5, y);
  }
  ctx.save();
  ctx.translate(size - 1, pad.t + h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillStyle = t.muted;
  ctx.fillText('loss (log scale above min)', 0, 0);
  ctx.restore();
  ctx.textBaseline = 'alphabetic';
  canvas.dataset.colorbar = JSON.stringify(barTicks);
  canvas.setAttribute(
    'aria-label',
    `2-D loss slice: ${nA}×${nB} grid, loss from ${fmt(lo)} to ${fmt(hi)}; colour scale from ${fmt(lo)} (dark) to ${fmt(hi)} (yellow)`,
  );
  exporters.set('slice2d', () => ({
    header: ['a', 'b', 'loss'],
    rows: s.b.flatMap((b, j) => s.a.map((a, i) => [a, b, s.loss[j][i]])),
    json: s,
  }));
}

function drawAcross(): void {
  const t = theme();
  const derived = new Set(surgery.flatMap(r => r.outFiles));
  const withStep = ckpts.filter(c => c.result && !derived.has(c.path)).map((c, i) => ({ c, x: c.step ?? i }));
  const extra = ckpts
    .filter(c => c.result?.hessian?.top?.[0] && derived.has(c.path))
    .map(c => ({ x: c.step ?? 0, y: c.result!.hessian!.top[0].value, rel: c.rel }));
  const lamPts = withStep.filter(p => p.c.result!.hessian?.top?.[0]);
  const lam = lamPts.map(p => ({ x: p.x, y: p.c.result!.hessian!.top[0].value }));
  const sh = withStep
    .filter(p => p.c.result!.sharpness?.keskar?.length)
    .map(p => ({
      x: p.x,
      y: (p.c.result!.sharpness!.keskar.find(k => k.subspace === null && k.epsilon === 1e-3) ?? p.c.result!.sharpness!.keskar[0]).value,
    }));
  const tr = withStep.filter(p => p.c.result!.hessian?.trace).map(p => ({ x: p.x, y: p.c.result!.hessian!.trace!.estimate }));
  setEmpty('acrossChart', lam.length + sh.length === 0, EMPTY.acrossChart);
  if (lam.length + sh.length) {
    const o = baseOptions(t, { xTitle: 'step', yTitle: 'λ_max' })!;
    (o.scales as Record<string, unknown>).y2 = {
      position: 'right',
      ticks: { color: t.fg, callback: (v: number | string) => fmt(Number(v), 3) },
      grid: { drawOnChartArea: false },
      title: { display: true, text: 'ε-sharpness', color: t.muted },
    };
    singlePointAxes(
      o,
      [...lam, ...sh].map(p => p.x),
      { y: lam.map(p => p.y), y2: sh.map(p => p.y) },
    );
    upsert('acrossChart', {
      type: 'line',
      data: {
        datasets: [
          // points coloured by the checkpoint's verdict
          {
            label: 'λ_max',
            data: lam,
            borderColor: t.palette[0],
            backgroundColor: lamPts.map(p => verdictColor(p.c.result!.verdict?.kind, t)),
            pointBorderColor: t.palette[0],
            pointRadius: 5,
            borderWidth: 2,
          },
          ...(extra.length
            ? [
                {
                  label: 'λ_max after surgery (new checkpoints)',
                  data: extra,
                  borderColor: t.palette[4],
                  backgroundColor: t.palette[4],
                  pointRadius: 5,
                  pointStyle: 'triangle',
                  showLine: false,
                },
              ]
            : []),
          ...(sh.length
            ? [
                {
                  label: 'ε-sharpness (ε=1e-3)',
                  data: sh,
                  borderColor: t.palette[1],
                  backgroundColor: t.palette[1],
                  pointRadius: 4,
                  borderWidth: 2,
                  yAxisID: 'y2',
                },
              ]
            : []),
        ],
      },
      options: o,
    });
    exporters.set('acrossChart', () => ({
      header: ['step', 'lambda_max', 'sharpness', 'trace'],
      rows: withStep.map(p => [
        p.x,
        p.c.result!.hessian?.top?.[0]?.value ?? null,
        sh.find(s => s.x === p.x)?.y ?? null,
        tr.find(s => s.x === p.x)?.y ?? null,
      ]),
      json: { lambdaMax: lam, sharpness: sh, trace: tr },
    }));
  }
  drawEdgeOfStability(withStep, t);
  drawSpecialAcross(withStep, t);
  const pgb = withStep.filter(p => typeof p.c.result!.pgb?.residual === 'number').map(p => ({ x: p.x, y: p.c.result!.pgb!.residual! }));
  setEmpty('pgbChart', pgb.length === 0, EMPTY.pgbChart);
  if (pgb.length) {
    const po = baseOptions(t, { xTitle: 'step', yTitle: 'residual' })!;
    singlePointAxes(
      po,
      pgb.map(p => p.x),
      { y: pgb.map(p => p.y) },
    );
    upsert('pgbChart', {
      type: 'line',
      data: { datasets: [{ label: 'PGB residual', data: pgb, borderColor: t.palette[3], backgroundColor: t.palette[3], pointRadius: 4 }] },
      options: po,
    });
    exporters.set('pgbChart', () => ({ header: ['step', 'residual'], rows: pgb.map(p => [p.x, p.y]), json: pgb }));
  }
}

/**
 * max|a_k| of the special neurons across checkpoints (Kawaguchi & Kaelbling 2020: a = 0 at a local minimum of the augmented loss);
 * the panel only for runs that have them.
 */
function drawSpecialAcross(withStep: { c: Ckpt; x: number }[], t: ReturnType<typeof theme>): void {
  const pts = withStep.flatMap(p =>
    p.c.result?.specialNeurons ? [{ x: p.x, y: p.c.result.specialNeurons.maxAbsA, share: p.c.result.specialNeurons.outputShare }] : [],
  );
  const panel = document.getElementById('specialChart-panel');
  if (panel) panel.hidden = pts.length === 0;
  if (!pts.length) return;
  const o = baseOptions(t, { xTitle: 'step', yTitle: 'max|a_k|' })!;
  singlePointAxes(
    o,
    pts.map(p => p.x),
    { y: pts.map(p => p.y) },
  );
  upsert('specialChart', {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'max|a_k|',
          data: pts.map(p => ({ x: p.x, y: p.y })),
          borderColor: t.palette[4],
          backgroundColor: t.palette[4],
          pointRadius: 4,
          borderWidth: 2,
        },
      ],
    },
    options: o,
  });
  exporters.set('specialChart', () => ({ header: ['step', 'maxAbsA', 'outputShare'], rows: pts.map(p => [p.x, p.y, p.share]), json: pts }));
}

/** Sensible ticks when a trend chart has one point (or equal values): the value in the middle of a padded range. */
function singlePointAxes(o: NonNullable<ChartConfiguration['options']>, xs: number[], ys: Record<string, number[]>): void {
  const sc = o.scales as Record<string, Record<string, unknown>>;
  const set = (axis: string, r: ReturnType<typeof singlePointRange>) => {
    if (!r || !sc[axis]) return;
    sc[axis].min = r.min;
    sc[axis].max = r.max;
    sc[axis].ticks = { ...(sc[axis].ticks as object), stepSize: r.step };
  };
  set('x', singlePointRange(xs, 1));
  for (const [axis, v] of Object.entries(ys)) set(axis, singlePointRange(v));
}

/** λ_max across checkpoints against 2/η from the logged learning rate (Cohen et al. 2021); the sentence below the chart. */
function drawEdgeOfStability(withStep: { c: Ckpt; x: number }[], t: ReturnType<typeof theme>): void {
  const sentence = document.getElementById('eosSentence');
  const eos = edgeOfStability(
    series,
    withStep.map(p => ({ step: p.c.step, lambdaMax: p.c.result!.hessian?.top?.[0]?.value ?? null, label: p.c.rel })),
  );
  if (sentence) sentence.textContent = eos && eos.points.length ? eos.sentence : '';
  setEmpty(
    'eosChart',
    !eos || eos.points.length === 0,
    !eos
      ? 'The logs of this run carry no learning rate (a series named like lr or learning_rate): ' +
          'log it to compare λ_max with 2/η, the edge of stability of gradient descent.'
      : eos.sentence,
  );
  const canvas = canvasById('eosChart');
  if (canvas) canvas.dataset.eos = JSON.stringify(eos ? { tag: eos.tag, points: eos.points, sentence: eos.sentence } : null);
  if (!eos || eos.points.length === 0) return;
  const xs = eos.points.map(p => p.step);
  const xlo = Math.min(...xs),
    xhi = Math.max(...xs);
  // 2/η along the log (decimated), limited to a margin around the checkpoints so the chart stays readable
  const margin = Math.max(1, (xhi - xlo) * 0.1);
  const curve = eos.thresholdCurve.filter(q => q.step >= xlo - margin && q.step <= xhi + margin);
  const d = decimate(
    curve.map(q => q.step),
    curve.map(q => q.value),
    500,
  );
  const o = baseOptions(t, { xTitle: 'step', yTitle: 'curvature' })!;
  singlePointAxes(o, xs, { y: [...eos.points.map(p => p.lambdaMax), ...d.y] });
  o.plugins!.tooltip = {
    callbacks: {
      title: k => (k[0] ? `step ${fmt(k[0].parsed.x as number)}` : ''),
      label: k => {
        if (k.datasetIndex === 0) {
          const p = eos.points[k.dataIndex];
          return (
            `λ_max: ${fmt(p.lambdaMax)} (2/η = ${fmt(p.threshold)}, η = ${fmt(p.lr)} logged at step ${p.lrStep}; ` +
            `λ_max·η/2 = ${fmt(p.ratio)})`
          );
        }
        return `${k.dataset.label}: ${fmt(k.parsed.y as number)}`;
      },
    },
  };
  upsert('eosChart', {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'λ_max',
          data: eos.points.map(p => ({ x: p.step, y: p.lambdaMax })),
          borderColor: t.palette[0],
          backgroundColor: eos.points.map(p => (p.atEdge ? t.palette[4] : t.palette[0])),
          pointRadius: 5,
          pointStyle: eos.points.map(p => (p.atEdge ? 'triangle' : 'circle')),
          borderWidth: 2,
        },
        {
          label: `2/η (η = ${eos.tag})`,
          data: d.x.map((x, k) => ({ x, y: d.y[k] })),
          borderColor: t.palette[4],
          backgroundColor: t.palette[4],
          borderDash: [6, 4],
          pointRadius: d.x.length === 1 ? 3 : 0,
          borderWidth: 1.5,
          stepped: 'before',
        },
        {
          label: `${Math.round((1 - eos.tolerance) * 100)} % of 2/η`,
          data: d.x.map((x, k) => ({ x, y: (1 - eos.tolerance) * d.y[k] })),
          borderColor: hexA(t.palette[4], 0.45),
          backgroundColor: hexA(t.palette[4], 0.45),
          borderDash: [2, 3],
          pointRadius: 0,
          borderWidth: 1,
          stepped: 'before',
        },
      ] as ChartDataset<'line'>[],
    },
    options: o,
  });
  exporters.set('eosChart', () => ({
    header: ['step', 'lambda_max', 'lr', 'lr_step', 'two_over_lr', 'ratio', 'at_edge'],
    rows: eos.points.map(p => [p.step, p.lambdaMax, p.lr, p.lrStep, p.threshold, p.ratio, p.atEdge ? 1 : 0]),
    json: eos,
  }));
}

function drawSurgery(): void {
  const t = theme();
  const list = document.getElementById('surgeryList');
  if (!list) return;
  // the report records no surgery: no panel for actions it cannot take
  const panel = document.getElementById('surgery-panel');
  if (panel) panel.hidden = host.standalone && surgery.length === 0;
  const recs = [...surgery].reverse();
  list.replaceChildren(
    ...recs.map(r =>
      el(
        'li',
        { className: 'surgery-item', 'data-kind': r.kind },
        el(
          'div',
          {},
          el('strong', {}, r.kind === 'specialNeurons' ? 'Special neurons' : 'Perturbation'),
          ` · ${r.rel} → ${r.outRel.filter(f => !/\.bin$/.test(f)).join(', ')} · `,
          el('span', { className: 'muted' }, new Date(r.at).toLocaleString()),
        ),
        el('ul', {}, ...r.summary.map(x => el('li', {}, x))),
      ),
    ),
  );
  // the newest record with a curve: fine-tuning (max|a|, penalty, L(θ), objective) or retraining after a perturbation
  const curveOf = (r: SurgeryEntry) => (r.kind === 'specialNeurons' ? r.result.training?.curve.length : r.result.retrain?.curve.length);
  const withCurve = recs.find(r => curveOf(r));
  setEmpty(
    'surgeryChart',
    !withCurve,
    surgery.length
      ? 'The actions so far have no curve (no fine-tuning or retraining steps).'
      : 'Nothing done to this run yet: “Add special neurons…” or “Perturb weights…” write new checkpoints beside the selected one, ' +
          'and their measured effects appear here.',
  );
  if (!withCurve) return;
  const o = baseOptions(t, { xTitle: 'step', logY: true })!;
  if (withCurve.kind === 'specialNeurons') {
    const c = withCurve.result.training!.curve;
    const ds = [
      {
        label: 'max|a_k|',
        data: c.map(p => ({ x: p.step, y: p.maxAbsA > 0 ? p.maxAbsA : null })),
        borderColor: t.palette[4],
        backgroundColor: t.palette[4],
      },
      {
        label: 'penalty (λ/2)Σa_k²',
        data: c.map(p => ({ x: p.step, y: p.penalty > 0 ? p.penalty : null })),
        borderColor: t.palette[2],
        backgroundColor: t.palette[2],
      },
      {
        label: 'L(θ) of the original network',
        data: c.map(p => ({ x: p.step, y: p.originalLoss })),
        borderColor: t.palette[0],
        backgroundColor: t.palette[0],
      },
      {
        label: 'augmented objective',
        data: c.map(p => ({ x: p.step, y: p.objective })),
        borderColor: t.palette[1],
        backgroundColor: t.palette[1],
        borderDash: [4, 3],
      },
    ].map(d => ({ ...d, pointRadius: 0, borderWidth: 2 }));
    upsert('surgeryChart', { type: 'line', data: { datasets: ds as ChartDataset<'line'>[] }, options: o });
    exporters.set('surgeryChart', () => ({
      header: ['step', 'objective', 'penalty', 'maxAbsA', 'originalLoss'],
      rows: c.map(p => [p.step, p.objective, p.penalty, p.maxAbsA, p.originalLoss]),
      json: withCurve,
    }));
  } else {
    const c = withCurve.result.retrain!.curve;
    const before = withCurve.result.lossBefore;
    upsert('surgeryChart', {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'loss while retraining from the perturbed point',
            data: c.map((y, x) => ({ x, y })),
            borderColor: t.palette[0],
            backgroundColor: t.palette[0],
            pointRadius: 0,
            borderWidth: 2,
          },
          ...(before !== undefined
            ? [
                {
                  label: 'loss before the perturbation',
                  data: [
                    { x: 0, y: before },
                    { x: c.length - 1, y: before },
                  ],
                  borderColor: t.muted,
                  backgroundColor: t.muted,
                  borderDash: [4, 3],
                  pointRadius: 0,
                  borderWidth: 1,
                },
              ]
            : []),
        ],
      },
      options: o,
    });
    exporters.set('surgeryChart', () => ({ header: ['step', 'loss'], rows: c.map((y, x) => [x, y]), json: withCurve }));
  }
  canvasById('surgeryChart')!.dataset.record = String(withCurve.id);
}

function drawStatus(): void {
  const running = ckpts.filter(c => c.job?.state === 'running'),
    queued = ckpts.filter(c => c.job?.state === 'queued');
  const diagnosing = (c: Ckpt) =>
    `diagnosing ${stepLabel(c)}${c.job!.fraction !== undefined ? ` ${Math.round(c.job!.fraction! * 100)}%` : ''}`;
  const s = document.getElementById('jobStatus');
  if (s)
    s.textContent =
      running.length || queued.length
        ? `${running.map(diagnosing).join(', ')}${queued.length ? ` · ${queued.length} queued` : ''}`
        : `${ckpts.filter(c => c.result).length} of ${ckpts.length} checkpoints diagnosed`;
}

function drawAll(): void {
  drawTags();
  drawCurves();
  drawSelected();
  drawAcross();
  drawSurgery();
  drawStatus();
  if (!painted && (ckpts.some(c => c.result) || series.length)) {
    painted = true;
    requestAnimationFrame(() => {
      host.post({ type: 'painted', ms: performance.now() - T0 });
      document.body.dataset.rendered = 'true';
    });
  }
}

function exportChart(id: string, ext: 'png' | 'csv' | 'json'): void {
  const name = `${state.runName ?? 'run'}-${id}`;
  if (ext === 'png') {
    const c = canvasById(id);
    if (!c) return;
    // paint the theme background under the transparent chart
    const out = document.createElement('canvas');
    out.width = c.width;
    out.height = c.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = theme().bg;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(c, 0, 0);
    host.post({ type: 'export', name, ext, data: out.toDataURL('image/png') });
    return;
  }
  const ex = exporters.get(id)?.();
  if (!ex) return;
  host.post({ type: 'export', name, ext, data: ext === 'csv' ? toCsv(ex.header, ex.rows) : JSON.stringify(ex.json, null, 2) });
}

// ── messages ────────────────────────────────────────────────────────────────────────────────
function handle(m: ToWebview): void {
  switch (m.type) {
    case 'init': {
      // a new run (the report switches runs): charts of the previous layout are dropped
      for (const ch of charts.values()) ch.destroy();
      charts.clear();
      exporters.clear();
      partialTop = undefined;
      state.runDir = m.run.dir;
      state.runName = m.run.name;
      series = m.series;
      ckpts = m.checkpoints;
      surgery = m.surgery;
      if (m.selected !== null) state.selected = m.selected;
      if (!state.selected || !ckpts.some(c => c.path === state.selected))
        state.selected = [...ckpts].reverse().find(c => c.result)?.path ?? ckpts[ckpts.length - 1]?.path ?? null;
      saveState();
      layout();
      document.getElementById('runName')!.textContent = m.run.name;
      document.getElementById('runDir')!.textContent = m.run.dir;
      drawAll();
      if (m.focus !== null) document.getElementById(`${m.focus}-panel`)?.scrollIntoView();
      break;
    }
    case 'series':
      series = m.series;
      drawTags();
      drawCurves();
      drawAcross();
      break;
    case 'checkpoints':
      ckpts = m.checkpoints;
      if (partialTop && ckpts.find(c => c.path === partialTop!.checkpoint)?.result?.hessian) partialTop = undefined;
      if (!state.selected) state.selected = ckpts[ckpts.length - 1]?.path ?? null;
      drawCurves();
      drawSelected();
      drawAcross();
      drawStatus();
      if (!painted) drawAll();
      break;
    case 'surgery':
      surgery = m.surgery;
      drawSurgery();
      drawAcross();
      break;
    case 'select':
      select(m.checkpoint);
      break;
    case 'partial': {
      const v = m.value as LanczosPartial | null;
      if (Array.isArray(v?.top)) {
        partialTop = { checkpoint: m.checkpoint, values: v.top, iterations: v.iterations };
        if (partialTop.checkpoint === state.selected) drawSelected();
      }
      break;
    }
    case 'focus':
      document.getElementById(`${m.section}-panel`)?.scrollIntoView();
      break;
    default: {
      const never: never = m;
      void never;
    }
  }
}

// ── standalone: the HTML report ─────────────────────────────────────────────────────────────
/**
 * The report's header above the dashboard: title, notes, the summary of every checkpoint of every run (a row shows its run and
 * checkpoint), and the run picker.
 */
function reportHeader(rep: ReportHeader): HTMLElement {
  const t = theme();
  const show = (run: number, checkpoint?: string) => {
    const init = rep.runs[run];
    if (!init) return;
    const sel = document.getElementById('runSelect') as HTMLSelectElement | null;
    if (sel) sel.value = String(run);
    handle({ ...init, selected: checkpoint ?? init.selected });
  };
  // summary rows come in the order of the runs' checkpoints
  const where = rep.runs.flatMap((r, ri) => r.checkpoints.map(c => ({ run: ri, path: c.path })));
  const cols: [string, (x: SummaryRow) => string][] = [
    ['run', x => x.run],
    ['checkpoint', x => x.checkpoint],
    ['step', x => (x.step === null ? '—' : String(x.step))],
    ['loss', x => fmt(x.loss)],
    ['‖∇L‖', x => fmt(x.gradNorm, 3)],
    ['λ_max', x => fmt(x.lambdaMax)],
    ['λ_min', x => fmt(x.lambdaMin, 3)],
    ['trace', x => fmt(x.trace)],
    ['ε-sharpness (10⁻³)', x => fmt(x.keskar, 3)],
    ['PGB r/L', x => fmt(x.pgbRelative, 3)],
    ['max|a_k|', x => fmt(x.maxAbsA, 3)],
  ];
  const verdictCell = (x: SummaryRow) => {
    if (x.error) return el('td', { className: 'error' }, 'error: ', x.error);
    const mark = el('span', {}, x.verdict ? '◆ ' : '');
    mark.style.color = verdictColor(x.verdict, t);
    return el(
      'td',
      {},
      mark,
      x.verdict || '—',
      x.confidence !== null && x.verdict && claimsSomething(x.verdict)
        ? el('span', { className: 'muted' }, ` (${pct(x.confidence)})`)
        : null,
    );
  };
  const body = rep.summary.map((x, i) =>
    el(
      'tr',
      {
        className: 'summary-row',
        tabIndex: 0,
        title: 'Show this checkpoint below',
        onclick: () => {
          const w = where[i];
          if (w) {
            show(w.run, w.path);
            document.getElementById('checkpoint-panel')?.scrollIntoView();
          }
        },
      },
      ...cols.map(([, f], k) => el('td', { className: k >= 2 ? 'n' : '' }, f(x))),
      verdictCell(x),
    ),
  );
  const runSelect =
    rep.runs.length > 1
      ? el(
          'label',
          { className: 'ctl' },
          'Run shown below: ',
          el(
            'select',
            {
              id: 'runSelect',
              'aria-label': 'Run shown below',
              onchange: (e: Event) => show(Number((e.target as HTMLSelectElement).value)),
            },
            ...rep.runs.map((r, i) =>
              el(
                'option',
                { value: String(i) },
                `${r.run.name} (${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? '' : 's'})`,
              ),
            ),
          ),
        )
      : null;
  return el(
    'section',
    { className: 'report-header', id: 'report-header' },
    el('h1', { id: 'reportTitle' }, rep.title),
    el(
      'p',
      { className: 'muted' },
      `${rep.subtitle ? `${rep.subtitle} ` : ''}Generated ${rep.generatedAt} by Landscape Lens; ` +
        `self-contained (the dashboard and the data are inlined; read-only).`,
    ),
    ...rep.notes.map(n => el('p', { className: 'notice' }, n)),
    el('h2', {}, 'Summary'),
    el(
      'table',
      { id: 'summary' },
      el('thead', {}, el('tr', {}, ...cols.map(([h]) => el('th', {}, h)), el('th', {}, 'verdict'))),
      el('tbody', {}, ...body),
    ),
    runSelect,
  );
}

function startStandalone(): void {
  const data = document.getElementById(REPORT_DATA_ID)?.textContent;
  if (!data) {
    document
      .getElementById('app')
      ?.replaceChildren(
        el('p', { className: 'error' }, 'No data: this page is the Landscape Lens dashboard, opened outside VS Code and outside a report.'),
      );
    return;
  }
  const rep = JSON.parse(data) as ReportHeader;
  document.body.classList.add('standalone');
  const app = document.getElementById('app')!;
  app.before(reportHeader(rep));
  if (rep.runs[0]) handle(rep.runs[0]);
  else app.replaceChildren(el('p', { className: 'muted' }, 'No runs in this report.'));
  // the report follows the system's light / dark preference (the page's CSS does); recolour the charts
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    drawAll();
  });
}

window.addEventListener('message', (ev: MessageEvent<ToWebview>) => {
  const m = ev.data;
  // messages come from the extension; anything else posted to the window is ignored
  if (!m || typeof m !== 'object' || typeof m.type !== 'string') return;
  handle(m);
});

// theme changes: VS Code swaps the body classes and variables; recolour everything
new MutationObserver(() => {
  if (ckpts.length || series.length) {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    drawAll();
  }
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    const c = selectedCkpt();
    const s2 = slice2dOf(c?.result);
    if (s2) drawHeatmap(s2, theme());
  }, 100);
});

if (host.standalone) startStandalone();
else host.post({ type: 'ready' });
