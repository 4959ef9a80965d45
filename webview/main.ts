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
import type { Chart, ChartDataset } from 'chart.js';
import { smooth, clipRange, xValues, decimate, SmoothingMode, XMode } from './smooth';
import { fmt, fmtMs, pct } from '../src/shared/format';
import { REPORT_DATA_ID } from '../src/shared/protocol';
import type { LanczosPartial, ReportHeader, SeriesPayload, ToWebview } from '../src/shared/protocol';
import type { TheoryRule } from '../src/core/diagnostics/theory';
import { claimsSomething } from '../src/core/diagnostics/verdict';
import { verdictOf, evaluationLine } from '../src/shared/resultView';
import { isProvisional, provisionalKind, NEED_ACTIONS } from '../src/shared/verdictLabel';
import { singlePointRange } from './scales';
import { isLearningRateTag } from '../src/core/diagnostics/edgeOfStability';
import { host, state, run, saveState, selectedCkpt, stepLabel, derivedPaths, type Ckpt } from './state';
import { el, canvasById, checkbox, setEmpty, theme, hexA } from './dom';
import { charts, exporters, upsert, baseOptions, chartBox, exportButtons, seriesColor, verdictColor, verdictText } from './charts';
import { SECTIONS, type View } from './sections';
import { headlineCards } from './cards';
import { surgeryPanel, drawSurgery } from './surgeryPanel';
import { reportHeader } from './reportHeader';

const T0 = performance.now();

let painted = false;
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
        ...exportButtons('curveChart', 'training curves'),
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
      // the chart sections (webview/sections/index.ts), each in its panel
      ...SECTIONS.map(s => (s.box ? s.box(s.scope === 'checkpoint' ? drawSelected : drawAcross) : chartBox(s.id, s.title))),
    ),
    surgeryPanel(),
    el('div', { id: 'notices' }),
  );
  const canvas = canvasById('curveChart')!;
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
  if (!run.ckpts.some(c => c.path === p)) return;
  state.selected = p;
  saveState();
  host.post({ type: 'select', checkpoint: p });
  drawSelected();
  drawCurves();
}

// ── training curves ─────────────────────────────────────────────────────────────────────────
function drawTags(): void {
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

function drawCurves(): void {
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
      ...run.ckpts.map(c =>
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
  // the number cards (webview/cards.ts; the headline numbers from src/shared/headline.ts)
  document.getElementById('cards')!.replaceChildren(...headlineCards(r).map(k => card(k.label, k.value, k.id, k.title, k.raw)));
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
  if (c?.need && !r) vEl.append(needBlock(c));
  else if (c?.error && !r) vEl.append(el('p', { className: 'error', id: 'ckptError' }, `Diagnosis failed: ${c.error}`));
  if (v) {
    const provisional = isProvisional(r, v);
    vEl.append(
      el(
        'div',
        { className: 'verdict-card', id: 'verdictCard' },
        el(
          'div',
          { className: 'verdict-kind' },
          `Verdict: ${provisionalKind(v.kind, provisional)}`,
          v.confidence !== undefined && claimsSomething(v.kind)
            ? el('span', { className: 'muted' }, ` (confidence ${typeof v.confidence === 'number' ? pct(v.confidence) : v.confidence})`)
            : null,
        ),
        provisional
          ? el(
              'p',
              { className: 'muted', id: 'provisionalNote' },
              'Quick, provisional: λ_min is only estimated from the λ_max Krylov space; ' +
                'a full diagnosis computes it and could change this verdict.',
            )
          : null,
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

  // the chart sections of the selected checkpoint
  const view = currentView();
  for (const s of SECTIONS) if (s.scope === 'checkpoint') s.draw(view, t);
  const notices = document.getElementById('notices')!;
  notices.replaceChildren(
    ...(r?.notices ?? []).map(n => el('p', { className: 'notice' }, n)),
    r ? el('p', { className: 'muted' }, `Data: ${r.data.file} (seed ${r.data.seed}). Loss: ${r.lossFunction.reason}.`) : '',
  );
}

/**
 * A checkpoint that lacks an input (a weights-only file's architecture, then data): its message and, in the
 * editor, the buttons that supply it (src/shared/verdictLabel.ts NEED_ACTIONS, run by the panel host); the
 * standalone report shows the message only.
 */
function needBlock(c: Ckpt): HTMLElement {
  const need = c.need!;
  return el(
    'div',
    { className: 'need', id: 'ckptNeed', role: 'status' },
    el('p', { className: 'warn' }, c.error ?? (need === 'architecture' ? 'A weights-only checkpoint: no architecture.' : 'No data found.')),
    host.standalone
      ? null
      : el(
          'div',
          { className: 'need-actions' },
          ...NEED_ACTIONS[need].map(([label, command]) =>
            el(
              'button',
              { className: 'tool', 'data-command': command, onclick: () => host.post({ type: 'need', command, checkpoint: c.path }) },
              label,
            ),
          ),
        ),
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

/** What the sections draw from: the selected checkpoint and the run's diagnosed checkpoints that are not outputs of actions. */
function currentView(): View {
  const c = selectedCkpt();
  const derived = derivedPaths();
  const withStep = run.ckpts.filter(x => x.result && !derived.has(x.path)).map((x, i) => ({ c: x, x: x.step ?? i }));
  return { c, r: c?.result ?? null, withStep, derived };
}

/** The chart sections across the run's checkpoints. */
function drawAcross(): void {
  const t = theme();
  const view = currentView();
  for (const s of SECTIONS) if (s.scope === 'run') s.draw(view, t);
}

function drawStatus(): void {
  const running = run.ckpts.filter(c => c.job?.state === 'running'),
    queued = run.ckpts.filter(c => c.job?.state === 'queued');
  const diagnosing = (c: Ckpt) =>
    `diagnosing ${stepLabel(c)}${c.job!.fraction !== undefined ? ` ${Math.round(c.job!.fraction! * 100)}%` : ''}`;
  const s = document.getElementById('jobStatus');
  if (s)
    s.textContent =
      running.length || queued.length
        ? `${running.map(diagnosing).join(', ')}${queued.length ? ` · ${queued.length} queued` : ''}`
        : `${run.ckpts.filter(c => c.result).length} of ${run.ckpts.length} checkpoints diagnosed`;
}

function drawAll(): void {
  drawTags();
  drawCurves();
  drawSelected();
  drawAcross();
  drawSurgery();
  drawStatus();
  if (!painted && (run.ckpts.some(c => c.result) || run.series.length)) {
    painted = true;
    requestAnimationFrame(() => {
      host.post({ type: 'painted', ms: performance.now() - T0 });
      document.body.dataset.rendered = 'true';
    });
  }
}

// ── messages ────────────────────────────────────────────────────────────────────────────────
function handle(m: ToWebview): void {
  switch (m.type) {
    case 'init': {
      // a new run (the report switches runs): charts of the previous layout are dropped
      for (const ch of charts.values()) ch.destroy();
      charts.clear();
      exporters.clear();
      run.partialTop = undefined;
      state.runDir = m.run.dir;
      state.runName = m.run.name;
      run.series = m.series;
      run.ckpts = m.checkpoints;
      run.surgery = m.surgery;
      if (m.selected !== null) state.selected = m.selected;
      if (!state.selected || !run.ckpts.some(c => c.path === state.selected))
        state.selected = [...run.ckpts].reverse().find(c => c.result)?.path ?? run.ckpts[run.ckpts.length - 1]?.path ?? null;
      saveState();
      layout();
      document.getElementById('runName')!.textContent = m.run.name;
      document.getElementById('runDir')!.textContent = m.run.dir;
      drawAll();
      if (m.focus !== null) document.getElementById(`${m.focus}-panel`)?.scrollIntoView();
      break;
    }
    case 'series':
      run.series = m.series;
      drawTags();
      drawCurves();
      drawAcross();
      break;
    case 'checkpoints':
      run.ckpts = m.checkpoints;
      if (run.partialTop && run.ckpts.find(c => c.path === run.partialTop!.checkpoint)?.result?.hessian) run.partialTop = undefined;
      if (!state.selected) state.selected = run.ckpts[run.ckpts.length - 1]?.path ?? null;
      drawCurves();
      drawSelected();
      drawAcross();
      drawStatus();
      if (!painted) drawAll();
      break;
    case 'surgery':
      run.surgery = m.surgery;
      drawSurgery();
      drawAcross();
      break;
    case 'select':
      select(m.checkpoint);
      break;
    case 'partial': {
      const v = m.value as LanczosPartial | null;
      if (Array.isArray(v?.top)) {
        run.partialTop = { checkpoint: m.checkpoint, values: v.top, iterations: v.iterations };
        if (run.partialTop.checkpoint === state.selected) drawSelected();
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
  app.before(reportHeader(rep, handle));
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
  if (run.ckpts.length || run.series.length) {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    drawAll();
  }
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    // the sections drawn by hand on their canvas (the heat map) follow the panel's width
    const view = currentView(),
      t = theme();
    for (const s of SECTIONS) s.resize?.(view, t);
  }, 100);
});

if (host.standalone) startStandalone();
else host.post({ type: 'ready' });
