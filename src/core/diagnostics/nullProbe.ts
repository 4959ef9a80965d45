/**
 * What a second-order test cannot see: at a stationary point whose Hessian has eigenvalues at zero
 * (within their error bars), the quadratic model is flat along those eigenvectors and the point may
 * still be a saddle of higher order — e.g. the deep linear network f(x) = w₃w₂w₁x at the origin,
 * where the Hessian is positive semi-definite with zero eigenvalues but L(t·v) − L(0) has a cubic
 * term −2t³v₁v₂v₃E[x(y − b)] that descends on one side (Kawaguchi, NeurIPS 2016: deep linear
 * networks have such degenerate saddles). Second-order information cannot decide there.
 *
 * The probe: along each unit null direction v (the Ritz vectors of the near-zero eigenvalues, and
 * their normalised sum) and both signs, the loss L(θ + t·v) at t = s·{0.001, 0.003, 0.01, 0.03,
 * 0.1, 0.2, 0.3, 0.5, 1}, s = max(1, ‖θ‖). A descent is reported at the first t where
 *   L(θ + tv) − L(θ) < −δ  and  L(θ + tv) − L(θ) − q(t) < −δ,   q(t) = t·gᵀv + ½t²λ_v,
 * (a decrease beyond what the gradient and the quadratic model explain), δ = nullDescent·|L| + 1e-12
 * (default nullDescent = 1e-3), provided the loss at every smaller t on that side stayed below
 * L(θ) + 1e-6·|L| (no barrier crossed) and the decrease was already visible (below −1e-6·|L|) at the
 * previous step and has grown since — a descent that starts at θ, not a drop after a flat stretch
 * (a dead ReLU unit that comes alive far away leaves θ a local minimum of the flat region). Finding one proves θ is not a local
 * minimum; finding none proves nothing beyond the probed lines. Cost: at most
 * (directions × 2 × 9) forward passes (≤ 90 for 4 null vectors).
 */
import type { Objective } from '../objective';
import { throwIfAborted } from '../errors';
import { dot, norm } from '../linalg/vec';
import { secondOrderUndecided } from './verdict';
import type { Diagnostic } from './registry';
import { fmtText as f } from '../../shared/format';

export interface NullProbeResult {
  /** number of null directions probed (eigenvectors, plus their normalised sum when more than one) */
  directions: number;
  /** the near-zero eigenvalues whose eigenvectors were probed */
  eigenvalues: number[];
  /** the step lengths t (each side) */
  steps: number[];
  /** δ: the decrease that counts, nullDescent·|L| + 1e-12 */
  threshold: number;
  /** the first descent found, or null */
  descent: { direction: number; t: number; lossChange: number; relative: number; quadratic: number } | null;
  /** per direction and side: the largest decrease seen (≤ 0 means none) */
  best: { direction: number; sign: 1 | -1; t: number; lossChange: number }[];
  evaluations: number;
}

export const PROBE_STEPS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1];

export async function probeNullDirections(
  obj: Objective,
  theta: Float32Array,
  loss: number,
  gradient: ArrayLike<number>,
  nulls: { value: number; vector: Float64Array }[],
  o: { nullDescent?: number; signal?: AbortSignal } = {},
): Promise<NullProbeResult> {
  const n = theta.length;
  const dirs: { v: Float64Array; lambda: number }[] = nulls.map(z => ({ v: z.vector, lambda: z.value }));
  if (nulls.length > 1) {
    const sum = new Float64Array(n);
    for (const z of nulls) for (let i = 0; i < n; i++) sum[i] += z.vector[i];
    const s = norm(sum);
    if (s > 0) {
      for (let i = 0; i < n; i++) sum[i] /= s;
      dirs.push({ v: sum, lambda: nulls.reduce((a, z) => a + z.value, 0) / nulls.length });
    }
  }
  let thNorm = 0;
  for (let i = 0; i < n; i++) thNorm += theta[i] * theta[i];
  const scaleT = Math.max(1, Math.sqrt(thNorm));
  const steps = PROBE_STEPS.map(t => t * scaleT);
  const delta = (o.nullDescent ?? 1e-3) * Math.abs(loss) + 1e-12;
  const noise = 1e-6 * Math.abs(loss) + 1e-12;
  const g = Float64Array.from(gradient);
  let evaluations = 0;
  let descent: NullProbeResult['descent'] = null;
  const best: NullProbeResult['best'] = [];
  for (let d = 0; d < dirs.length && !descent; d++) {
    const { v, lambda } = dirs[d];
    const gv = dot(g, v);
    // the steps of a side in blocks of three (Objective.lossBlock: one pass for three points), read in the
    // order of the one-at-a-time probe; only what that probe would have evaluated is counted
    const GROUP = 3;
    const cache = new Map<number, number>();
    const lossAt = async (sign: 1 | -1, k: number): Promise<number> => {
      const key = sign * (k + 1);
      if (!cache.has(key)) {
        throwIfAborted(o.signal);
        const ks = steps.map((_, j) => j).slice(k, k + GROUP);
        const pts = new Float32Array(ks.length * n);
        ks.forEach((j, r) => {
          const th = pts.subarray(r * n, (r + 1) * n);
          for (let i = 0; i < n; i++) th[i] = theta[i] + sign * steps[j] * v[i];
        });
        const ls = await obj.lossBlock(pts, o.signal);
        ks.forEach((j, r) => cache.set(sign * (j + 1), ls[r]));
      }
      return cache.get(key)!;
    };
    for (const sign of [1, -1] as const) {
      let bestHere = { t: 0, lossChange: 0 };
      let prevChange = 0;
      for (const [k, t0] of steps.entries()) {
        const t = sign * t0;
        const l = await lossAt(sign, k);
        evaluations++;
        if (!Number.isFinite(l)) break;
        const change = l - loss;
        if (change < bestHere.lossChange) bestHere = { t, lossChange: change };
        const q = t * gv + 0.5 * t * t * lambda;
        // the decrease must already be visible at the previous (smaller) step and grow: a descent that
        // starts at θ, not a drop after a flat stretch (a dead ReLU waking up far away)
        if (change < -delta && change - q < -delta && prevChange < -noise && change <= prevChange) {
          descent = { direction: d, t, lossChange: change, relative: change / Math.max(Math.abs(loss), 1e-300), quadratic: q };
          break;
        }
        if (change > noise) break; // the loss rose first: a barrier, not a descent path on this side
        prevChange = change;
      }
      best.push({ direction: d, sign, ...bestHere });
      if (descent) break;
    }
  }
  return { directions: dirs.length, eigenvalues: nulls.map(z => z.value), steps, threshold: delta, descent, best, evaluations };
}

/**
 * Runs when the second-order information cannot decide (λ_min at zero within its bound) and the
 * spectrum found near-zero Ritz vectors: the loss along those null directions (a higher-order test).
 */
export const nullProbeDiagnostic: Diagnostic = {
  id: 'nullProbe',
  title: 'Null directions',
  enabled: o => (o.top ?? 0) > 0 || (o.bottom ?? 0) > 0,
  // after everything the verdict reads
  after: ['spectrum', 'trace', 'density', 'pgb'],
  // contingent (only when λ_min is at zero within its bound): not planned; at most 2 × 5 × 9 losses
  async run(ctx) {
    const nulls = ctx.hessian?.vectors?.nearZero;
    if (!nulls?.length || !secondOrderUndecided(ctx.verdictInput(), ctx.thresholds)) return;
    ctx.progress('null directions', 'probing the loss along the null directions');
    ctx.result.nullProbe = await probeNullDirections(ctx.obj, ctx.theta, ctx.basic.loss, ctx.basic.gradient, nulls, {
      nullDescent: ctx.thresholds.nullDescent,
      signal: ctx.signal,
    });
  },
  cli: r => {
    const p = r.nullProbe;
    if (!p) return [];
    return [
      [
        'null directions',
        p.descent
          ? `descent at t = ${f(p.descent.t, 3)}: loss ${f(p.descent.lossChange, 3)} (${p.directions} directions, ${p.evaluations} losses)`
          : `no descent along ${p.directions} directions (${p.evaluations} losses)`,
      ],
    ];
  },
};
