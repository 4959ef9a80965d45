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
 * Error bars. For each returned Ritz pair: the residual bound — some eigenvalue λ lies in
 * [θ − ‖r‖, θ + ‖r‖] (for symmetric A; rigorous up to the rounding of the products) — and the gap
 * bound |λ − θ| ≤ ‖r‖²/gap (Kato–Temple; Parlett 1980, §11-5), gap = the distance from θ to the
 * nearest other Ritz value less that value's residual, an estimate of the distance to the next
 * eigenvalue (the bound assumes no eigenvalue was missed in between). `bound` is the smaller of the
 * two. The extreme Ritz values are also one-sided (Cauchy interlacing): θ_max ≤ λ_max and
 * θ_min ≥ λ_min, so `lower`/`upper` are [θ_max, θ_max + bound] at the top and [θ_min − bound, θ_min]
 * at the bottom (interior pairs: θ ± bound). A caller may say how small each pair's bound must be
 * (`requiredBound`, e.g. relative to a decision threshold); a pair that has not reached it when the
 * budget runs out is `unresolved`, with an estimate of the extra products it would need
 * (`extraMatvecs`, from the bound's geometric decrease over the last five steps).
 *
 * Unlike power iteration with deflation (PyHessian, Yao et al. 2020) this resolves clustered
 * eigenvalues in one Krylov space and returns them sorted. When the Krylov space becomes
 * invariant (β ≈ 0) it continues from a fresh random vector orthogonal to it, so eigenvalues
 * of multiplicity > 1 are found as well.
 *
 * The basis lives in one preallocated workspace (./workspace.ts): float32 when the operator's
 * products are float32 (`apply32`: no per-product conversion of full vectors), else float64; each
 * reorthogonalisation pass is two GEMVs (ONNX Runtime) on large spaces. The workspace holds `ncv`
 * vectors; when it fills before convergence the iteration is thick-restarted (Wu & Simon, SIAM J.
 * Matrix Anal. Appl. 22(2), 2000): the r = wanted + (ncv − wanted)/2 Ritz vectors at the requested
 * ends are kept (one GEMM, Y = S_rᵀ Q), and with the residual direction q_{k+1} they span a space on
 * which A projects to diag(θ) bordered by β·s (s = last components of the kept Ritz vectors). A
 * Householder reduction of that arrowhead matrix that fixes q_{k+1} makes it tridiagonal again, so the
 * iteration continues as plain Lanczos (the same recurrence, the same residual formula) in a basis of
 * at most ncv vectors: top-20 no longer pays O(k²·n) in a growing basis. Per step only the last row of
 * the tridiagonal's eigenvectors is formed (O(k²)); the Ritz vectors are one GEMM at the end.
 */
import type { LinearOperator, Progress } from './operator';
import { Rng } from '../rng';
import { KrylovSpace, Vec, dotv, normv, axpyv, scalev } from './workspace';
import { tridiagEigen, tridiagEigenRows } from './tridiag';
import { throwIfAborted } from '../errors';

export interface RitzPair {
  value: number;
  /** ‖Ay − θy‖: some eigenvalue lies within it */
  residual: number;
  vector?: Float64Array;
  /** distance to the nearest other Ritz value less its residual (Infinity when there is none) */
  gap?: number;
  /** min(residual, residual²/gap): the error bar reported */
  bound?: number;
  /** interval for the eigenvalue this pair approximates (one-sided at the extremes) */
  lower?: number;
  upper?: number;
  /** 'converged': bound ≤ the required bound and the value has settled; else 'unresolved' */
  status?: 'converged' | 'unresolved';
  /** the bound this pair had to reach */
  required?: number;
  /** unresolved pairs: estimated further products to reach `required` (null: no estimate, the bound is not decreasing) */
  extraMatvecs?: number | null;
}

/** What a `requiredBound` callback sees: the current Ritz pair, which end and rank it is, and the current extremes. */
export interface PairView {
  side: 'top' | 'bottom';
  rank: number;
  value: number;
  residual: number;
  bound: number;
  lower: number;
  upper: number;
  thetaMax: number;
  thetaMin: number;
}

export interface LanczosOptions {
  top?: number;
  bottom?: number;
  /** relative residual tolerance: ‖Av − λv‖ ≤ tol·max|λ| (default 1e-3) */
  tol?: number;
  /** maximum matrix-vector products (the Krylov dimension without restarts); default min(n, max(100, 10·(top+bottom))) */
  maxIter?: number;
  /** workspace size: thick restart when the basis reaches it; default min(maxIter, max(50, 2·(top+bottom) + 20)) */
  ncv?: number;
  /** minimum Krylov dimension before convergence is tested (default 10 + 2·(top+bottom), 30 when bottom > 0) */
  minIter?: number;
  seed?: number;
  returnVectors?: boolean;
  /** recompute each returned pair's residual with one extra product (default: the Lanczos estimate) */
  trueResiduals?: boolean;
  /**
   * The bound each requested pair must reach (absolute). Default: tol·max|θ| on the residual (the
   * classic relative test). With a callback, the pair's `bound` (gap-based) is tested instead, and
   * the value must also have moved by no more than the required bound over the last five steps.
   */
  requiredBound?: (p: PairView) => number;
  /** also return the Ritz pairs (with vectors) whose |θ| ≤ within(θ_max, θ_min), nearest zero first, at most `max` */
  nearZero?: { within: (thetaMax: number, thetaMin: number) => number; max: number };
  signal?: AbortSignal;
  onProgress?: Progress;
}

export interface LanczosResult {
  top: RitzPair[];
  bottom: RitzPair[];
  iterations: number;
  converged: boolean;
  matvecs: number;
  /** thick restarts done (0: one plain Lanczos run) */
  restarts: number;
  /** all Ritz values of the final T, ascending */
  ritzValues: number[];
  /**
   * the tridiagonal T of the Lanczos run from the start vector (diagonal, off-diagonal; a zero off-diagonal where it continued
   * from a fresh vector): SLQ reuses it as a probe. With thick restarts: the first cycle's (ncv steps from the start vector).
   */
  alpha: number[];
  beta: number[];
  /** with `nearZero`: the Ritz pairs nearest zero, with unit vectors */
  nearZero?: RitzPair[];
}

export async function lanczosExtremes(op: LinearOperator, o: LanczosOptions): Promise<LanczosResult> {
  const n = op.n;
  const top = Math.min(o.top ?? 1, n),
    bottom = Math.min(o.bottom ?? 0, n);
  const tol = o.tol ?? 1e-3;
  const maxIter = Math.min(n, o.maxIter ?? Math.max(100, 10 * (top + bottom)));
  const minIter = Math.min(n, o.minIter ?? (bottom > 0 ? Math.max(30, 10 + 2 * (top + bottom)) : 10 + 2 * (top + bottom)));
  const rng = new Rng(o.seed ?? 0);
  const history: number[][] = [];
  const boundHistory: number[][] = [];
  const wanted = top + bottom;
  const ncv = lanczosWorkspace(maxIter, wanted, o.ncv);
  const Q = new KrylovSpace(n, ncv, op.apply32 ? 'float32' : 'float64');
  const alpha: number[] = [],
    beta: number[] = [];
  let q: Vec = Q.newVec();
  q.set(rng.normalVector(n));
  scalev(1 / normv(q), q);
  let matvecs = 0;
  // per step: the Ritz values and the last row of T's eigenvectors (the residuals)
  let eig = { values: [] as number[], last: [] as number[] };
  let steps = 0,
    restarts = 0;
  let first: { alpha: number[]; beta: number[] } | undefined;
  let converged = false;
  let lastBeta = 0;
  const residualOf = (i: number): number => Math.abs(lastBeta * eig.last[i]);
  // the requested pairs as (side, rank, index into eig.values): bottom ascending, then top descending
  const requested = (k: number): { side: 'top' | 'bottom'; rank: number; i: number }[] => [
    ...Array.from({ length: Math.min(bottom, k) }, (_, r) => ({ side: 'bottom' as const, rank: r, i: r })),
    ...Array.from({ length: Math.min(top, k) }, (_, r) => ({ side: 'top' as const, rank: r, i: k - 1 - r })),
  ];
  const view = (side: 'top' | 'bottom', rank: number, i: number): PairView => {
    const k = eig.values.length,
      v = eig.values[i],
      r = residualOf(i);
    let gap = Infinity;
    for (let j = 0; j < k; j++) if (j !== i) gap = Math.min(gap, Math.abs(eig.values[j] - v) - residualOf(j));
    // the gap bound needs a neighbouring Ritz value (with a single one nothing is known about the gap)
    const bound = Number.isFinite(gap) && gap > r ? Math.min(r, (r * r) / gap) : r;
    const lower = side === 'top' && rank === 0 ? v : v - bound;
    const upper = side === 'bottom' && rank === 0 ? v : v + bound;
    return { side, rank, value: v, residual: r, bound, lower, upper, thetaMax: eig.values[k - 1], thetaMin: eig.values[0] };
  };
  const required = (p: PairView, scaleA: number): number => (o.requiredBound ? Math.max(0, o.requiredBound(p)) : tol * scaleA);
  const tested = (p: PairView): number => (o.requiredBound ? p.bound : p.residual);
  let qScale = 1; // the next basis vector is qScale·q (the normalisation is fused with the copy into the workspace)
  while (steps < maxIter) {
    throwIfAborted(o.signal);
    q = Q.pushScaled(q, qScale);
    const jr = Q.k - 1; // this vector's row (= its index in T)
    const w = await applyVec(op, q, o.signal);
    matvecs++;
    steps++;
    const a = dotv(q, w);
    alpha.push(a);
    // w ← w − α q − β q_prev and its norm, in one pass
    const bp = jr > 0 ? beta[jr - 1] : 0,
      qp = jr > 0 ? Q.row(jr - 1) : q;
    let w2 = 0;
    for (let i = 0; i < n; i++) {
      w[i] = w[i] - a * q[i] - bp * qp[i];
      w2 += w[i] * w[i];
    }
    let b = await Q.orthogonaliseAsync(w, Math.sqrt(w2));
    const er = tridiagEigenRows(alpha, beta, [alpha.length - 1]);
    eig = { values: er.values, last: er.rows[0] };
    const k = eig.values.length;
    const scaleA = Math.max(Math.abs(eig.values[0]), Math.abs(eig.values[k - 1]), 1e-300);
    lastBeta = b;
    const req = requested(k);
    const views = req.map(r => view(r.side, r.rank, r.i));
    const tracked = views.map(p => p.value);
    history.push(tracked);
    boundHistory.push(views.map(tested));
    const prev = history.length > 5 && history[history.length - 6].length === tracked.length ? history[history.length - 6] : undefined;
    // a small residual alone says θ is near *some* eigenvalue; interior-looking extremes (a bulk at
    // zero with small negative outliers) also need the extreme Ritz values to have stopped moving
    const settled = views.every((p, x) =>
      prev ? Math.abs(p.value - prev[x]) <= (o.requiredBound ? required(p, scaleA) : tol * scaleA) : k >= n,
    );
    const done =
      k >= top && k >= bottom && (steps >= minIter || k >= n) && (settled || k >= n) && views.every(p => tested(p) <= required(p, scaleA));
    o.onProgress?.({
      stage: 'lanczos',
      done: steps,
      total: maxIter,
      partial: { top: eig.values.slice(-top).reverse(), iterations: steps },
    });
    const invariant = b <= 1e-10 * scaleA;
    // at an invariant subspace every Ritz pair is exact, but a repeated eigenvalue may still be
    // missing: continue from a fresh direction unless the whole space is spanned
    if (done && k >= Math.min(n, top + bottom) && !invariant) {
      converged = true;
      break;
    }
    if (steps === maxIter) {
      converged = done;
      break;
    }
    if (invariant) {
      // invariant subspace: restart from a random vector orthogonal to it (T gets a zero off-diagonal)
      const r = Q.newVec();
      r.set(rng.normalVector(n));
      const r0 = normv(r);
      const rn = Q.orthogonalise(r);
      if (rn < 1e-6 * r0) {
        converged = true;
        break;
      } // the whole space is spanned
      q = r;
      qScale = 1 / rn;
      b = 0;
    } else {
      q = w;
      qScale = 1 / b;
    }
    if (Q.k === ncv) {
      // the workspace is full: thick restart, keeping the Ritz vectors at the requested ends
      first ??= { alpha: alpha.slice(), beta: beta.slice(0, alpha.length - 1) };
      const extra = Math.max(0, Math.floor((ncv - wanted) / 2));
      const extraTop = wanted > 0 ? Math.round((extra * top) / wanted) : extra;
      b = await thickRestart(Q, alpha, beta, b, top + extraTop, bottom + extra - extraTop);
      restarts++;
    }
    beta.push(b);
  }
  const k = eig.values.length;
  // the eigenvectors of the final T, for the Ritz vectors (one GEMM for all of them)
  const full = o.returnVectors || o.trueResiduals || o.nearZero ? tridiagEigen(alpha, beta) : undefined;
  const ritzCache = new Map<number, Float64Array>();
  const ritzVectors = async (idx: number[]): Promise<void> => {
    const need = [...new Set(idx)].filter(i => !ritzCache.has(i));
    if (!need.length || !full) return;
    const kk = alpha.length,
      r = need.length;
    const S = new Float64Array(kk * r);
    for (let j = 0; j < kk; j++) for (let c = 0; c < r; c++) S[j * r + c] = full.vectors[j][need[c]];
    const Y = await Q.combineRows(S, kk, r);
    need.forEach((i, c) => {
      const y = Float64Array.from(Y.subarray(c * n, (c + 1) * n));
      scalev(1 / normv(y), y);
      ritzCache.set(i, y);
    });
  };
  const scaleA = Math.max(Math.abs(eig.values[0] ?? 0), Math.abs(eig.values[k - 1] ?? 0), 1e-300);
  const last = history[history.length - 1] ?? [],
    prev5 = history.length > 5 ? history[history.length - 6] : undefined;
  const req = requested(k);
  const pair = async (side: 'top' | 'bottom', rank: number, i: number): Promise<RitzPair> => {
    const v = view(side, rank, i);
    const x = req.findIndex(r => r.side === side && r.rank === rank);
    const need = required(v, scaleA);
    const movedOk = converged || (prev5 !== undefined && prev5.length === last.length && Math.abs(v.value - prev5[x]) <= need);
    const ok = converged || (tested(v) <= need && movedOk);
    const p: RitzPair = {
      value: v.value,
      residual: v.residual,
      gap: gapOf(i),
      bound: v.bound,
      lower: v.lower,
      upper: v.upper,
      status: ok ? 'converged' : 'unresolved',
      required: need,
    };
    if (!ok)
      p.extraMatvecs = extraSteps(
        boundHistory.map(h => h[x]).filter(z => z !== undefined),
        need,
      );
    if (o.returnVectors || o.trueResiduals) {
      await ritzVectors([i]);
      const y = ritzCache.get(i)!;
      if (o.trueResiduals) {
        const ay = Float64Array.from(await applyVec(op, Q.precision === 'float32' ? Float32Array.from(y) : y, o.signal));
        matvecs++;
        axpyv(-p.value, y, ay);
        p.residual = normv(ay);
      }
      if (o.returnVectors) p.vector = y;
    }
    return p;
  };
  function gapOf(i: number): number {
    let gap = Infinity;
    for (let j = 0; j < k; j++) if (j !== i) gap = Math.min(gap, Math.abs(eig.values[j] - eig.values[i]) - residualOf(j));
    return gap;
  }
  const topPairs: RitzPair[] = [],
    bottomPairs: RitzPair[] = [];
  if (o.returnVectors || o.trueResiduals)
    await ritzVectors([
      ...Array.from({ length: Math.min(top, k) }, (_, r) => k - 1 - r),
      ...Array.from({ length: Math.min(bottom, k) }, (_, r) => r),
    ]);
  for (let r = 0; r < Math.min(top, k); r++) topPairs.push(await pair('top', r, k - 1 - r));
  for (let r = 0; r < Math.min(bottom, k); r++) bottomPairs.push(await pair('bottom', r, r));
  let nearZero: RitzPair[] | undefined;
  if (o.nearZero && k > 0) {
    const within = o.nearZero.within(eig.values[k - 1], eig.values[0]);
    const idx = eig.values
      .map((v, i) => i)
      .filter(i => Math.abs(eig.values[i]) <= within)
      .sort((a, b) => Math.abs(eig.values[a]) - Math.abs(eig.values[b]))
      .slice(0, o.nearZero.max);
    await ritzVectors(idx);
    nearZero = idx.map(i => {
      const y = ritzCache.get(i)!;
      const r = residualOf(i),
        gap = gapOf(i),
        bound = Number.isFinite(gap) && gap > r ? Math.min(r, (r * r) / gap) : r;
      return { value: eig.values[i], residual: r, gap, bound, lower: eig.values[i] - bound, upper: eig.values[i] + bound, vector: y };
    });
  }
  return {
    top: topPairs,
    bottom: bottomPairs,
    iterations: steps,
    converged,
    matvecs,
    restarts,
    ritzValues: eig.values,
    alpha: first ? first.alpha : alpha.slice(),
    beta: first ? first.beta : beta.slice(0, Math.max(0, alpha.length - 1)),
    ...(nearZero ? { nearZero } : {}),
  };
}

/** Vectors the Lanczos workspace holds for `maxIter` products and `wanted` = top + bottom pairs (the memory plan reads it). */
export function lanczosWorkspace(maxIter: number, wanted: number, ncv?: number): number {
  return Math.min(maxIter, Math.max(ncv ?? Math.max(50, 2 * wanted + 20), wanted + 3));
}

/**
 * Thick restart (Wu & Simon 2000) of a full workspace Q (k rows, T = tridiag(alpha, beta)) whose next
 * direction has norm b (0 at an invariant subspace): keeps the `keepTop` largest and `keepBottom`
 * smallest Ritz vectors. The projection of A on [y_1…y_r, q_{k+1}] is diag(θ) bordered by g = b·s
 * (s_i = last component of the i-th kept eigenvector of T); Householder reflections that leave
 * q_{k+1} fixed (Golub & Van Loan, Algorithm 8.3.1, on the bordered matrix with q_{k+1} first) make it
 * tridiagonal. The rotated Ritz vectors t_r…t_1 replace the basis (one GEMM), alpha/beta become their
 * tridiagonal, and the returned coupling of t_1 to q_{k+1} is the next off-diagonal.
 */
async function thickRestart(
  Q: KrylovSpace,
  alpha: number[],
  beta: number[],
  b: number,
  keepTop: number,
  keepBottom: number,
): Promise<number> {
  const k = alpha.length;
  const full = tridiagEigen(alpha, beta);
  const keep = new Set<number>();
  for (let i = 0; i < Math.min(keepBottom, k - 1); i++) keep.add(i);
  for (let i = 0; i < Math.min(keepTop, k - 1); i++) keep.add(k - 1 - i);
  const idx = [...keep].sort((x, y) => x - y).slice(0, k - 1);
  const r = idx.length,
    N = r + 1;
  const M = new Float64Array(N * N),
    U = new Float64Array(N * N);
  for (let i = 0; i < N; i++) U[i * N + i] = 1;
  idx.forEach((e, i) => {
    M[(1 + i) * N + 1 + i] = full.values[e];
    M[1 + i] = M[(1 + i) * N] = b * full.vectors[k - 1][e];
  });
  const v = new Float64Array(N);
  for (let c = 0; c < N - 2; c++) {
    let norm = 0;
    for (let i = c + 1; i < N; i++) norm += M[i * N + c] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const x0 = M[(c + 1) * N + c];
    v.fill(0);
    for (let i = c + 1; i < N; i++) v[i] = M[i * N + c];
    v[c + 1] += (x0 >= 0 ? 1 : -1) * norm;
    let vv = 0;
    for (let i = c + 1; i < N; i++) vv += v[i] * v[i];
    if (!(vv > 0)) continue;
    const f = 2 / vv;
    // M ← H M H, U ← U H with H = I − f v vᵀ (v is zero on 0..c)
    for (let j = 0; j < N; j++) {
      let t = 0;
      for (let i = c + 1; i < N; i++) t += v[i] * M[i * N + j];
      t *= f;
      for (let i = c + 1; i < N; i++) M[i * N + j] -= t * v[i];
    }
    for (const X of [M, U])
      for (let i = 0; i < N; i++) {
        let t = 0;
        for (let j = c + 1; j < N; j++) t += X[i * N + j] * v[j];
        t *= f;
        for (let j = c + 1; j < N; j++) X[i * N + j] -= t * v[j];
      }
  }
  // workspace row p holds t_c with c = r − p: coefficients in Q's basis S[j][p] = Σ_i V[j][idx_i] U[1+i][c]
  const S = new Float64Array(k * r);
  for (let j = 0; j < k; j++) {
    const Vj = full.vectors[j];
    for (let p = 0; p < r; p++) {
      const c = r - p;
      let t = 0;
      for (let i = 0; i < r; i++) t += Vj[idx[i]] * U[(1 + i) * N + c];
      S[j * r + p] = t;
    }
  }
  Q.replaceRows(await Q.combineRows(S, k, r), r);
  alpha.length = 0;
  beta.length = 0;
  for (let p = 0; p < r; p++) alpha.push(M[(r - p) * N + (r - p)]);
  for (let p = 0; p < r - 1; p++) beta.push(M[(r - p) * N + (r - p - 1)]);
  return M[1 * N + 0];
}

/**
 * Further steps for a bound to fall from its last value to `target`, extrapolating its geometric
 * decrease over the last five steps; null when it is not decreasing (no estimate possible).
 */
export function extraSteps(bounds: number[], target: number): number | null {
  const n = bounds.length;
  if (n < 6 || !(target > 0)) return null;
  const now = bounds[n - 1],
    then = bounds[n - 6];
  if (!(now > target)) return 1;
  if (!(now > 0 && then > now)) return null;
  const rate = Math.pow(now / then, 1 / 5);
  return Math.max(1, Math.ceil(Math.log(target / now) / Math.log(rate)));
}

/** A·v in the vector's own precision: float32 through `apply32` (no conversion), float64 through `apply`. */
export async function applyVec(op: LinearOperator, v: Vec, signal?: AbortSignal): Promise<Vec> {
  if (v instanceof Float32Array)
    return op.apply32 ? op.apply32(v, signal) : Float32Array.from(await op.apply(Float64Array.from(v), signal));
  return op.apply(v, signal);
}

/**
 * Plain Lanczos tridiagonalisation of `steps` steps from a given unit start vector (used by SLQ), with
 * full reorthogonalisation in a workspace (float32 when the operator has `apply32`). With `space`
 * the basis is kept there (its rows are the Lanczos vectors; SLQ reuses it).
 */
export async function lanczosTridiag(
  op: LinearOperator,
  start: ArrayLike<number>,
  steps: number,
  signal?: AbortSignal,
  space?: KrylovSpace,
): Promise<{ alpha: number[]; beta: number[] }> {
  const m = Math.min(steps, op.n);
  const Q = space ?? new KrylovSpace(op.n, m, op.apply32 ? 'float32' : 'float64');
  Q.clear();
  const alpha: number[] = [],
    beta: number[] = [];
  let q: Vec = Q.newVec();
  q.set(start as Float64Array);
  let qScale = 1;
  for (let j = 0; j < m; j++) {
    throwIfAborted(signal);
    q = Q.pushScaled(q, qScale);
    const w = await applyVec(op, q, signal);
    const a = dotv(q, w);
    alpha.push(a);
    // w ← w − α q − β q_prev and its norm, in one pass
    const bp = j > 0 ? beta[j - 1] : 0,
      qp = j > 0 ? Q.row(j - 1) : q;
    let w2 = 0;
    for (let i = 0; i < w.length; i++) {
      w[i] = w[i] - a * q[i] - bp * qp[i];
      w2 += w[i] * w[i];
    }
    const b = await Q.orthogonaliseAsync(w, Math.sqrt(w2));
    if (j === m - 1 || b <= 1e-12 * Math.max(...alpha.map(Math.abs), 1e-300)) break;
    beta.push(b);
    q = w;
    qScale = 1 / b;
  }
  return { alpha, beta: beta.slice(0, alpha.length - 1) };
}
