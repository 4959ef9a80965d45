/**
 * The number cards of the selected checkpoint (loss, ‖∇L‖, λ_max, λ_min, trace, ε-sharpness, PGB
 * residual, samples, special neurons), as data: pure (no DOM), so a test compares them with the
 * CLI's and the report's numbers. Which number is λ_max, λ_min and the sharpness comes from the one
 * home of the headline numbers (src/shared/headline.ts).
 */
import { fmt, pct } from '../src/shared/format';
import type { DiagnoseResult } from '../src/shared/result';
import { lambdaMax, lambdaMinInfo, pgbResidual, sharpnessInfo } from '../src/shared/headline';

export interface CardModel {
  label: string;
  /** the value shown (4 significant digits) */
  value: string;
  /** the element id of the value */
  id: string;
  /** the tooltip (default: the label) */
  title?: string;
  /** the full value (data-value and the tooltip) */
  raw?: number | null;
}

export function headlineCards(r: DiagnoseResult | null | undefined): CardModel[] {
  const lmax = lambdaMax(r),
    lmin = lambdaMinInfo(r),
    sharp = sharpnessInfo(r),
    pgb = pgbResidual(r);
  const trace = r?.hessian?.trace;
  return [
    { label: `Loss L${r ? ` (${r.lossFunction.kind})` : ''}`, value: r ? fmt(r.loss) : '—', id: 'loss', raw: r?.loss },
    { label: 'Gradient norm ‖∇L‖', value: r ? fmt(r.gradNorm) : '—', id: 'gradNorm', raw: r?.gradNorm },
    { label: 'λ_max', value: lmax !== undefined ? fmt(lmax) : 'not computed', id: 'lambdaMax', raw: lmax },
    {
      label: 'λ_min',
      value: !lmin
        ? 'not computed'
        : lmin.estimate
          ? `≈ ${fmt(lmin.value)} (${lmin.unresolved ? 'unresolved' : 'estimate'})`
          : `${fmt(lmin.value)}${lmin.unresolved ? ' (unresolved)' : ''}`,
      id: 'lambdaMin',
      title: lmin ? `error bar ±${fmt(lmin.bound, 2)}${lmin.estimate ? '; estimated from the Krylov space of λ_max' : ''}` : undefined,
      raw: lmin?.value,
    },
    {
      label: 'Trace tr H',
      value: trace
        ? trace.stderr <= 1e-9 * Math.abs(trace.estimate)
          ? `${fmt(trace.estimate)} (exact)`
          : `${fmt(trace.estimate)} ± ${fmt(trace.stderr, 2)}`
        : 'not computed',
      id: 'trace',
      raw: trace?.estimate,
    },
    {
      label: 'ε-sharpness',
      value: sharp ? fmt(sharp.value) : 'not computed',
      id: 'sharpness',
      title: sharp
        ? `Keskar ε=${sharp.epsilon}, ${sharp.subspace === null ? 'full space' : `${sharp.subspace}-dimensional subspace`}`
        : undefined,
      raw: sharp?.value,
    },
    { label: 'PGB residual', value: pgb !== undefined ? fmt(pgb) : 'not computed', id: 'pgb', raw: pgb },
    { label: 'Samples', value: r ? `${r.samples} of ${r.data.total}` : '—', id: 'samples' },
    ...(r?.specialNeurons
      ? [
          {
            label: 'Special neurons max|a_k|',
            value: `${fmt(r.specialNeurons.maxAbsA)} (${pct(r.specialNeurons.outputShare)} of the output)`,
            id: 'specialA',
            title:
              `Kawaguchi & Kaelbling: at a local minimum of the augmented loss a = 0. ` +
              `λ = ${r.specialNeurons.lambda}, ${r.specialNeurons.a.length} neuron(s).`,
            raw: r.specialNeurons.maxAbsA,
          },
        ]
      : []),
  ];
}
