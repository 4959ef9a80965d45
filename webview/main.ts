/**
 * The Landscape Lens dashboard (bundled to dist/webview.js): one run — the training curves from its
 * logs with checkpoint markers (./curves.ts), the selected checkpoint's numbers and verdict
 * (./checkpointPanel.ts), the chart sections (./sections: eigenvalues streamed as Lanczos
 * converges, spectral density, 1-D and 2-D slices, weight-spectra α, per-layer gradient norms and
 * curvature, λ_max / sharpness / PGB residual across checkpoints, the edge of stability, special
 * neurons, comparisons), and the surgery panel (./surgeryPanel.ts). State: ./state.ts.
 * This file is the message switch (src/shared/protocol.ts) and the loop over the sections.
 * Colours come from VS Code's theme variables and follow theme changes. Without acquireVsCodeApi
 * (the HTML report, src/core/report/html.ts) it runs standalone and read-only: the report's header
 * and summary above, one `init` message per run from the page's JSON, exports as downloads, no actions.
 */
import { REPORT_DATA_ID } from '../src/shared/protocol';
import type { LanczosPartial, ReportHeader, ToWebview } from '../src/shared/protocol';
import { host, state, run, saveState, selectedCkpt, stepLabel, derivedPaths, type Ckpt } from './state';
import { el, theme } from './dom';
import { charts, exporters, chartBox } from './charts';
import { SECTIONS, type View } from './sections';
import { surgeryPanel, drawSurgery } from './surgeryPanel';
import { reportHeader } from './reportHeader';
import { curvesPanel, drawCurves, drawTags } from './curves';
import { checkpointPanel, drawCheckpoint, drawNotices, select } from './checkpointPanel';

const T0 = performance.now();

let painted = false;

function layout(): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
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
    curvesPanel(),
    checkpointPanel(() => {
      drawSelected();
      drawCurves();
    }),
    el(
      'div',
      { className: 'grid' },
      // the chart sections (webview/sections/index.ts), each in its panel
      ...SECTIONS.map(s => (s.box ? s.box(s.scope === 'checkpoint' ? drawSelected : drawAcross) : chartBox(s.id, s.title))),
    ),
    surgeryPanel(),
    el('div', { id: 'notices' }),
  );
}

/** The selected checkpoint: its panel, the chart sections drawn from it, its notices. */
function drawSelected(): void {
  const t = theme();
  drawCheckpoint();
  // the chart sections of the selected checkpoint
  const view = currentView();
  for (const s of SECTIONS) if (s.scope === 'checkpoint') s.draw(view, t);
  drawNotices();
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
