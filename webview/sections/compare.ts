/**
 * Compare: the loss along the line from the selected checkpoint A to another one B (“Compare
 * with…”: the interpolation slice L((1−t)θ_A + tθ_B)) on t ∈ [0, 1], with a summary card — the
 * barrier max_t [L(t) − ((1−t)L_A + tL_B)] and where it is, and what it means by the
 * linear-mode-connectivity criterion of the perturbation report (Frankle et al., ICML 2020; the
 * same threshold as src/core/surgery/perturb.ts): no barrier above 1e-3·(1 + L_A) means A and B are
 * linearly connected (one basin on this line), else a barrier separates them.
 */
import { fmt } from '../../src/shared/format';
import type { Interpolation } from '../../src/core/diagnostics/slices';
import { el, setEmpty, type Theme } from '../dom';
import { baseOptions, upsert, exporters, chartBox, referenceLine } from '../charts';
import type { Section, View } from './types';

const EMPTY = 'Compare: no second checkpoint compared with this one. “Compare with…” computes the loss along the line to it.';

/** Whether the barrier stays within the criterion: linearly connected on this line. */
export function linearlyConnected(s: Interpolation): boolean {
  return s.barrier <= 1e-3 * (1 + Math.abs(s.lossA));
}

export const compareSection: Section = {
  id: 'compareChart',
  title: 'Compare: the loss on the line to another checkpoint (t from 0 to 1)',
  scope: 'checkpoint',
  box() {
    const box = chartBox('compareChart', this.title);
    // the summary card: the barrier and what it means
    box.append(el('p', { className: 'eos-sentence', id: 'compareSummary', role: 'status' }));
    return box;
  },
  draw(view: View, t: Theme): void {
    const s = view.r?.slices?.find((x): x is Interpolation => x.kind === 'interp');
    const card = document.getElementById('compareSummary');
    setEmpty('compareChart', !s, EMPTY);
    card?.replaceChildren();
    if (!s) return;
    const name = s.other.split(/[\\/]/).slice(-2).join('/');
    const pts = s.t.flatMap((x, k) => (x >= 0 && x <= 1 ? [{ x, y: s.loss[k] }] : []));
    const connected = linearlyConnected(s);
    card?.append(
      el('strong', {}, `barrier ${fmt(s.barrier)} at t = ${fmt(s.barrierAt, 3)}`),
      ` · L_A ${fmt(s.lossA)} · L_B ${fmt(s.lossB)} (B = ${name}) · `,
      connected
        ? 'no barrier above 1e-3·(1 + L_A): A and B are linearly connected (one basin on this line)'
        : 'a loss barrier above 1e-3·(1 + L_A) separates A and B on this line (different basins, or a curved valley)',
    );
    if (card) card.dataset.connected = String(connected);
    const o = baseOptions(t, { xTitle: 't (0: this checkpoint, 1: the other)', yTitle: 'loss' })!;
    const sx = o.scales!.x as Record<string, unknown>;
    sx.min = 0;
    sx.max = 1;
    upsert('compareChart', {
      type: 'line',
      data: {
        datasets: [
          { label: `loss on the line → ${name}`, data: pts, borderColor: t.palette[0], backgroundColor: t.palette[0], pointRadius: 2 },
          referenceLine('straight line between the end points', { x: 0, y: s.lossA }, { x: 1, y: s.lossB }, t),
        ],
      },
      options: o,
    });
    exporters.set('compareChart', () => ({
      header: ['t', 'loss'],
      rows: pts.map(p => [p.x, p.y]),
      json: { ...s, linearlyConnected: connected },
    }));
  },
};
