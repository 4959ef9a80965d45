/**
 * The dashboard's charts: Chart.js with its plugins (reference lines and bands, value labels on
 * bars, axis ranges and checkpoint-marker positions written on the canvas for tests and tools), the
 * one chart per canvas (`upsert`), the base options every chart starts from, the exporters (PNG,
 * CSV, JSON) and the panel of a chart (`chartBox`: title, export buttons, canvas, empty text).
 * Colours of verdicts and series.
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
  ChartConfiguration,
} from 'chart.js';
import { toCsv } from './csv';
import { fmt } from '../src/shared/format';
import { isVerdictKind, type VerdictKind } from '../src/core/diagnostics/verdict';
import { verdictOf } from '../src/shared/resultView';
import { needTitle, verdictLong } from '../src/shared/verdictLabel';
import { singlePointRange } from './scales';
import { el, canvasById, theme, type Theme } from './dom';
import { host, state, type Ckpt } from './state';

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

export const charts = new Map<string, Chart>();
export type Exporter = () => { header: string[]; rows: (string | number | null)[][]; json: unknown };
export const exporters = new Map<string, Exporter>();

export interface RefLine {
  value: number;
  label: string;
  color: string;
  dash?: number[];
}
export interface RefBand {
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
export const extras = new Map<string, Extras>();
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
export function verdictColor(kind: string | undefined, t: Theme): string {
  const slot = kind !== undefined && isVerdictKind(kind) ? VERDICT_COLOR[kind] : undefined;
  return slot === undefined ? t.muted : t.palette[slot];
}
/**
 * A checkpoint marker's tooltip, as the hovers say it (src/shared/verdictLabel.ts): "saddle (93 %)", a quick
 * verdict as provisional ("local minimum? (35 %) — quick, provisional …"), what a weights-only file lacks.
 */
export function verdictText(c: Ckpt | undefined): string {
  const v = c?.result ? verdictOf(c.result) : undefined;
  if (v) return verdictLong(c?.result, v);
  return c?.need ? needTitle(c.need) : c?.error ? 'diagnosis failed' : 'not diagnosed';
}
/** What an empty chart says: why it is empty and how to fill it. */

/** The PNG, CSV and JSON export buttons of chart `id` (`what` names it in their labels). */
export function exportButtons(id: string, what: string): HTMLElement[] {
  return (['png', 'csv', 'json'] as const).map(ext => {
    const label = `Export ${what}${ext === 'png' ? '' : ' data'} as ${ext.toUpperCase()}`;
    return el('button', { className: 'tool', title: label, 'aria-label': label, onclick: () => exportChart(id, ext) }, ext.toUpperCase());
  });
}

export function chartBox(id: string, title: string, opts: { tall?: boolean; extra?: Node[]; canvas?: boolean } = {}): HTMLElement {
  const box = el(
    'section',
    { className: 'panel', id: `${id}-panel`, 'aria-labelledby': `${id}-title`, 'data-collapsible': '' },
    el(
      'div',
      { className: 'panel-head' },
      el('h2', { id: `${id}-title` }, title),
      ...(opts.extra ?? []),
      el('span', { className: 'spacer' }),
      ...exportButtons(id, title),
    ),
    el('div', { className: `chart-box${opts.tall ? ' tall' : ''}` }, el('canvas', { id, role: 'img', 'aria-label': title, tabIndex: 0 })),
    el('p', { className: 'muted empty', id: `${id}-empty`, hidden: true }, 'not computed'),
  );
  return box;
}

export function upsert(id: string, config: ChartConfiguration): Chart | undefined {
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

export function baseOptions(
  t: Theme,
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
      : // thinned, never overlapping: labels stay horizontal and Chart.js skips those that would touch (narrow panels, the report)
        { color: t.fg, autoSkip: true, autoSkipPadding: 12, maxRotation: 0 },
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

/** A thin dashed muted line between two points: a reference (the loss before, the straight path between two minima). */
export function referenceLine(label: string, a: { x: number; y: number }, b: { x: number; y: number }, t: Theme) {
  return { label, data: [a, b], borderColor: t.muted, backgroundColor: t.muted, borderDash: [4, 3], pointRadius: 0, borderWidth: 1 };
}

export function seriesColor(i: number, t: Theme): string {
  return t.palette[i % t.palette.length];
}

/** Sensible ticks when a trend chart has one point (or equal values): the value in the middle of a padded range. */
export function singlePointAxes(o: NonNullable<ChartConfiguration['options']>, xs: number[], ys: Record<string, number[]>): void {
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

export function exportChart(id: string, ext: 'png' | 'csv' | 'json'): void {
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
