/**
 * Edge of stability (Cohen et al. 2021): λ_max across checkpoints against 2/η from the logged learning rate; the sentence
 * below the chart.
 */
import type { ChartDataset } from 'chart.js';
import { fmt } from '../../src/shared/format';
import { el, canvasById, setEmpty, hexA, type Theme } from '../dom';
import { baseOptions, upsert, exporters, chartBox, singlePointAxes } from '../charts';
import { run } from '../state';
import { decimate } from '../smooth';
import { edgeOfStability } from '../../src/core/diagnostics/edgeOfStability';
import type { Section, View } from './types';

export const edgeOfStabilitySection: Section = {
  id: 'eosChart',
  title: 'Edge of stability: λ_max against 2/η',
  scope: 'run',
  box() {
    const box = chartBox('eosChart', 'Edge of stability: λ_max against 2/η');
    box.append(el('p', { className: 'eos-sentence', id: 'eosSentence', role: 'status' }));
    return box;
  },
  draw(view: View, t: Theme): void {
    const { withStep } = view;
    const series = run.series;
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
  },
};
