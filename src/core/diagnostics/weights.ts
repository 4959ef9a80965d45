/**
 * Data-free weight spectra (after WeightWatcher, Martin & Mahoney, JMLR 2021): for every weight
 * matrix W (dense kernels; conv kernels reshaped to out × in·kh·kw) the eigenvalues λ_i of the
 * Gram matrix WᵀW / N (N = the larger dimension; singular values σ_i = √(N·λ_i)), the spectral
 * norm ‖W‖₂ = σ_max, the stable rank ‖W‖_F² / ‖W‖₂², and the exponent α of a power law
 * p(λ) ∝ λ^−α fitted to the tail of the empirical spectral density by maximum likelihood
 * (Clauset, Shalizi & Newman, SIAM Review 2009): α̂ = 1 + n / Σ ln(λ_i / λ_min) over λ_i ≥ λ_min,
 * with λ_min chosen to minimise the Kolmogorov–Smirnov distance between the tail and the fit.
 * All eigenvalues come from Lanczos with full reorthogonalisation run to the full dimension on the
 * smaller Gram matrix (exact up to rounding). Works on weights-only formats too (no data needed).
 */
import type { GraphModel, ParamSpec } from '../model/graph';
import { lanczosTridiag } from '../linalg/lanczos';
import { tridiagEigen } from '../linalg/tridiag';
import { jacobiEigen } from '../linalg/jacobi';
import type { LinearOperator } from '../linalg/operator';
import { Rng } from '../rng';
import type { Diagnostic } from './registry';

export interface PowerLawFit {
  alpha: number;
  xmin: number;
  ks: number;
  tail: number;
}
export interface WeightSpectrum {
  name: string;
  layer: string;
  shape: [number, number];
  spectralNorm: number;
  stableRank: number;
  frobenius: number;
  alpha: number | null;
  xmin: number | null;
  ks: number | null;
  tail: number;
  eigenvalues: number[];
}

/** Maximum-likelihood power law on the tail x ≥ xmin, xmin by minimum KS distance (at least `minTail` points). */
export function fitPowerLaw(values: number[], minTail = 10): PowerLawFit | undefined {
  const x = values.filter(v => v > 0 && Number.isFinite(v)).sort((a, b) => a - b);
  let best: PowerLawFit | undefined;
  for (let k = 0; k <= x.length - minTail; k++) {
    const xmin = x[k];
    if (k > 0 && xmin === x[k - 1]) continue;
    const tail = x.slice(k),
      n = tail.length;
    let s = 0;
    for (const v of tail) s += Math.log(v / xmin);
    if (s <= 0) continue;
    const alpha = 1 + n / s;
    // KS distance between the empirical CDF of the tail and P(v) = 1 − (v/xmin)^(1−α)
    let ks = 0;
    for (let i = 0; i < n; i++) {
      const p = 1 - Math.pow(tail[i] / xmin, 1 - alpha);
      ks = Math.max(ks, Math.abs(p - i / n), Math.abs(p - (i + 1) / n));
    }
    if (!best || ks < best.ks) best = { alpha, xmin, ks, tail: n };
  }
  return best;
}

/** W as rows = output units: the parameter reshaped so its output axis comes first. */
export function asMatrix(theta: Float32Array, p: ParamSpec): { rows: number; cols: number; get(i: number, j: number): number } {
  const shape = p.shape;
  const axis = p.outAxis ?? shape.length - 1;
  const rows = shape[axis],
    cols = p.size / rows;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const others = shape.map((_, i) => i).filter(i => i !== axis);
  return {
    rows,
    cols,
    get(i: number, j: number): number {
      let off = i * strides[axis],
        rem = j;
      for (let q = others.length - 1; q >= 0; q--) {
        const a = others[q];
        off += (rem % shape[a]) * strides[a];
        rem = Math.floor(rem / shape[a]);
      }
      return theta[p.offset + off];
    },
  };
}

/** All eigenvalues of WᵀW/N (or WWᵀ/N, the smaller), ascending. */
export async function gramEigenvalues(m: {
  rows: number;
  cols: number;
  get(i: number, j: number): number;
}): Promise<{ eigenvalues: number[]; n: number }> {
  const R = m.rows,
    C = m.cols;
  const W = new Float64Array(R * C);
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) W[i * C + j] = m.get(i, j);
  const small = Math.min(R, C),
    N = Math.max(R, C);
  const op: LinearOperator = {
    n: small,
    async apply(v: Float64Array): Promise<Float64Array> {
      const out = new Float64Array(small);
      if (small === C) {
        // WᵀW v
        const t = new Float64Array(R);
        for (let i = 0; i < R; i++) {
          let s = 0;
          for (let j = 0; j < C; j++) s += W[i * C + j] * v[j];
          t[i] = s;
        }
        for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) out[j] += W[i * C + j] * t[i];
      } else {
        // W Wᵀ v
        const t = new Float64Array(C);
        for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) t[j] += W[i * C + j] * v[i];
        for (let i = 0; i < R; i++) {
          let s = 0;
          for (let j = 0; j < C; j++) s += W[i * C + j] * t[j];
          out[i] = s;
        }
      }
      for (let i = 0; i < small; i++) out[i] /= N;
      return out;
    },
  };
  const v0 = new Rng(0).normalVector(small);
  let nv = 0;
  for (const x of v0) nv += x * x;
  nv = Math.sqrt(nv);
  const { alpha, beta } = await lanczosTridiag(
    op,
    v0.map(x => x / nv),
    small,
  );
  let ev = tridiagEigen(alpha, beta).values;
  if (ev.length < small) {
    // the Krylov space closed early (rank deficiency or repeated values): dense Gram matrix + Jacobi
    const G: number[][] = Array.from({ length: small }, () => new Array<number>(small).fill(0));
    for (let a = 0; a < small; a++)
      for (let b = a; b < small; b++) {
        let s = 0;
        if (small === C) for (let i = 0; i < R; i++) s += W[i * C + a] * W[i * C + b];
        else for (let j = 0; j < C; j++) s += W[a * C + j] * W[b * C + j];
        G[a][b] = G[b][a] = s / N;
      }
    ev = jacobiEigen(G).values;
  }
  return { eigenvalues: ev.map(l => Math.max(l, 0)), n: N };
}

/** Spectra of the matrices of a weights-only file (PyTorch layout: the output axis first). */
export async function tensorSpectra(tensors: { name: string; shape: number[]; values: ArrayLike<number> }[]): Promise<WeightSpectrum[]> {
  const out: WeightSpectrum[] = [];
  for (const t of tensors) {
    if (t.shape.length < 2 || /bias|running_|num_batches/.test(t.name)) continue;
    const values = Float32Array.from(t.values);
    const p: ParamSpec = {
      name: t.name,
      layer: t.name.replace(/\.[^.]*$/, ''),
      role: 'kernel',
      shape: t.shape,
      offset: 0,
      size: values.length,
      outAxis: 0,
    };
    out.push(...(await weightSpectra({ params: [p] } as unknown as GraphModel, values)));
  }
  return out;
}

export async function weightSpectra(
  model: GraphModel,
  theta: Float32Array = model.theta,
  opts: { maxDim?: number } = {},
): Promise<WeightSpectrum[]> {
  const out: WeightSpectrum[] = [];
  for (const p of model.params) {
    if (p.role !== 'kernel' || p.shape.length < 2) continue;
    const m = asMatrix(theta, p);
    if (Math.min(m.rows, m.cols) > (opts.maxDim ?? 2048)) continue;
    const { eigenvalues, n } = await gramEigenvalues(m);
    const lmax = eigenvalues[eigenvalues.length - 1];
    const fro2 = eigenvalues.reduce((a, b) => a + b, 0) * n; // ‖W‖_F² = N·tr(WᵀW/N)
    const fit = fitPowerLaw(eigenvalues);
    out.push({
      name: p.name,
      layer: p.layer,
      shape: [m.rows, m.cols],
      spectralNorm: Math.sqrt(lmax * n),
      stableRank: lmax > 0 ? fro2 / (lmax * n) : 0,
      frobenius: Math.sqrt(fro2),
      alpha: fit?.alpha ?? null,
      xmin: fit?.xmin ?? null,
      ks: fit?.ks ?? null,
      tail: fit?.tail ?? 0,
      eigenvalues,
    });
  }
  return out;
}

/** Data-free weight spectra (Martin & Mahoney 2021): singular values, stable rank, power-law α. */
export const weightsDiagnostic: Diagnostic = {
  id: 'weights',
  title: 'Weight spectra',
  options: [
    {
      key: 'weights',
      flag: '--weights',
      help: 'data-free weight spectra: spectral norm, stable rank, power-law α per weight matrix',
      kind: 'switch',
    },
  ],
  enabled: o => Boolean(o.weights),
  runsOnNonFinite: true,
  async run(ctx) {
    ctx.progress('weights', 'weight spectra');
    ctx.result.weights = { layers: (await weightSpectra(ctx.model, ctx.theta)).map(({ eigenvalues: _e, ...w }) => w) };
  },
};
