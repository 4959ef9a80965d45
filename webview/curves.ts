/**
 * The training curves of the dashboard: the run's logged series with EMA (debiased) or moving-average
 * smoothing on the full-resolution series, x as step / relative / wall time, log axes, outlier
 * clipping, wheel zoom + drag pan, the series toggles, and the checkpoint markers coloured by verdict
 * (click or arrow keys select a checkpoint: `select` of ./checkpointPanel.ts); checkpoints written by
 * actions (special neurons, perturbations) are their own series of triangles. State: ./state.ts.
 */
import type { Chart, ChartDataset } from 'chart.js';
import { smooth, clipRange, xValues, decimate, SmoothingMode, XMode } from './smooth';
import { fmt } from '../src/shared/format';
import type { SeriesPayload } from '../src/shared/protocol';
import { singlePointRange } from './scales';
import { isLearningRateTag } from '../src/core/diagnostics/edgeOfStability';
import { state, run, saveState, derivedPaths, type Ckpt } from './state';
import { el, checkbox, setEmpty, theme, hexA } from './dom';
import { charts, exporters, upsert, baseOptions, exportButtons, seriesColor, verdictColor, verdictText } from './charts';
import { select } from './checkpointPanel';
import { panelHead } from './panelHead';

/** the checkpoint markers of the training-curve chart (the chart's last dataset) */
let curveMarkers: { x: number; y: number; path: string }[] = [];
/** the legend entry and dataset label of the checkpoints written by actions (their own series on the training curves) */
const DERIVED_LABEL = 'checkpoints written by actions (special neurons, perturbations)';
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

const SMOOTHING_LABELS: Record<SmoothingMode, string> = { none: 'no smoothing', ema: 'EMA (debiased)', ma: 'moving average' };
const X_LABELS: Record<XMode, string> = { step: 'x: step', relative: 'x: relative time', wall: 'x: wall time' };

/** A drop-down of the curves' controls: the choice is saved and the curves redrawn. */
function choice<K extends string>(
  id: string,
  label: string,
  labels: Record<K, string>,
  current: K,
  set: (v: K) => void,
): HTMLSelectElement {
  const keys = Object.keys(labels) as K[];
  return el(
    'select',
    {
      id,
      'aria-label': label,
      onchange: (e: Event) => {
        set((e.target as HTMLSelectElement).value as K);
        saveState();
        drawCurves();
      },
    },
    ...keys.map(v => el('option', { value: v, selected: current === v }, labels[v])),
  );
}

/** The training-curves panel: smoothing / x-axis / log / clip / zoom controls, the series toggles, the chart, the marker legend. */
export function curvesPanel(): HTMLElement {
  const ui = state.ui;
  const smoothSel = choice('smoothing', 'Smoothing', SMOOTHING_LABELS, ui.smoothing, v => (ui.smoothing = v));
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
  const xSel = choice('xaxis', 'x axis', X_LABELS, ui.x, v => {
    ui.x = v;
    ui.zoom = null;
  });
  const panel = el(
    'section',
    { className: 'panel', id: 'curves-panel', 'data-collapsible': '' },
    panelHead(el('h2', { id: 'curves-title' }, 'Training curves'), { tools: exportButtons('curveChart', 'training curves') }),
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
  );
  const canvas = panel.querySelector('canvas')!;
  canvas.addEventListener('keydown', e => {
    const order = run.ckpts.filter(c => c.step !== null);
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
  return panel;
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

/** The series toggles (one per logged tag). */
export function drawTags(): void {
  const box = document.getElementById('tags');
  if (!box) return;
  const t = theme();
  box.replaceChildren(
    ...run.series.map((s, i) => {
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

/** The training curves with the checkpoint markers. */
export function drawCurves(): void {
  const t = theme();
  const ui = state.ui;
  const visible = run.series.map((s, i) => ({ s, i })).filter(({ s }) => !ui.hidden.includes(s.tag));
  setEmpty('curveChart', run.series.length === 0, 'No training logs in this run.');
  if (run.series.length === 0) return;
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
  // checkpoint markers on the first visible curve (at the nearest logged step); checkpoints written by actions (special
  // neurons, perturbations) form their own series at their source's step, drawn under it: they never recolour or hide it
  const derived = derivedPaths();
  const isDerived = (c: Ckpt) => derived.has(c.path) || Boolean(c.derived) || Boolean(c.derivedFrom);
  const markers: { x: number; y: number; path: string; verdict?: string }[] = [];
  const dmarkers: typeof markers = [];
  for (const c of run.ckpts) {
    const step = c.step ?? (isDerived(c) ? (run.ckpts.find(s => s.path === c.derivedFrom)?.step ?? null) : null);
    if (step === null) continue;
    let x = step,
      y = NaN;
    if (first) {
      let best = -1;
      first.steps.forEach((st, k) => {
        if (Number.isFinite(first!.y[k]) && (best < 0 || Math.abs(st - step) < Math.abs(first!.steps[best] - step))) best = k;
      });
      if (best >= 0) {
        y = first.y[best];
        x = ui.x === 'step' ? step : first.x[best];
      }
    }
    if (ui.x === 'wall' && !Number.isFinite(x)) x = c.mtimeMs;
    if (Number.isFinite(x) && Number.isFinite(y))
      (isDerived(c) ? dmarkers : markers).push({ x, y, path: c.path, verdict: c.result?.verdict?.kind });
  }
  const dsel = dmarkers.findIndex(m => m.path === state.selected);
  if (dmarkers.length)
    datasets.push({
      type: 'scatter',
      label: DERIVED_LABEL,
      data: dmarkers.map(m => ({ x: m.x, y: m.y })),
      order: 1,
      // a triangle of its own colour, larger than the source's marker so both stay visible where they coincide
      pointRadius: dmarkers.map((_, k) => (k === dsel ? 11 : 9)),
      pointHoverRadius: 12,
      pointStyle: 'triangle',
      backgroundColor: hexA(t.palette[3], 0.35),
      borderColor: dmarkers.map((_, k) => (k === dsel ? t.fg : t.palette[3])),
      borderWidth: dmarkers.map((_, k) => (k === dsel ? 3 : 2)),
    } as unknown as ChartDataset<'scatter', { x: number; y: number }[]>);
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
        if (c.dataset.label === DERIVED_LABEL) {
          const k = run.ckpts.find(q => q.path === dmarkers[c.dataIndex]?.path);
          return `${k?.derived ?? 'derived checkpoint'} ${k?.rel ?? ''}: ${verdictText(k)}`;
        }
        if (c.dataset.label !== 'checkpoints') return `${c.dataset.label}: ${fmt(c.parsed.y as number)}`;
        const k = run.ckpts.find(q => q.path === markers[c.dataIndex]?.path);
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
    if (best >= 0) return select(markers[best].path);
    // else the nearest derived checkpoint (the dataset before the checkpoints)
    if (!dmarkers.length) return;
    chart.getDatasetMeta(datasets.length - 2).data.forEach((p, k) => {
      const d = Math.hypot(p.x - (e.x ?? -1e9), p.y - (e.y ?? -1e9));
      if (d <= bd) {
        bd = d;
        best = k;
      }
    });
    if (best >= 0) select(dmarkers[best].path);
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
            ...(dmarkers.length
              ? [
                  el(
                    'span',
                    { className: 'marker-kind', 'data-kind': 'derived' },
                    (() => {
                      const d = el('span', {}, '▲');
                      d.style.color = t.palette[3];
                      return d;
                    })(),
                    ` ${DERIVED_LABEL}  `,
                  ),
                ]
              : []),
          ]
        : []),
    );
  }
  upsert('curveChart', { type: 'line', data: { datasets: datasets as ChartDataset<'line'>[] }, options: opts, plugins: [markerPositions] });
  exporters.set('curveChart', () => ({
    header: ['tag', 'step', 'wall_time', 'value', 'smoothed'],
    rows: exportRows,
    json: {
      series: visible.map(v => v.s),
      smoothing: { mode: ui.smoothing, amount: ui.amount },
      checkpoints: markers,
      derivedCheckpoints: dmarkers,
    },
  }));
}
