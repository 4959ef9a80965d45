/**
 * Stochastic trace estimation with matrix-vector products only.
 *  - Hutchinson (1989): tr(A) ≈ (1/p) Σ gᵢᵀ A gᵢ, gᵢ Rademacher; standard error = sample std / √p.
 *  - Hutch++ (Meyer, Musco, Musco & Woodruff, SOSA 2021): Q = orth(A S) for a Rademacher sketch
 *    S of k columns; tr(A) = tr(Qᵀ A Q) + tr((I−QQᵀ) A (I−QQᵀ)), the first term exactly (k more
 *    products), the second by Hutchinson on the deflated operator. Deflating the top of the
 *    spectrum removes most of the variance for Hessians, whose trace is dominated by a few
 *    outliers (one per class, Papyan 2019). Probes continue until the standard error is
 *    ≤ relTol·|estimate| (after at least `minProbes`) or the product budget is spent.
 */
import type { LinearOperator, Progress } from './operator';
import { Rng } from '../rng';
import { dot, norm, scale, orthogonalise } from './vec';
import { throwIfAborted } from '../errors';

export interface TraceOptions {
  relTol?: number;
  /** total product budget (default 150) */
  matvecs?: number;
  /** Hutch++ sketch size k (default min(10, budget/3)) */
  sketch?: number;
  minProbes?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: Progress;
}

export interface TraceResult {
  estimate: number;
  stderr: number;
  /** Hutchinson probes of the (deflated) remainder */
  probes: number;
  /** exact part tr(QᵀAQ) (Hutch++ only) */
  lowRank?: number;
  sketch: number;
  matvecs: number;
  converged: boolean;
}

async function hutchLoop(
  op: LinearOperator,
  rng: Rng,
  budget: number,
  base: number,
  project: (v: Float64Array) => void,
  o: TraceOptions,
  spent: number,
  sketch: number,
): Promise<TraceResult> {
  const relTol = o.relTol ?? 0.01,
    minProbes = o.minProbes ?? 6;
  const samples: number[] = [];
  let mean = 0,
    se = Infinity,
    converged = false;
  while (spent < budget) {
    throwIfAborted(o.signal);
    const g = rng.rademacherVector(op.n);
    project(g);
    const ag = await op.apply(g, o.signal);
    spent++;
    samples.push(dot(g, ag));
    const p = samples.length;
    mean = samples.reduce((a, b) => a + b, 0) / p;
    const variance = p > 1 ? samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (p - 1) : Infinity;
    se = Math.sqrt(variance / p);
    o.onProgress?.({ stage: 'trace', done: spent, total: budget, partial: { estimate: base + mean, stderr: se } });
    if (p >= minProbes && se <= relTol * Math.abs(base + mean)) {
      converged = true;
      break;
    }
  }
  return {
    estimate: base + mean,
    stderr: se,
    probes: samples.length,
    sketch,
    matvecs: spent,
    converged,
    lowRank: sketch ? base : undefined,
  };
}

export async function hutchinson(op: LinearOperator, o: TraceOptions = {}): Promise<TraceResult> {
  return hutchLoop(op, new Rng(o.seed ?? 0), o.matvecs ?? 150, 0, () => undefined, o, 0, 0);
}

export async function hutchPlusPlus(op: LinearOperator, o: TraceOptions = {}): Promise<TraceResult> {
  const budget = o.matvecs ?? 150;
  const k = Math.max(0, Math.min(o.sketch ?? 10, Math.floor(budget / 3), op.n));
  const rng = new Rng(o.seed ?? 0);
  const Q: Float64Array[] = [];
  let spent = 0;
  for (let i = 0; i < k; i++) {
    throwIfAborted(o.signal);
    const y = await op.apply(rng.rademacherVector(op.n), o.signal);
    spent++;
    orthogonalise(y, Q);
    const yn = norm(y);
    if (yn > 1e-12) {
      scale(1 / yn, y);
      Q.push(y);
    }
    o.onProgress?.({ stage: 'trace', done: spent, total: budget });
  }
  let lowRank = 0;
  for (const q of Q) {
    lowRank += dot(q, await op.apply(q, o.signal));
    spent++;
    o.onProgress?.({ stage: 'trace', done: spent, total: budget });
  }
  if (Q.length >= op.n) return { estimate: lowRank, stderr: 0, probes: 0, lowRank, sketch: Q.length, matvecs: spent, converged: true };
  return hutchLoop(op, rng, budget, lowRank, g => orthogonalise(g, Q), o, spent, Q.length);
}
