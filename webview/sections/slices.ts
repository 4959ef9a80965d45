/**
 * 1-D loss slices of the selected checkpoint (random and eigenvector directions, with the quadratic model) and the
 * interpolation to a second checkpoint (“Compare with…”) with its barrier.
 */
import type { ChartDataset } from 'chart.js';
import { fmt } from '../../src/shared/format';
import { setEmpty, type Theme } from '../dom';
import { baseOptions, upsert, exporters } from '../charts';
import type { Slice1D, Interpolation } from '../../src/core/diagnostics/slices';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY =
  '1-D slices: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) for slices along the top eigenvectors; ' +
  '“Compare with…” adds an interpolation.';

export const slicesSection: Section = {
  id: 'sliceChart',
  title: '1-D slices and interpolation',
  scope: 'checkpoint',
  draw(view: View, t: Theme): void {
    const { r } = view;
    const s1 = (r?.slices ?? []).filter((s): s is Slice1D | Interpolation => s.kind !== '2d');
    const sliceName = (s: Slice1D | Interpolation) => (s.kind === 'interp' ? `interp ${s.other}` : s.label);
    setEmpty('sliceChart', s1.length === 0, EMPTY);
    if (s1.length) {
      const ds: ChartDataset<'line', { x: number; y: number }[]>[] = [];
      s1.forEach((s, i) => {
        const col = t.palette[i % t.palette.length];
        const label =
          s.kind === 'interp'
            ? `interpolation → ${s.other.split(/[\\/]/).slice(-2).join('/')} (barrier ${fmt(s.barrier)})`
            : s.eigenvalue !== undefined
              ? `${s.label} (λ = ${fmt(s.eigenvalue)})`
              : s.label;
        ds.push({
          label,
          data: s.t.map((x, k) => ({ x, y: s.loss[k] })),
          borderColor: col,
          backgroundColor: col,
          pointRadius: 0,
          borderWidth: t.hc ? 3 : 2,
        });
        if (s.kind !== 'interp' && s.quadratic) {
          const q = s.quadratic;
          ds.push({
            label: `${s.label}: quadratic model`,
            data: s.t.map((x, k) => ({ x, y: q[k] })),
            borderColor: col,
            borderDash: [5, 4],
            pointRadius: 0,
            borderWidth: 1,
          });
        }
      });
      upsert('sliceChart', {
        type: 'line',
        data: { datasets: ds },
        options: baseOptions(t, { xTitle: 'step along the direction (t)', yTitle: 'loss' }),
      });
      exporters.set('sliceChart', () => ({
        header: ['slice', 't', 'loss'],
        rows: s1.flatMap(s => s.t.map((x, k) => [sliceName(s), x, s.loss[k]])),
        json: s1,
      }));
    }
  },
};
