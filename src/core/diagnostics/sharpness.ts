/**
 * ε-sharpness (Keskar, Mudigere, Nocedal, Smelyanskiy & Tang, "On Large-Batch Training for Deep
 * Learning: Generalization Gap and Sharp Minima", ICLR 2017, Metric 2.1):
 *   φ(ε, A) = (max_{y ∈ C_ε} L(θ + A·y) − L(θ)) / (1 + L(θ)) × 100,
 *   C_ε = { z : |z_i| ≤ ε·(|(A⁺θ)_i| + 1) }.
 * A = I (full space) or a seeded random n×p matrix with orthonormal columns (A⁺ = Aᵀ; p = 100 by
 * default). The inner maximisation is projected gradient ascent on the box (sign-gradient steps of
 * half the box width (ε-box half-width bound_i), halved when a step does not improve, 20 iterations by default — the paper
 * used 10 L-BFGS-B iterations), keeping the best point evaluated; so φ is a lower bound of the true
 * maximum, as in the paper. Every loss and gradient evaluation is counted by the objective.
 */
import type { Objective } from '../objective';
import { Rng } from '../rng';
import { orthogonalise, norm, scale } from '../linalg/vec';
import { throwIfAborted } from '../errors';
import { adaptiveSharpness } from './adaptiveSharpness';
import type { Diagnostic } from './registry';
import type { RunContext } from './context';
import { fmtText as f } from '../../shared/format';

export interface KeskarResult {
  epsilon: number;
  subspace: number | null;
  value: number;
  maxLoss: number;
  iterations: number;
  evaluations: number;
}

/**
 * The seeded orthonormal basis of the random subspace (n×p). Building it is O(p²n), the largest part of
 * the metric's own arithmetic: a caller evaluating several ε builds it once and passes it as `basis`.
 */
export function subspaceBasis(n: number, p: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const A: Float64Array[] = [];
  while (A.length < p) {
    const a = rng.normalVector(n);
    orthogonalise(a, A);
    const nn = norm(a);
    if (nn > 1e-8) {
      scale(1 / nn, a);
      A.push(a);
    }
  }
  return A;
}

export async function keskarSharpness(
  obj: Objective,
  theta: Float32Array,
  o: {
    epsilon?: number;
    subspace?: number;
    iterations?: number;
    seed?: number;
    /** the subspace basis of subspaceBasis(n, subspace, seed), when the caller has it */ basis?: Float64Array[];
    signal?: AbortSignal;
    onProgress?: (p: { stage: string; done: number; total: number }) => void;
  } = {},
): Promise<KeskarResult> {
  const eps = o.epsilon ?? 1e-3,
    iters = o.iterations ?? 20,
    n = theta.length;
  const p = o.subspace ? Math.min(o.subspace, n) : 0;
  // A with orthonormal columns (or the identity): y lives in R^p (or R^n)
  const A: Float64Array[] = p ? (o.basis?.length === p && o.basis[0].length === n ? o.basis : subspaceBasis(n, p, o.seed ?? 0)) : [];
  const dim = p || n;
  const bound = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    let proj = 0;
    if (p) {
      const a = A[i];
      for (let k = 0; k < n; k++) proj += a[k] * theta[k];
    } else proj = theta[i];
    bound[i] = eps * (Math.abs(proj) + 1);
  }
  const point = (y: Float64Array): Float32Array => {
    const out = Float32Array.from(theta);
    if (!p) {
      for (let i = 0; i < n; i++) out[i] += y[i];
      return out;
    }
    for (let j = 0; j < p; j++) {
      const a = A[j],
        c = y[j];
      if (c !== 0) for (let k = 0; k < n; k++) out[k] += c * a[k];
    }
    return out;
  };
  const l0 = await obj.loss(theta, o.signal);
  let evaluations = 1;
  let y = new Float64Array(dim);
  let best = l0,
    bestY = y;
  let step = 0.5; // fraction of the box half-width
  for (let it = 0; it < iters; it++) {
    throwIfAborted(o.signal);
    o.onProgress?.({ stage: 'ε-sharpness', done: it, total: iters });
    const { loss, gradient } = await obj.valueAndGradient(point(y), o.signal);
    evaluations++;
    if (loss > best) {
      best = loss;
      bestY = y;
    }
    // gradient in y coordinates
    const gy = new Float64Array(dim);
    if (p)
      for (let j = 0; j < p; j++) {
        let s = 0;
        const a = A[j];
        for (let k = 0; k < n; k++) s += a[k] * gradient[k];
        gy[j] = s;
      }
    else for (let i = 0; i < n; i++) gy[i] = gradient[i];
    const next = new Float64Array(dim);
    for (let i = 0; i < dim; i++) next[i] = Math.max(-bound[i], Math.min(bound[i], y[i] + step * 2 * bound[i] * Math.sign(gy[i])));
    const ln = await obj.loss(point(next), o.signal);
    evaluations++;
    if (ln > best) {
      best = ln;
      bestY = next;
      y = next;
    } else {
      step /= 2;
      y = bestY;
      if (step < 1e-3) break;
    }
  }
  void bestY;
  return { epsilon: eps, subspace: p || null, value: ((best - l0) / (1 + l0)) * 100, maxLoss: best, iterations: iters, evaluations };
}

/** The ε of the Keskar runs and the dimension of the random subspace (the full space is the other). */
export const KESKAR_EPSILONS = [1e-3, 5e-4] as const;
export const KESKAR_SUBSPACE = 100;

async function runSharpness(ctx: RunContext): Promise<void> {
  const { obj, theta, seed, signal, model } = ctx;
  const keskar = [];
  let basis: Float64Array[] | undefined; // one random subspace for both ε (built once: O(p²n))
  for (const epsilon of KESKAR_EPSILONS)
    for (const subspace of [undefined, KESKAR_SUBSPACE]) {
      ctx.progress('sharpness', `ε-sharpness ε=${epsilon}${subspace ? ` in a random ${subspace}-dim subspace` : ''}`);
      if (subspace && !basis) basis = subspaceBasis(model.numParams, Math.min(subspace, model.numParams), seed);
      const r = await keskarSharpness(obj, theta, { epsilon, subspace, seed, signal, basis: subspace ? basis : undefined });
      keskar.push({ epsilon: r.epsilon, subspace: r.subspace, value: r.value, maxLoss: r.maxLoss, evaluations: r.evaluations });
    }
  ctx.progress('sharpness', 'adaptive sharpness (ASAM)');
  const adaptive = await adaptiveSharpness(obj, theta, { rho: ctx.opts.adaptiveRho, signal });
  ctx.result.sharpness = { keskar, adaptive };
}

/** Keskar et al. (ICLR 2017) ε-sharpness and Kwon et al. (ICML 2021) adaptive sharpness. */
export const sharpnessDiagnostic: Diagnostic = {
  id: 'sharpness',
  title: 'Sharpness (Keskar ε, ASAM)',
  options: [
    {
      key: 'sharpness',
      flag: '--sharpness',
      help: 'sharpness: Keskar ε-sharpness (ε = 1e-3, 5e-4; full space and a random 100-dim subspace), adaptive sharpness and PAC-Bayes σ',
      kind: 'switch',
      setting: 'full.sharpness',
    },
  ],
  enabled: o => Boolean(o.sharpness),
  plan: () => ({ gradients: 4 * 20 + 6, losses: 4 * 20 }),
  run: runSharpness,
  cli: r => {
    const s = r.sharpness;
    if (!s) return [];
    const rows: [string, string][] = s.keskar.map(k => [
      `ε-sharpness ${k.epsilon}${k.subspace ? ` (${k.subspace}-dim)` : ''}`,
      f(k.value, 4),
    ]);
    rows.push(['adaptive sharpness', `${f(s.adaptive.value, 4)} (ρ = ${s.adaptive.rho}, ASAM)`]);
    return rows;
  },
};
