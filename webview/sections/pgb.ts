/**
 * The PGB residual (Kawaguchi & Kaelbling 2020) across the run's checkpoints.
 */
import { setEmpty, type Theme } from '../dom';
import { baseOptions, upsert, exporters, singlePointAxes } from '../charts';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY = 'PGB residual: not computed for the checkpoints of this run. “Diagnose all” computes it.';

export const pgbSection: Section = {
  id: 'pgbChart',
  title: 'PGB residual across checkpoints',
  scope: 'run',
  draw(view: View, t: Theme): void {
    const { withStep } = view;
    const pgb = withStep.filter(p => typeof p.c.result!.pgb?.residual === 'number').map(p => ({ x: p.x, y: p.c.result!.pgb!.residual! }));
    setEmpty('pgbChart', pgb.length === 0, EMPTY);
    if (pgb.length) {
      const po = baseOptions(t, { xTitle: 'step', yTitle: 'residual' })!;
      singlePointAxes(
        po,
        pgb.map(p => p.x),
        { y: pgb.map(p => p.y) },
      );
      upsert('pgbChart', {
        type: 'line',
        data: {
          datasets: [{ label: 'PGB residual', data: pgb, borderColor: t.palette[3], backgroundColor: t.palette[3], pointRadius: 4 }],
        },
        options: po,
      });
      exporters.set('pgbChart', () => ({ header: ['step', 'residual'], rows: pgb.map(p => [p.x, p.y]), json: pgb }));
    }
  },
};
