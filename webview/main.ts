/**
 * The Landscape Lens webview app (bundled to dist/webview.js): receives a diagnose result from
 * the extension and draws it — key numbers, per-layer gradient norms (Chart.js), notices.
 * Chart colours are read from VS Code's theme CSS variables so every theme looks native.
 */
import { Chart, BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, Tooltip, Legend } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, Tooltip, Legend);

interface Result {
  checkpoint: string; format: string; backend: string; params: number; samples: number; loss: number; gradNorm: number;
  lossFunction: { kind: string; reason: string };
  data: { file: string; total: number; seed: number };
  layers: { name: string; params: number; gradNorm: number }[];
  notices: string[]; computedAt: string; timings: { totalMs: number };
}

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
let chart: Chart | undefined;

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(4) : x.toPrecision(6);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

function card(label: string, value: string, id: string): HTMLElement {
  return el('div', { className: 'card' }, el('div', { className: 'label' }, label), el('div', { className: 'value', id }, value));
}

function render(r: Result): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  app.append(
    el('h1', {}, 'Checkpoint diagnostics'),
    el('div', { className: 'path' }, r.checkpoint),
    el('div', { className: 'muted' }, `${r.format} · ${r.params.toLocaleString('en-US')} parameters · ${r.backend} · ${new Date(r.computedAt).toLocaleString()} · ${r.timings.totalMs.toFixed(0)} ms`),
    el('div', { className: 'cards' },
      card(`Loss (${r.lossFunction.kind})`, fmt(r.loss), 'loss'),
      card('Gradient norm ‖∇L‖', fmt(r.gradNorm), 'gradNorm'),
      card('Samples', `${r.samples} of ${r.data.total}`, 'samples'),
      card('Backend', r.backend, 'backend')),
    el('h2', {}, 'Gradient norm per layer'),
    el('div', { className: 'chart-box' }, el('canvas', { id: 'layerChart', role: 'img', ariaLabel: 'Gradient norm per layer' })),
  );
  const tbl = el('table', {}, el('tr', {}, el('th', {}, 'layer'), el('th', {}, 'parameters'), el('th', {}, '‖∇L‖ of the layer')));
  for (const l of r.layers) tbl.append(el('tr', {}, el('td', {}, l.name), el('td', { className: 'num' }, String(l.params)), el('td', { className: 'num' }, fmt(l.gradNorm))));
  app.append(tbl);
  app.append(el('p', { className: 'muted' }, `Data: ${r.data.file} (seed ${r.data.seed}). Loss: ${r.lossFunction.reason}.`));
  for (const n of r.notices) app.append(el('p', { className: 'notice' }, n));

  const fg = css('--vscode-foreground', '#ccc');
  const grid = css('--vscode-panel-border', 'rgba(128,128,128,0.3)');
  const accent = css('--vscode-charts-blue', css('--vscode-focusBorder', '#3794ff'));
  chart?.destroy();
  const canvas = document.getElementById('layerChart') as HTMLCanvasElement;
  chart = new Chart(canvas, {
    type: 'bar',
    data: { labels: r.layers.map(l => l.name), datasets: [{ label: '‖∇L‖ per layer', data: r.layers.map(l => l.gradNorm), backgroundColor: accent, borderColor: accent }] },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      color: fg,
      scales: { x: { ticks: { color: fg }, grid: { color: grid } }, y: { ticks: { color: fg }, grid: { color: grid }, beginAtZero: true } },
      plugins: { legend: { labels: { color: fg } }, tooltip: { callbacks: { label: c => `‖∇L‖ = ${fmt(c.parsed.y ?? 0)}` } } },
    },
  });
}

window.addEventListener('message', (ev: MessageEvent<{ type: string; result: Result }>) => {
  if (ev.data?.type === 'result') { vscode.setState({ result: ev.data.result }); render(ev.data.result); }
});
const saved = vscode.getState() as { result?: Result } | undefined;
if (saved?.result) render(saved.result);
vscode.postMessage({ type: 'ready' });
