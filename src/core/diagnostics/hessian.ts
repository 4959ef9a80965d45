/**
 * Hessian spectrum of the loss at θ from exact Hessian-vector products:
 *  - extreme eigenpairs by Lanczos with full reorthogonalisation (top-k largest, bottom-k most
 *    negative), each with its residual ‖Hv − λv‖ (Lanczos, 1950; as used by PyHessian, Yao et al. 2020);
 *  - trace by Hutch++ (Meyer, Musco, Musco & Woodruff, SOSA 2021) with a standard error;
 *  - spectral density by stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017; Ghorbani,
 *    Krishnan & Xiao, ICML 2019) with Gaussian broadening, normalised to integrate to 1.
 * The operator is H(θ)v computed by double backprop in float32; all Krylov arithmetic is float64.
 *
 * Error bars and stopping (see src/core/linalg/lanczos.ts): every eigenvalue is reported with its
 * residual, the gap-based bound and the smaller of the two (`bound`), an interval (`lower`, `upper`;
 * one-sided at the extremes since θ_max ≤ λ_max and θ_min ≥ λ_min) and a status. An eigenvalue must
 * (every bound is widened by 1e-6·max|λ| for the float32 HVPs) reach bound ≤ max(tol·|λ|, 0.1·τ·λ_max) — relative to itself, with a floor a tenth of the verdict's
 * thresholds τ = min(negativeCurvature, nearZero) — and, for λ_min, its interval must not straddle
 * the saddle threshold −negativeCurvature·λ_max; otherwise it is `unresolved`, with the estimated
 * extra HVPs. When only top eigenvalues are requested, the smallest Ritz value of the same Krylov
 * space is reported as `bottomEstimate` (the iteration goes on, within the budget, until its sign
 * relative to the saddle threshold is resolved), so a quick diagnosis can check curvature.
 */
import type { LinearOperator, Progress } from '../linalg/operator';
import type { Objective } from '../objective';
import { lanczosExtremes, PairView, RitzPair } from '../linalg/lanczos';
import { hutchPlusPlus } from '../linalg/trace';
import { slqDensity } from '../linalg/slq';

export interface HessianOptions {
  top?: number;
  bottom?: number;
  tol?: number;
  maxIter?: number;
  trace?: boolean;
  traceRelTol?: number;
  traceMaxMatvecs?: number;
  density?: boolean;
  densityProbes?: number;
  densitySteps?: number;
  seed?: number;
  returnVectors?: boolean;
  /** the verdict thresholds the eigenvalues must be resolved against (defaults: verdict.ts) */
  thresholds?: { negativeCurvature: number; nearZero: number };
  /** with top > 0 and bottom = 0: also estimate λ_min from the same Krylov space (default false; the diagnose job turns it on) */
  bottomEstimate?: boolean;
  /** return the Ritz vectors of up to this many near-zero eigenvalues (|λ| ≤ nearZero·λ_max) for the null-direction probe */
  nullVectors?: number;
}

/** An eigenvalue with its error bars (JSON `hessian.top[]`, `bottom[]`, `bottomEstimate`). */
export interface Eigenvalue {
  value: number;
  /** ‖Hy − θy‖: some eigenvalue lies within it of value */
  residual: number;
  /** residual²/gap (Kato–Temple; gap from the neighbouring Ritz value less its residual), null when gap ≤ residual */
  gapBound: number | null;
  /** min(residual, gapBound) + the float32 floor: the error bar reported */
  bound: number;
  /** the interval the eigenvalue lies in (one-sided at the extremes) */
  lower: number;
  upper: number;
  /** 'converged': resolved to its tolerance and on one side of every verdict threshold; 'unresolved': not within the budget */
  status: 'converged' | 'unresolved';
  /** unresolved: estimated further HVPs to resolve it (null: no estimate; the bound was not decreasing) */
  extraHvps?: number | null;
}

/** Thrown when an HVP has a NaN/Inf component: the diagnosis stops with verdict undetermined. */
export class NonFiniteError extends Error {
  constructor(message: string) { super(message); this.name = 'NonFiniteError'; }
}

export interface HessianResult {
  top: Eigenvalue[];
  bottom: Eigenvalue[];
  /** with top only: λ_min estimated from the same Krylov space */
  bottomEstimate?: Eigenvalue;
  /** Unit eigenvectors (float64), when requested; not serialised to JSON. */
  vectors?: { top: Float64Array[]; bottom: Float64Array[]; nearZero?: { value: number; bound: number; vector: Float64Array }[] };
  trace?: { estimate: number; stderr: number; probes: number; method: string; hvps: number };
  density?: { grid: number[]; values: number[]; nodes: number[][]; weights: number[][]; hvps: number };
  lanczos?: { iterations: number; converged: boolean; hvps: number; tol: number; unresolved: number; extraHvps: number | null };
  hvps: number;
  hvpMethod: 'exact';
  ms: number;
}

export function hessianOperator(obj: Objective, theta: Float32Array, counter: { n: number }): LinearOperator {
  return {
    n: obj.numParams,
    async apply(v: Float64Array, signal?: AbortSignal): Promise<Float64Array> {
      counter.n++;
      const hv = await obj.hvp(theta, Float32Array.from(v), signal);
      for (let i = 0; i < hv.length; i++) if (!Number.isFinite(hv[i])) throw new NonFiniteError(`a Hessian-vector product has a non-finite component (${hv[i]} at parameter ${i}): the curvature overflows in float32`);
      return Float64Array.from(hv);
    },
  };
}

export async function hessianSpectrum(obj: Objective, theta: Float32Array, opts: HessianOptions, signal?: AbortSignal, onProgress?: Progress): Promise<HessianResult> {
  const t0 = performance.now();
  const counter = { n: 0 };
  const op = hessianOperator(obj, theta, counter);
  const seed = opts.seed ?? 0;
  const res: HessianResult = { top: [], bottom: [], hvps: 0, hvpMethod: 'exact', ms: 0 };
  const top = opts.top ?? 0, bottom = opts.bottom ?? 0;
  if (top > 0 || bottom > 0) {
    const before = counter.n;
    const tol = opts.tol ?? 1e-3;
    const th = opts.thresholds ?? { negativeCurvature: 1e-3, nearZero: 1e-3 };
    const estimate = bottom === 0 && top > 0 && opts.bottomEstimate === true;
    const ref = (p: PairView) => (p.thetaMax > 0 ? p.thetaMax : Math.max(Math.abs(p.thetaMax), Math.abs(p.thetaMin)));
    const requiredBound = (p: PairView): number => {
      const accuracy = Math.max(tol * Math.abs(p.value), 0.1 * Math.min(th.negativeCurvature, th.nearZero) * ref(p));
      if (p.side !== 'bottom' || p.rank !== 0) return accuracy;
      const T = -th.negativeCurvature * ref(p);
      if (p.upper < T) return estimate ? Infinity : accuracy; // certainly below the saddle threshold (θ_min ≥ λ_min)
      return estimate ? p.value - T : Math.min(accuracy, p.value - T); // the interval must not straddle it
    };
    const l = await lanczosExtremes(op, {
      top, bottom: estimate ? 1 : bottom, tol, maxIter: opts.maxIter, minIter: estimate ? 10 + 2 * top : undefined, seed, signal, onProgress, returnVectors: opts.returnVectors, requiredBound,
      nearZero: opts.nullVectors ? { within: (mx, mn) => th.nearZero * (mx > 0 ? mx : Math.max(Math.abs(mx), Math.abs(mn))), max: opts.nullVectors } : undefined,
    });
    // the products are float32: an error floor of 1e-6·max|θ| widens every bound (the Krylov arithmetic itself is float64)
    const noise = 1e-6 * Math.max(...l.ritzValues.map(Math.abs), 0);
    const asEig = (p: RitzPair): Eigenvalue => ({ value: p.value, residual: p.residual, gapBound: p.gap !== undefined && Number.isFinite(p.gap) && p.gap > p.residual ? (p.residual * p.residual) / p.gap : null, bound: (p.bound ?? p.residual) + noise, lower: (p.lower ?? p.value - p.residual) - noise, upper: (p.upper ?? p.value + p.residual) + noise, status: p.status ?? 'converged',
      ...(p.status === 'unresolved' ? { extraHvps: p.extraMatvecs ?? null } : {}) });
    res.top = l.top.map(asEig);
    if (estimate) { if (l.bottom[0]) res.bottomEstimate = asEig(l.bottom[0]); } else res.bottom = l.bottom.map(asEig);
    if (opts.returnVectors) res.vectors = { top: l.top.map(p => p.vector!), bottom: estimate ? [] : l.bottom.map(p => p.vector!) };
    if (l.nearZero) (res.vectors ??= { top: [], bottom: [] }).nearZero = l.nearZero.map(p => ({ value: p.value, bound: p.bound ?? p.residual, vector: p.vector! }));
    const requested = [...res.top, ...res.bottom];
    const open = [...requested, ...(res.bottomEstimate ? [res.bottomEstimate] : [])].filter(e => e.status === 'unresolved');
    const extra = open.length ? (open.some(e => e.extraHvps == null) ? null : Math.max(...open.map(e => e.extraHvps!))) : 0;
    res.lanczos = { iterations: l.iterations, converged: requested.every(e => e.status === 'converged'), hvps: counter.n - before, tol, unresolved: open.length, extraHvps: extra };
  }
  if (opts.trace) {
    const before = counter.n;
    const t = await hutchPlusPlus(op, { relTol: opts.traceRelTol ?? 0.01, matvecs: opts.traceMaxMatvecs ?? 150, seed: seed + 1, signal, onProgress });
    res.trace = { estimate: t.estimate, stderr: t.stderr, probes: t.probes, method: 'hutch++', hvps: counter.n - before };
  }
  if (opts.density) {
    const before = counter.n;
    const d = await slqDensity(op, { probes: opts.densityProbes ?? 4, steps: opts.densitySteps ?? 40, seed: seed + 2, signal, onProgress });
    res.density = { grid: d.grid, values: d.values, nodes: d.nodes, weights: d.weights, hvps: counter.n - before };
  }
  res.hvps = counter.n;
  res.ms = performance.now() - t0;
  return res;
}
