/**
 * The 2-D loss slice of the selected checkpoint as a heat map (log colour scale above the minimum) with contours at 8 levels
 * (marching squares), θ at the centre, and the colour scale with the loss at five positions; drawn by hand on the canvas.
 */
import { fmt } from '../../src/shared/format';
import { canvasById, setEmpty, css, type Theme } from '../dom';
import { exporters, chartBox } from '../charts';
import { heatmapColor, contourSegments } from '../heatmap';
import type { Slice2D } from '../../src/core/diagnostics/slices';
import type { DiagnoseResult } from '../../src/shared/result';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY = '2-D slice: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to map the loss around it.';

export const slice2dSection: Section = {
  id: 'slice2d',
  title: '2-D slice (loss heat map with contours)',
  scope: 'checkpoint',
  box() {
    const box = chartBox('slice2d', '2-D slice (loss heat map with contours)');
    box.querySelector('.chart-box')!.classList.add('square');
    return box;
  },
  draw(view: View, t: Theme): void {
    const s2 = slice2dOf(view.r);
    setEmpty('slice2d', !s2, EMPTY);
    if (s2) drawHeatmap(s2, t);
  },
  resize(view: View, t: Theme): void {
    const s2 = slice2dOf(view.r);
    if (s2) drawHeatmap(s2, t);
  },
};

export function slice2dOf(r: DiagnoseResult | null | undefined): Slice2D | undefined {
  return r?.slices?.find((s): s is Slice2D => s.kind === '2d');
}

function drawHeatmap(s: Slice2D, t: Theme): void {
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
