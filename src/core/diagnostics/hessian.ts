/**
 * Hessian spectrum of the loss at θ from exact Hessian-vector products:
 *  - extreme eigenpairs by Lanczos with full reorthogonalisation (top-k largest, bottom-k most
 *    negative), each with its residual ‖Hv − λv‖ (Lanczos, 1950; as used by PyHessian, Yao et al. 2020);
 *  - trace by Hutch++ (Meyer, Musco, Musco & Woodruff, SOSA 2021) with a standard error;
 *  - spectral density by stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017; Ghorbani,
 *    Krishnan & Xiao, ICML 2019) with Gaussian broadening, normalised to integrate to 1.
 * The operator is H(θ)v computed by double backprop in float32; all Krylov arithmetic is float64.
 */
import type { LinearOperator, Progress } from '../linalg/operator';
import type { Objective } from '../objective';
import { lanczosExtremes } from '../linalg/lanczos';
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
}

export interface HessianResult {
  top: { value: number; residual: number }[];
  bottom: { value: number; residual: number }[];
  /** Unit eigenvectors (float64), when requested; not serialised to JSON. */
  vectors?: { top: Float64Array[]; bottom: Float64Array[] };
  trace?: { estimate: number; stderr: number; probes: number; method: string; hvps: number };
  density?: { grid: number[]; values: number[]; nodes: number[][]; weights: number[][]; hvps: number };
  lanczos?: { iterations: number; converged: boolean; hvps: number; tol: number };
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
    const l = await lanczosExtremes(op, { top, bottom, tol, maxIter: opts.maxIter, seed, signal, onProgress, returnVectors: opts.returnVectors });
    res.top = l.top.map(p => ({ value: p.value, residual: p.residual }));
    res.bottom = l.bottom.map(p => ({ value: p.value, residual: p.residual }));
    if (opts.returnVectors) res.vectors = { top: l.top.map(p => p.vector!), bottom: l.bottom.map(p => p.vector!) };
    res.lanczos = { iterations: l.iterations, converged: l.converged, hvps: counter.n - before, tol };
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
