/**
 * λ_max (points coloured by the checkpoint's verdict) and ε-sharpness across the run's checkpoints; the λ_max of
 * checkpoints written by actions (special neurons, perturbations) as their own series of triangles.
 */
import { fmt } from '../../src/shared/format';
import { setEmpty, type Theme } from '../dom';
import { baseOptions, upsert, exporters, singlePointAxes, verdictColor } from '../charts';
import { run } from '../state';
import { lambdaMax, sharpnessOf } from '../../src/shared/headline';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY = 'No checkpoint of this run has λ_max yet: “Diagnose all” computes every checkpoint.';

export const acrossSection: Section = {
  id: 'acrossChart',
  title: 'λ_max and sharpness across checkpoints',
  scope: 'run',
  draw(view: View, t: Theme): void {
    const { withStep, derived } = view;
    const ckpts = run.ckpts;
    // the headline numbers from their one home (src/shared/headline.ts)
    const extra = ckpts
      .filter(c => lambdaMax(c.result) !== undefined && derived.has(c.path))
      .map(c => ({ x: c.step ?? 0, y: lambdaMax(c.result)!, rel: c.rel }));
    const lamPts = withStep.filter(p => lambdaMax(p.c.result) !== undefined);
    const lam = lamPts.map(p => ({ x: p.x, y: lambdaMax(p.c.result)! }));
    const sh = withStep.filter(p => sharpnessOf(p.c.result) !== undefined).map(p => ({ x: p.x, y: sharpnessOf(p.c.result)! }));
    const tr = withStep.filter(p => p.c.result!.hessian?.trace).map(p => ({ x: p.x, y: p.c.result!.hessian!.trace!.estimate }));
    setEmpty('acrossChart', lam.length + sh.length === 0, EMPTY);
    if (lam.length + sh.length) {
      const o = baseOptions(t, { xTitle: 'step', yTitle: 'λ_max' })!;
      (o.scales as Record<string, unknown>).y2 = {
        position: 'right',
        ticks: { color: t.fg, callback: (v: number | string) => fmt(Number(v), 3) },
        grid: { drawOnChartArea: false },
        title: { display: true, text: 'ε-sharpness', color: t.muted },
      };
      singlePointAxes(
        o,
        [...lam, ...sh].map(p => p.x),
        { y: lam.map(p => p.y), y2: sh.map(p => p.y) },
      );
      upsert('acrossChart', {
        type: 'line',
        data: {
          datasets: [
            // points coloured by the checkpoint's verdict
            {
              label: 'λ_max',
              data: lam,
              borderColor: t.palette[0],
              backgroundColor: lamPts.map(p => verdictColor(p.c.result!.verdict?.kind, t)),
              pointBorderColor: t.palette[0],
              pointRadius: 5,
              borderWidth: 2,
            },
            ...(extra.length
              ? [
                  {
                    label: 'λ_max after surgery (new checkpoints)',
                    data: extra,
                    borderColor: t.palette[4],
                    backgroundColor: t.palette[4],
                    pointRadius: 5,
                    pointStyle: 'triangle',
                    showLine: false,
                  },
                ]
              : []),
            ...(sh.length
              ? [
                  {
                    label: 'ε-sharpness (ε=1e-3)',
                    data: sh,
                    borderColor: t.palette[1],
                    backgroundColor: t.palette[1],
                    pointRadius: 4,
                    borderWidth: 2,
                    yAxisID: 'y2',
                  },
                ]
              : []),
          ],
        },
        options: o,
      });
      exporters.set('acrossChart', () => ({
        header: ['step', 'lambda_max', 'sharpness', 'trace'],
        rows: withStep.map(p => [
          p.x,
          p.c.result!.hessian?.top?.[0]?.value ?? null,
          sh.find(s => s.x === p.x)?.y ?? null,
          tr.find(s => s.x === p.x)?.y ?? null,
        ]),
        json: { lambdaMax: lam, sharpness: sh, trace: tr },
      }));
    }
  },
};
