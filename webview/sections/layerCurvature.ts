/**
 * Where the curvature lives: each layer's share of the Hessian trace (heat-coloured) and of the top eigenvector,
 * with the block λ_max on a right axis.
 */
import type { ChartDataset } from 'chart.js';
import { canvasById, setEmpty, setNote, type Theme } from '../dom';
import { curvatureSkipped, skipNote } from '../skipped';
import { baseOptions, upsert, exporters } from '../charts';
import { heatmapColor } from '../heatmap';
import type { Section, View } from './types';

export const layerCurvatureSection: Section = {
  id: 'layerCurvChart',
  title: 'Where the curvature lives: per-layer share of tr H and of the top eigenvector',
  scope: 'checkpoint',
  draw(view: View, t: Theme): void {
    const { r } = view;
    const layers = r?.layers ?? [];
    const curv = layers.filter(l => typeof l.traceShare === 'number');
    setEmpty(
      'layerCurvChart',
      curv.length === 0,
      'Per-layer curvature: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to compute it.',
    );
    setNote('layerCurvChart', skipNote(curvatureSkipped(r)));
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
  },
};
