/**
 * Spectral density by stochastic Lanczos quadrature (Golub & Meurant 1994; Ubaru, Chen & Saad,
 * SIAM J. Matrix Anal. Appl. 2017; applied to network Hessians by Ghorbani, Krishnan & Xiao,
 * ICML 2019 and PyHessian). For each of `probes` normalised Rademacher vectors v, `steps`
 * Lanczos steps give T = S Θ Sᵀ; the Gauss quadrature nodes θ_i with weights τ_i = (S_{1i})²
 * satisfy vᵀ f(A) v ≈ Σ τ_i f(θ_i). The density is φ(t) = (1/probes) Σ_probes Σ_i τ_i g_σ(t − θ_i),
 * g_σ a Gaussian of width σ, evaluated on a grid and normalised to integrate to 1.
 * Its mean Σ τ_i θ_i = vᵀAv estimates tr(A)/n.
 */
import type { LinearOperator, Progress } from './operator';
import { Rng } from '../rng';
import { norm, scale } from './vec';
import { lanczosTridiag } from './lanczos';
import { KrylovSpace } from './workspace';
import { tridiagEigenRows } from './tridiag';

export interface SlqOptions {
  probes?: number;
  steps?: number;
  gridPoints?: number;
  /** Gaussian width; default 1 % of the spectral range */
  sigma?: number;
  seed?: number;
  /**
   * A Lanczos tridiagonal T already computed from a unit start vector uniform on the sphere (the
   * spectrum's: a normalised Gaussian): it is the first probe (its quadrature costs no HVPs), and
   * `probes − 1` new ones follow.
   */
  first?: { alpha: number[]; beta: number[] };
  signal?: AbortSignal;
  onProgress?: Progress;
}

export interface SlqResult {
  grid: number[];
  values: number[];
  nodes: number[][];
  weights: number[][];
  sigma: number;
  matvecs: number;
}

export async function slqDensity(op: LinearOperator, o: SlqOptions = {}): Promise<SlqResult> {
  const probes = o.probes ?? 4,
    steps = o.steps ?? 40,
    points = o.gridPoints ?? 400;
  const rng = new Rng(o.seed ?? 0);
  const nodes: number[][] = [],
    weights: number[][] = [];
  let matvecs = 0;
  // one workspace for every probe (its rows are overwritten by the next probe's Lanczos vectors)
  const space = new KrylovSpace(op.n, Math.max(1, Math.min(steps, op.n)), op.apply32 ? 'float32' : 'float64');
  if (o.first && o.first.alpha.length && probes > 0) {
    const e = tridiagEigenRows(o.first.alpha, o.first.beta, [0]);
    nodes.push(e.values);
    weights.push(e.rows[0].map(s => s * s));
  }
  for (let p = nodes.length; p < probes; p++) {
    const v = rng.rademacherVector(op.n);
    scale(1 / norm(v), v);
    const counting: LinearOperator = {
      n: op.n,
      apply: (x, s) => {
        matvecs++;
        return op.apply(x, s);
      },
      ...(op.apply32
        ? {
            apply32: (x: Float32Array, s?: AbortSignal) => {
              matvecs++;
              return op.apply32!(x, s);
            },
          }
        : {}),
    };
    const { alpha, beta } = await lanczosTridiag(counting, v, steps, o.signal, space);
    const e = tridiagEigenRows(alpha, beta, [0]);
    nodes.push(e.values);
    weights.push(e.rows[0].map(s => s * s));
    o.onProgress?.({ stage: 'density', done: p + 1, total: probes });
  }
  return { ...densityOnGrid(nodes, weights, points, o.sigma), nodes, weights, matvecs };
}

/**
 * φ(t) = (1/P) Σ_p Σ_i τ_pi g_σ(t − θ_pi) on a grid of `points` covering the nodes ± 5σ, σ default 1 %
 * of the range, normalised to integrate to 1 (trapezoid rule).
 */
export function densityOnGrid(
  nodes: number[][],
  weights: number[][],
  points: number,
  sigmaIn?: number,
): { grid: number[]; values: number[]; sigma: number } {
  const probes = nodes.length;
  const all = nodes.flat();
  const lo = Math.min(...all),
    hi = Math.max(...all);
  const sigma = sigmaIn ?? Math.max((hi - lo) / 100, 1e-12 * Math.max(1, Math.abs(hi)));
  const a = lo - 5 * sigma,
    b = hi + 5 * sigma;
  const grid: number[] = [],
    values: number[] = [];
  const c = 1 / (probes * sigma * Math.sqrt(2 * Math.PI));
  for (let g = 0; g < points; g++) {
    const t = a + ((b - a) * g) / (points - 1);
    let s = 0;
    for (let p = 0; p < probes; p++)
      for (let i = 0; i < nodes[p].length; i++) s += weights[p][i] * Math.exp(-0.5 * ((t - nodes[p][i]) / sigma) ** 2);
    grid.push(t);
    values.push(c * s);
  }
  let integral = 0;
  for (let g = 1; g < points; g++) integral += 0.5 * (values[g] + values[g - 1]) * (grid[g] - grid[g - 1]);
  for (let g = 0; g < points; g++) values[g] /= integral;
  return { grid, values, sigma };
}
