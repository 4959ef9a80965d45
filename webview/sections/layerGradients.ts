/**
 * The gradient norm ‖∇L‖ of each layer of the selected checkpoint.
 */
import { fmt } from '../../src/shared/format';
import { setEmpty, type Theme } from '../dom';
import { baseOptions, upsert, exporters } from '../charts';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY = 'Gradient norm per layer: this checkpoint is not diagnosed yet. Run a diagnosis (“Diagnose (full)”).';

export const layerGradientsSection: Section = {
  id: 'layerChart',
  title: 'Gradient norm per layer',
  scope: 'checkpoint',
  draw(view: View, t: Theme): void {
    const { r } = view;
    const layers = r?.layers ?? [];
    setEmpty('layerChart', layers.length === 0, EMPTY);
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
  },
};
