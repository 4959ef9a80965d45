/**
 * The special-neuron report (Kawaguchi & Kaelbling, "Elimination of All Bad Local Minima in Deep
 * Learning", AISTATS 2020): a network augmented with K special neurons a_k·exp(w_kᵀx + b_k) has no
 * bad local minima, and at every local minimum a → 0. The report gives λ, a, max|a_k| and the special
 * neurons' share of the output, mean |f(x;θ) − f(x;θ|a=0)| / mean |f(x;θ)| (the vanish check).
 */
import type { GraphModel } from '../model/graph';
import type { Objective } from '../objective';
import type { Diagnostic } from './registry';
import { fmtText as f } from '../../shared/format';

/** θ with the special neurons removed (a = 0): the original network's function. */
export function withoutSpecialNeurons(model: GraphModel, theta: Float32Array): Float32Array {
  const t = theta.slice();
  const sn = model.specialNeurons;
  if (!sn) return t;
  const p = model.params.find(q => q.name === sn.a)!;
  t.fill(0, p.offset, p.offset + p.size);
  return t;
}

export function maxAbsA(model: GraphModel, theta: Float32Array): number {
  const sn = model.specialNeurons;
  if (!sn) return 0;
  const p = model.params.find(q => q.name === sn.a)!;
  let m = 0;
  for (let i = p.offset; i < p.offset + p.size; i++) m = Math.max(m, Math.abs(theta[i]));
  return m;
}

export interface SpecialNeuronsReport {
  lambda: number;
  a: number[];
  maxAbsA: number;
  /** mean |a_k exp(w_kᵀx + b_k)| / mean |f̃_k(x)| over samples and outputs (pre-activation outputs). */
  outputShare: number;
  /** Samples the share was computed on. */
  samples: number;
}

/** |a_k| and the special neurons' share of the output (the vanish check), on up to `maxRows` samples. */
export async function specialNeuronsReport(
  model: GraphModel,
  obj: Objective,
  theta: Float32Array,
  maxRows = 1024,
  signal?: AbortSignal,
): Promise<SpecialNeuronsReport | undefined> {
  const sn = model.specialNeurons;
  if (!sn) return undefined;
  const p = model.params.find(q => q.name === sn.a)!;
  const a = Array.from(theta.subarray(p.offset, p.offset + p.size));
  const batch = { start: 0, end: Math.min(obj.numSamples, maxRows) };
  const full = await obj.outputs(theta, batch, signal);
  const orig = await obj.outputs(withoutSpecialNeurons(model, theta), batch, signal);
  let num = 0,
    den = 0;
  for (let i = 0; i < full.values.length; i++) {
    num += Math.abs(full.values[i] - orig.values[i]);
    den += Math.abs(full.values[i]);
  }
  return {
    lambda: sn.lambda,
    a,
    maxAbsA: a.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
    outputShare: den > 0 ? num / den : 0,
    samples: batch.end,
  };
}

/** On every model that carries special neurons (added by Landscape Lens' surgery). */
export const specialNeuronsDiagnostic: Diagnostic = {
  id: 'specialNeurons',
  title: 'Special neurons (Kawaguchi & Kaelbling 2020)',
  enabled: (_o, m) => Boolean(m?.specialNeurons),
  runsOnNonFinite: true,
  plan: () => ({ losses: 2 }),
  async run(ctx) {
    ctx.progress('special neurons', 'special neurons: |a_k| and their share of the output');
    ctx.result.specialNeurons = await specialNeuronsReport(ctx.model, ctx.obj, ctx.theta, 1024, ctx.signal);
  },
  cli: r => {
    const s = r.specialNeurons;
    if (!s) return [];
    return [
      [
        'special neurons',
        `λ = ${s.lambda}, max |a_k| = ${f(s.maxAbsA, 3)}, share of the ` +
          `output ${f(100 * s.outputShare, 3)} % (Kawaguchi & Kaelbling: a → 0 at a local minimum)`,
      ],
    ];
  },
};
