/**
 * max|a_k| of the special neurons across checkpoints (Kawaguchi & Kaelbling 2020: a = 0 at a local minimum of the augmented
 * loss); the panel only for runs that have them.
 */
import { type Theme } from '../dom';
import { baseOptions, upsert, exporters, singlePointAxes } from '../charts';
import type { Section, View } from './types';

export const specialNeuronsSection: Section = {
  id: 'specialChart',
  title: 'Special neurons: max|a_k| across checkpoints',
  scope: 'run',
  draw(view: View, t: Theme): void {
    const { withStep } = view;
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
    exporters.set('specialChart', () => ({
      header: ['step', 'maxAbsA', 'outputShare'],
      rows: pts.map(p => [p.x, p.y, p.share]),
      json: pts,
    }));
  },
};
