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

/**
 * The same basis, built faster for long vectors: the p Gaussian rows drawn from the same stream, then
 * orthonormalised in order by CholeskyQR2 (GEMMs on ONNX Runtime's MatMul, native/dense.ts) — the Q of
 * Gram–Schmidt, equal to subspaceBasis' to float64 rounding. One contiguous p×n buffer; the rows are views.
 * Falls back to subspaceBasis when the subspace is not thin (n < 4p), small, or the Cholesky fails.
 */
export async function subspaceBasisFast(n: number, p: number, seed: number): Promise<Float64Array[]> {
  // the same (n, p, seed) gives the same basis: the last one is kept (up to BASIS_CACHE_BYTES), so the
  // checkpoints of one run diagnosed in one process (the extension's worker, `landscape report`) draw it once
  if (lastBasis && lastBasis.n === n && lastBasis.p === p && lastBasis.seed === seed) return lastBasis.A;
  const A = await buildSubspaceBasis(n, p, seed);
  lastBasis = n * p * 8 <= BASIS_CACHE_BYTES ? { n, p, seed, A } : undefined;
  return A;
}

/** The largest subspace basis kept between diagnoses in one process (float64 bytes). */
export const BASIS_CACHE_BYTES = 256 * 2 ** 20;
let lastBasis: { n: number; p: number; seed: number; A: Float64Array[] } | undefined;

async function buildSubspaceBasis(n: number, p: number, seed: number): Promise<Float64Array[]> {
  if (n < 4 * p || n * p < 1e6) return subspaceBasis(n, p, seed);
  const rng = new Rng(seed);
  const X = new Float64Array(p * n);
  for (let j = 0; j < p; j++) rng.fillNormal(X.subarray(j * n, (j + 1) * n));
  const { choleskyQr2 } = await import('../native/dense');
  const Q = await choleskyQr2(X, p, n);
  if (!Q) return subspaceBasis(n, p, seed);
  return Array.from({ length: p }, (_, j) => Q.subarray(j * n, (j + 1) * n));
}

export interface KeskarRun {
  epsilon: number;
  subspace?: number;
}

/**
 * Several Keskar runs (ε, full space or the random subspace) in lockstep: at each ascent step the
 * gradients of every active run are one gradientBlock and their trial losses one lossBlock (one pass
 * over the data for all of them). Each run follows exactly the iteration of a run on its own.
 */
export async function keskarSharpnessRuns(
  obj: Objective,
  theta: Float32Array,
  runs: KeskarRun[],
  o: {
    iterations?: number;
    seed?: number;
    /** the subspace basis of subspaceBasis(n, subspace, seed), when the caller has it */ basis?: Float64Array[];
    signal?: AbortSignal;
    onProgress?: (p: { stage: string; done: number; total: number }) => void;
  } = {},
): Promise<KeskarResult[]> {
  const iters = o.iterations ?? 20,
    n = theta.length;
  const l0 = await obj.loss(theta, o.signal);
  let basis = o.basis;
  interface RunState {
    eps: number;
    p: number;
    A: Float64Array[];
    dim: number;
    bound: Float64Array;
    y: Float64Array;
    best: number;
    bestY: Float64Array;
    step: number;
    evaluations: number;
    active: boolean;
  }
  const state: RunState[] = [];
  for (const r of runs) {
    const eps = r.epsilon;
    const p = r.subspace ? Math.min(r.subspace, n) : 0;
    // A with orthonormal columns (or the identity): y lives in R^p (or R^n)
    if (p && !(basis?.length === p && basis[0].length === n)) basis = await subspaceBasisFast(n, p, o.seed ?? 0);
    const A: Float64Array[] = p ? basis! : [];
    const dim = p || n;
    const bound = new Float64Array(dim);
    // (Aᵀθ)_i: the p projections of θ as one product (GEMM on a contiguous basis)
    const projTheta = p ? await projectRows(Float64Array.from(theta), 1, A, n) : undefined;
    for (let i = 0; i < dim; i++) bound[i] = eps * (Math.abs(projTheta ? projTheta[i] : theta[i]) + 1);
    const y = new Float64Array(dim);
    state.push({ eps, p, A, dim, bound, y, best: l0, bestY: y, step: 0.5, evaluations: 1, active: true });
  }
  /**
   * The block of points θ + A·y_j (float64 sum, rounded once to float32), one row per run: the subspace
   * runs' A·y as one product W·A (W the q × p coefficients; GEMM on a contiguous basis), no per-run copies.
   * A point already built for the same y (the ascent's gradient step is at the last trial point or the
   * best one, both built for their loss) is copied, not recomputed: one pass over the basis per iteration fewer.
   */
  const built = new WeakMap<Float64Array, Float32Array>();
  const block = async (ss: RunState[], ys: Float64Array[]): Promise<Float32Array> => {
    const out = new Float32Array(ss.length * n);
    const sub = ss.map((s, j) => (s.p && !built.has(ys[j]) ? j : -1)).filter(j => j >= 0);
    let AY: Float64Array | undefined;
    if (sub.length) {
      const p = ss[sub[0]].p;
      const W = new Float64Array(sub.length * p);
      sub.forEach((j, r) => W.set(ys[j], r * p));
      AY = await combineRows(W, sub.length, ss[sub[0]].A, n);
    }
    ss.forEach((s, j) => {
      const o = j * n;
      const done = built.get(ys[j]);
      if (done) out.set(done, o);
      else if (s.p) {
        const r = sub.indexOf(j) * n;
        for (let k = 0; k < n; k++) out[o + k] = theta[k] + AY![r + k];
      } else {
        const y = ys[j];
        for (let k = 0; k < n; k++) out[o + k] = theta[k] + y[k];
      }
      if (s.p && !done) built.set(ys[j], out.slice(o, o + n));
    });
    return out;
  };
  for (let it = 0; it < iters; it++) {
    throwIfAborted(o.signal);
    const act = state.filter(s => s.active);
    if (act.length === 0) break;
    o.onProgress?.({ stage: 'ε-sharpness', done: it, total: iters });
    const G = await obj.gradientBlock(
      await block(
        act,
        act.map(s => s.y),
      ),
      o.signal,
    );
    // gradients in y coordinates: the subspace runs' projections A·g as one product
    const sub = act.map((s, j) => (s.p ? j : -1)).filter(j => j >= 0);
    let proj: Float64Array | undefined;
    if (sub.length) {
      const Gs = new Float64Array(sub.length * n);
      sub.forEach((j, r) => {
        const g = G.gradient.subarray(j * n, (j + 1) * n);
        for (let k = 0; k < n; k++) Gs[r * n + k] = g[k];
      });
      proj = await projectRows(Gs, sub.length, act[sub[0]].A, n);
    }
    const nexts = act.map((s, j) => {
      s.evaluations++;
      const loss = G.loss[j];
      if (loss > s.best) {
        s.best = loss;
        s.bestY = s.y;
      }
      const gy = new Float64Array(s.dim);
      if (s.p) gy.set(proj!.subarray(sub.indexOf(j) * s.p, (sub.indexOf(j) + 1) * s.p));
      else {
        const g = G.gradient.subarray(j * n, (j + 1) * n);
        for (let i = 0; i < n; i++) gy[i] = g[i];
      }
      const next = new Float64Array(s.dim);
      for (let i = 0; i < s.dim; i++)
        next[i] = Math.max(-s.bound[i], Math.min(s.bound[i], s.y[i] + s.step * 2 * s.bound[i] * Math.sign(gy[i])));
      return next;
    });
    const L = await obj.lossBlock(await block(act, nexts), o.signal);
    act.forEach((s, j) => {
      s.evaluations++;
      const ln = L[j];
      if (ln > s.best) {
        s.best = ln;
        s.bestY = nexts[j];
        s.y = nexts[j];
      } else {
        s.step /= 2;
        s.y = s.bestY;
        if (s.step < 1e-3) s.active = false;
      }
    });
  }
  return state.map(s => ({
    epsilon: s.eps,
    subspace: s.p || null,
    value: ((s.best - l0) / (1 + l0)) * 100,
    maxLoss: s.best,
    iterations: iters,
    evaluations: s.evaluations,
  }));
}

/** The basis rows as one p × n buffer when they are views of one (subspaceBasisFast), else undefined. */
function contiguousBasis(A: Float64Array[], n: number): Float64Array | undefined {
  const p = A.length;
  const buf = A[0].buffer;
  const contiguous = A.every((a, j) => a.buffer === buf && a.byteOffset === A[0].byteOffset + j * n * 8) && A[0].byteOffset === 0;
  return contiguous && p * n >= 1e6 ? new Float64Array(buf, 0, p * n) : undefined;
}

/** Σ_j W_ij A_j for each row i of W [r, p] (float64; ONNX Runtime's GEMM when the basis is one contiguous buffer). */
async function combineRows(W: Float64Array, r: number, A: Float64Array[], n: number): Promise<Float64Array> {
  const p = A.length;
  const flat = contiguousBasis(A, n);
  if (flat) {
    const { mulSmall } = await import('../native/dense');
    return mulSmall(W, r, flat, p, n);
  }
  const out = new Float64Array(r * n);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < p; j++) {
      const a = A[j],
        c = W[i * p + j],
        o = i * n;
      if (c !== 0) for (let k = 0; k < n; k++) out[o + k] += c * a[k];
    }
  return out;
}

/** A·g for each row g of G [r, n] (float64 dot products; on ONNX Runtime's GEMM when the basis is one contiguous buffer). */
async function projectRows(G: Float64Array, r: number, A: Float64Array[], n: number): Promise<Float64Array> {
  const p = A.length;
  const flat = contiguousBasis(A, n);
  if (flat) {
    const { dotRows } = await import('../native/dense');
    return dotRows(G, r, flat, p, n);
  }
  const out = new Float64Array(r * p);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      const a = A[j];
      for (let k = 0; k < n; k++) s += a[k] * G[i * n + k];
      out[i * p + j] = s;
    }
  return out;
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
  const [r] = await keskarSharpnessRuns(obj, theta, [{ epsilon: o.epsilon ?? 1e-3, subspace: o.subspace }], o);
  return r;
}

/** The ε of the Keskar runs and the dimension of the random subspace (the full space is the other). */
export const KESKAR_EPSILONS = [1e-3, 5e-4] as const;
export const KESKAR_SUBSPACE = 100;

async function runSharpness(ctx: RunContext): Promise<void> {
  const { obj, theta, seed, signal } = ctx;
  // the four runs (two ε, full space and one random subspace built once) in lockstep: block gradients and losses
  ctx.progress('sharpness', `ε-sharpness ε=${KESKAR_EPSILONS.join(', ')}, full space and a random ${KESKAR_SUBSPACE}-dim subspace`);
  const runs = KESKAR_EPSILONS.flatMap(epsilon => [{ epsilon }, { epsilon, subspace: KESKAR_SUBSPACE }]);
  const rs = await keskarSharpnessRuns(obj, theta, runs, { seed, signal });
  const keskar = rs.map(r => ({
    epsilon: r.epsilon,
    subspace: r.subspace,
    value: r.value,
    maxLoss: r.maxLoss,
    evaluations: r.evaluations,
  }));
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
