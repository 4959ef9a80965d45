/**
 * The dashboard's surgery panel: what was done to the run's minima — special neurons added (and
 * fine-tuned), weights perturbed (and retrained) — one record each with its measured effects and
 * what they mean, the newest record's curve (max|a_k|, the penalty, the original loss L(θ) and the
 * augmented objective while fine-tuning; or the loss while retraining from the perturbed point), and
 * the actions (in VS Code only; the read-only report shows the panel only when it has records).
 */
import type { ChartDataset } from 'chart.js';
import type { SurgeryEntry } from '../src/shared/protocol';
import { el, canvasById, setEmpty, theme } from './dom';
import { baseOptions, upsert, exporters, exportButtons, referenceLine } from './charts';
import { host, state, run } from './state';
import { panelHead } from './panelHead';

/** The surgery panel: the records of the actions on this run's minima, their curve, the actions (not in the report). */
export function surgeryPanel(): HTMLElement {
  return el(
    'section',
    { className: 'panel', id: 'surgery-panel', 'aria-labelledby': 'surgery-title' },
    panelHead(el('h2', { id: 'surgery-title' }, 'Acting on the minimum: special neurons and perturbations'), {
      actions: [
        {
          id: 'addSpecial',
          label: 'Add special neurons…',
          onclick: () =>
            state.selected && host.post({ type: 'command', command: 'landscapeLens.addSpecialNeurons', checkpoint: state.selected }),
        },
        {
          id: 'perturb',
          label: 'Perturb weights…',
          onclick: () =>
            state.selected && host.post({ type: 'command', command: 'landscapeLens.perturbWeights', checkpoint: state.selected }),
        },
      ],
      tools: exportButtons('surgeryChart', 'the surgery chart'),
    }),
    el('ul', { className: 'surgery-list', id: 'surgeryList' }),
    el(
      'div',
      { className: 'chart-box' },
      el('canvas', {
        id: 'surgeryChart',
        role: 'img',
        'aria-label':
          'Fine-tuning with special neurons: max|a_k|, penalty and the original loss per step; ' +
          'or the retraining loss after a perturbation',
        tabIndex: 0,
      }),
    ),
    el(
      'p',
      { className: 'muted empty', id: 'surgeryChart-empty', hidden: true },
      'Nothing done to this run yet: “Add special neurons…” or “Perturb weights…” write new checkpoints beside the selected one ' +
        'and their measured effects appear here.',
    ),
  );
}

export function drawSurgery(): void {
  const t = theme();
  const list = document.getElementById('surgeryList');
  if (!list) return;
  // the report records no surgery: no panel for actions it cannot take
  const panel = document.getElementById('surgery-panel');
  if (panel) panel.hidden = host.standalone && run.surgery.length === 0;
  const recs = [...run.surgery].reverse();
  list.replaceChildren(
    ...recs.map(r =>
      el(
        'li',
        { className: 'surgery-item', 'data-kind': r.kind },
        el(
          'div',
          {},
          el('strong', {}, r.kind === 'specialNeurons' ? 'Special neurons' : 'Perturbation'),
          ` · ${r.rel} → ${r.outRel.filter(f => !/\.bin$/.test(f)).join(', ')} · `,
          el('span', { className: 'muted' }, new Date(r.at).toLocaleString()),
        ),
        el('ul', {}, ...r.summary.map(x => el('li', {}, x))),
      ),
    ),
  );
  // the newest record with a curve: fine-tuning (max|a|, penalty, L(θ), objective) or retraining after a perturbation
  const curveOf = (r: SurgeryEntry) => (r.kind === 'specialNeurons' ? r.result.training?.curve.length : r.result.retrain?.curve.length);
  const withCurve = recs.find(r => curveOf(r));
  setEmpty(
    'surgeryChart',
    !withCurve,
    run.surgery.length
      ? 'The actions so far have no curve (no fine-tuning or retraining steps).'
      : 'Nothing done to this run yet: “Add special neurons…” or “Perturb weights…” write new checkpoints beside the selected one, ' +
          'and their measured effects appear here.',
  );
  if (!withCurve) return;
  const o = baseOptions(t, { xTitle: 'step', logY: true })!;
  if (withCurve.kind === 'specialNeurons') {
    const c = withCurve.result.training!.curve;
    const ds = [
      {
        label: 'max|a_k|',
        data: c.map(p => ({ x: p.step, y: p.maxAbsA > 0 ? p.maxAbsA : null })),
        borderColor: t.palette[4],
        backgroundColor: t.palette[4],
      },
      {
        label: 'penalty (λ/2)Σa_k²',
        data: c.map(p => ({ x: p.step, y: p.penalty > 0 ? p.penalty : null })),
        borderColor: t.palette[2],
        backgroundColor: t.palette[2],
      },
      {
        label: 'L(θ) of the original network',
        data: c.map(p => ({ x: p.step, y: p.originalLoss })),
        borderColor: t.palette[0],
        backgroundColor: t.palette[0],
      },
      {
        label: 'augmented objective',
        data: c.map(p => ({ x: p.step, y: p.objective })),
        borderColor: t.palette[1],
        backgroundColor: t.palette[1],
        borderDash: [4, 3],
      },
    ].map(d => ({ ...d, pointRadius: 0, borderWidth: 2 }));
    upsert('surgeryChart', { type: 'line', data: { datasets: ds as ChartDataset<'line'>[] }, options: o });
    exporters.set('surgeryChart', () => ({
      header: ['step', 'objective', 'penalty', 'maxAbsA', 'originalLoss'],
      rows: c.map(p => [p.step, p.objective, p.penalty, p.maxAbsA, p.originalLoss]),
      json: withCurve,
    }));
  } else {
    const c = withCurve.result.retrain!.curve;
    const before = withCurve.result.lossBefore;
    upsert('surgeryChart', {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'loss while retraining from the perturbed point',
            data: c.map((y, x) => ({ x, y })),
            borderColor: t.palette[0],
            backgroundColor: t.palette[0],
            pointRadius: 0,
            borderWidth: 2,
          },
          ...(before !== undefined
            ? [referenceLine('loss before the perturbation', { x: 0, y: before }, { x: c.length - 1, y: before }, t)]
            : []),
        ],
      },
      options: o,
    });
    exporters.set('surgeryChart', () => ({ header: ['step', 'loss'], rows: c.map((y, x) => [x, y]), json: withCurve }));
  }
  canvasById('surgeryChart')!.dataset.record = String(withCurve.id);
}
