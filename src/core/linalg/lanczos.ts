/**
 * Extreme eigenpairs of a symmetric operator by the Lanczos method (Lanczos 1950) with full
 * reorthogonalisation (every new Krylov vector is orthogonalised twice against all previous
 * ones, Paige 1971 / Parlett 1980), in float64, from a seeded Gaussian start vector.
 *
 * After step j the tridiagonal T_j = Q_jᵀ A Q_j is diagonalised (implicit QL); its Ritz pairs
 * (θ_i, y_i = Q_j s_i) have residual ‖A y_i − θ_i y_i‖ = β_j |e_jᵀ s_i| (exact in exact arithmetic,
 * and reliable with full reorthogonalisation). We stop when every requested pair — the `top`
 * largest and the `bottom` smallest (most negative) Ritz values — has residual ≤ tol·max|θ|, after
 * at least `minIter` steps, and the requested Ritz values have moved by ≤ tol·max|θ| over the last
 * five steps (a small residual alone only says θ is near *some* eigenvalue).
 * Unlike power iteration with deflation (PyHessian, Yao et al. 2020) this resolves clustered
 * eigenvalues in one Krylov space and returns them sorted. When the Krylov space becomes
 * invariant (β ≈ 0) it continues from a fresh random vector orthogonal to it, so eigenvalues
 * of multiplicity > 1 are found as well.
 */
import type { LinearOperator, Progress } from './operator';
import { Rng } from '../rng';
import { dot, norm, axpy, scale, orthogonalise, combine } from './vec';
import { tridiagEigen } from './tridiag';
import { throwIfAborted } from '../errors';

export interface RitzPair { value: number; residual: number; vector?: Float64Array }

export interface LanczosOptions {
  top?: number;
  bottom?: number;
  /** relative residual tolerance: ‖Av − λv‖ ≤ tol·max|λ| (default 1e-3) */
  tol?: number;
  /** maximum Krylov dimension (= matrix-vector products); default min(n, max(100, 10·(top+bottom))) */
  maxIter?: number;
  /** minimum Krylov dimension before convergence is tested (default 10 + 2·(top+bottom), 30 when bottom > 0) */
  minIter?: number;
  seed?: number;
  returnVectors?: boolean;
  /** recompute each returned pair's residual with one extra product (default: the Lanczos estimate) */
  trueResiduals?: boolean;
  signal?: AbortSignal;
  onProgress?: Progress;
}

export interface LanczosResult {
  top: RitzPair[];
  bottom: RitzPair[];
  iterations: number;
  converged: boolean;
  matvecs: number;
  /** all Ritz values of the final T, ascending */
  ritzValues: number[];
}

export async function lanczosExtremes(op: LinearOperator, o: LanczosOptions): Promise<LanczosResult> {
  const n = op.n;
  const top = Math.min(o.top ?? 1, n), bottom = Math.min(o.bottom ?? 0, n);
  const tol = o.tol ?? 1e-3;
  const maxIter = Math.min(n, o.maxIter ?? Math.max(100, 10 * (top + bottom)));
  const minIter = Math.min(n, o.minIter ?? (bottom > 0 ? Math.max(30, 10 + 2 * (top + bottom)) : 10 + 2 * (top + bottom)));
  const rng = new Rng(o.seed ?? 0);
  const history: number[][] = [];
  const Q: Float64Array[] = [];
  const alpha: number[] = [], beta: number[] = [];
  let q = rng.normalVector(n); scale(1 / norm(q), q);
  let matvecs = 0;
  let eig = { values: [] as number[], vectors: [] as number[][] };
  let converged = false;
  let lastBeta = 0;
  let wanted: number[] = [];
  const residualOf = (i: number): number => Math.abs(lastBeta * eig.vectors[eig.vectors.length - 1][i]);
  for (let j = 0; j < maxIter; j++) {
    throwIfAborted(o.signal);
    Q.push(q);
    const w = await op.apply(q, o.signal); matvecs++;
    const a = dot(q, w);
    alpha.push(a);
    axpy(-a, q, w);
    if (j > 0) axpy(-beta[j - 1], Q[j - 1], w);
    orthogonalise(w, Q);
    let b = norm(w);
    eig = tridiagEigen(alpha, beta);
    const k = eig.values.length;
    const scaleA = Math.max(Math.abs(eig.values[0]), Math.abs(eig.values[k - 1]), 1e-300);
    lastBeta = b;
    const idx = new Set<number>();
    for (let i = 0; i < Math.min(top, k); i++) idx.add(k - 1 - i);
    for (let i = 0; i < Math.min(bottom, k); i++) idx.add(i);
    wanted = [...idx];
    // requested Ritz values (bottom ascending, then top descending), to test that they have settled
    const tracked = [...Array.from({ length: Math.min(bottom, k) }, (_, i) => eig.values[i]), ...Array.from({ length: Math.min(top, k) }, (_, i) => eig.values[k - 1 - i])];
    history.push(tracked);
    const settled = history.length > 5 && history[history.length - 6].length === tracked.length && tracked.every((t, i) => Math.abs(t - history[history.length - 6][i]) <= tol * scaleA);
    // a small residual alone says θ is near *some* eigenvalue; interior-looking extremes (a bulk at
    // zero with small negative outliers) also need the extreme Ritz values to have stopped moving
    const done = k >= top && k >= bottom && (k >= minIter || k >= n) && (settled || k >= n) && wanted.every(i => residualOf(i) <= tol * scaleA);
    o.onProgress?.({ stage: 'lanczos', done: j + 1, total: maxIter, partial: { top: eig.values.slice(-top).reverse(), iterations: j + 1 } });
    const invariant = b <= 1e-10 * scaleA;
    // at an invariant subspace every Ritz pair is exact, but a repeated eigenvalue may still be
    // missing: continue from a fresh direction unless the whole space is spanned
    if (done && k >= Math.min(n, top + bottom) && !invariant) { converged = true; break; }
    if (j === maxIter - 1) { converged = done; break; }
    if (invariant) {
      // invariant subspace: restart from a random vector orthogonal to it (T gets a zero off-diagonal)
      let r = rng.normalVector(n); orthogonalise(r, Q);
      let rn = norm(r);
      if (rn < 1e-8) { converged = true; break; } // the whole space is spanned
      scale(1 / rn, r); q = r; b = 0;
    } else {
      scale(1 / b, w); q = w;
    }
    beta.push(b);
  }
  const k = eig.values.length;
  const pair = async (i: number): Promise<RitzPair> => {
    const p: RitzPair = { value: eig.values[i], residual: residualOf(i) };
    if (o.returnVectors || o.trueResiduals) {
      const s = eig.vectors.map(row => row[i]);
      const y = combine(Q, s);
      scale(1 / norm(y), y);
      if (o.trueResiduals) {
        const ay = await op.apply(y, o.signal); matvecs++;
        axpy(-p.value, y, ay);
        p.residual = norm(ay);
      }
      if (o.returnVectors) p.vector = y;
    }
    return p;
  };
  const topPairs: RitzPair[] = [], bottomPairs: RitzPair[] = [];
  for (let i = 0; i < Math.min(top, k); i++) topPairs.push(await pair(k - 1 - i));
  for (let i = 0; i < Math.min(bottom, k); i++) bottomPairs.push(await pair(i));
  return { top: topPairs, bottom: bottomPairs, iterations: alpha.length, converged, matvecs, ritzValues: eig.values };
}

/** Plain Lanczos tridiagonalisation of `steps` steps from a given unit start vector (used by SLQ). */
export async function lanczosTridiag(op: LinearOperator, start: Float64Array, steps: number, signal?: AbortSignal): Promise<{ alpha: number[]; beta: number[] }> {
  const Q: Float64Array[] = [];
  const alpha: number[] = [], beta: number[] = [];
  let q = start;
  for (let j = 0; j < Math.min(steps, op.n); j++) {
    throwIfAborted(signal);
    Q.push(q);
    const w = await op.apply(q, signal);
    const a = dot(q, w);
    alpha.push(a);
    axpy(-a, q, w);
    if (j > 0) axpy(-beta[j - 1], Q[j - 1], w);
    orthogonalise(w, Q);
    const b = norm(w);
    if (j === Math.min(steps, op.n) - 1 || b <= 1e-12 * Math.max(...alpha.map(Math.abs), 1e-300)) break;
    beta.push(b);
    scale(1 / b, w); q = w;
  }
  return { alpha, beta: beta.slice(0, alpha.length - 1) };
}
