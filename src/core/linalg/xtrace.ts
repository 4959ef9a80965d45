/**
 * Trace estimators that make the most of every product.
 *
 * XTrace (Epperly, Tropp & Webber, "XTrace: making the most of every sample in stochastic trace
 * estimation", SIAM J. Matrix Anal. Appl. 45(1), 2024, Algorithm 2 with the improved normalisation
 * of §3.3): for m test vectors ω_1…ω_m (uniform on the sphere of radius √n), Y = AΩ, Q R = Y (here
 * CGS2 in the Krylov workspace), Z = AQ (2m products in all). For each i, the low-rank part is built
 * from the other m − 1 vectors (leave one out: Q_(i) spans Y without column i, found by downdating
 * the QR through the normalised columns s_i of R⁻ᵀ) and ω_i estimates the rest by Girard–Hutchinson;
 * the m exchangeable estimates t_i are averaged, and their sample standard error err = std(t)/√m is
 * the error estimate the paper recommends (§2.2). On a decaying spectrum the error falls like the
 * tail of the spectrum, orders of magnitude below Hutch++ at the same budget.
 * The m × m algebra (W = QᵀΩ, H = QᵀZ, T = ZᵀΩ) is float64; the vectors are kept in workspaces in
 * the operator's precision. The estimate grows in stages: new columns extend Ω, Y's QR (Gram–Schmidt
 * is incremental: earlier columns of Q do not change) and Z, and only new entries of W, H, T are
 * computed, so a stage costs its new products plus O(m·Δm·n) arithmetic — as GEMMs on ONNX Runtime
 * (../native/dense.ts): block CGS2 of the new columns against Q (four GEMMs), the new blocks of W and H
 * (three GEMMs); only the Δm² work within a stage's block stays in JS loops. With float32 products the
 * GEMMs run in float32 (MLAS accumulates in float32: ~1e-6 relative at n = 235,146), far below the
 * 1 % tolerance and the products' own error; the dense float64 references in test/unit/krylov.test.ts
 * check the estimates. It stops when err ≤ relTol·|t|.
 *
 * The exact trace: Σ_i e_iᵀ A e_i with the unit vectors in blocks (n products, one block call per b
 * rows): used when the model is small enough (n ≤ the budget, or n ≤ EXACT_TRACE_MAX_PARAMS).
 */
import type { LinearOperator, Progress } from './operator';
import { applyRows } from './operator';
import { Rng } from '../rng';
import { KrylovSpace, Vec, dotv, normv, scalev, axpyv } from './workspace';
import { gemm } from '../native/dense';
import { throwIfAborted } from '../errors';

/** Models up to this many parameters get the exact trace (n products, in blocks). */
export const EXACT_TRACE_MAX_PARAMS = 2000;
/** Rows per block product. */
export const BLOCK_ROWS = 32;

export interface XTraceOptions {
  relTol?: number;
  /** total product budget (2 per test vector) */
  matvecs?: number;
  /** test vectors added per stage (default 6: 12 products) */
  stage?: number;
  /** test vectors before the error is first trusted (default 4) */
  minVectors?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: Progress;
}

export interface XTraceResult {
  estimate: number;
  stderr: number;
  /** test vectors m (2m products) */
  vectors: number;
  matvecs: number;
  converged: boolean;
  /** the exchangeable estimates t_i */
  estimates: number[];
  /** products the budget would need to reach relTol (error ∝ 1/m at least; null when converged) */
  needed: number | null;
}

/** The exact trace Σ_i (A e_i)_i from n unit-vector products in blocks of `block` rows; with `keep`, A itself (row j = A e_j). */
export async function exactTrace(
  op: LinearOperator,
  o: { block?: number; keep?: boolean; signal?: AbortSignal; onProgress?: Progress } = {},
): Promise<{ trace: number; matvecs: number; diagonal: Float64Array; matrix?: Float64Array }> {
  const n = op.n,
    b = Math.max(1, Math.min(o.block ?? BLOCK_ROWS, n));
  const diagonal = new Float64Array(n);
  const matrix = o.keep ? new Float64Array(n * n) : undefined;
  const V = new Float32Array(b * n);
  let trace = 0;
  if (!op.apply32 && !op.applyBlock32) {
    // a float64 operator: float64 unit vectors, one product each
    for (let j = 0; j < n; j++) {
      throwIfAborted(o.signal);
      const e = new Float64Array(n);
      e[j] = 1;
      const col = await op.apply(e, o.signal);
      matrix?.set(col, j * n);
      diagonal[j] = col[j];
      trace += diagonal[j];
    }
    return { trace, matvecs: n, diagonal, matrix };
  }
  for (let j0 = 0; j0 < n; j0 += b) {
    throwIfAborted(o.signal);
    const rows = Math.min(b, n - j0);
    const Vb = rows === b ? V : V.subarray(0, rows * n);
    Vb.fill(0);
    for (let r = 0; r < rows; r++) Vb[r * n + j0 + r] = 1;
    const AV = await applyRows(op, Vb, o.signal);
    matrix?.set(AV, j0 * n);
    for (let r = 0; r < rows; r++) {
      diagonal[j0 + r] = AV[r * n + j0 + r];
      trace += diagonal[j0 + r];
    }
    o.onProgress?.({ stage: 'trace', done: j0 + rows, total: n });
  }
  return { trace, matvecs: n, diagonal, matrix };
}

/** A·q_j for the rows from..to of a workspace, in its precision: one float32 block call, or float64 products one by one. */
async function applySpaceRows(op: LinearOperator, S: KrylovSpace, from: number, to: number, signal?: AbortSignal): Promise<Vec> {
  const n = S.n,
    rows = S.data.subarray(from * n, to * n);
  if (rows instanceof Float32Array) return applyRows(op, rows, signal);
  const out = new Float64Array(rows.length);
  for (let j = 0; j < to - from; j++) out.set(await op.apply(rows.slice(j * n, (j + 1) * n) as Float64Array, signal), j * n);
  return out;
}

/** Inverse of an upper-triangular m × m matrix (row-major), by back substitution. */
function invUpper(R: Float64Array, m: number): Float64Array {
  const X = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    X[j * m + j] = 1 / R[j * m + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += R[i * m + k] * X[k * m + j];
      X[i * m + j] = -s / R[i * m + i];
    }
  }
  return X;
}

/** XTrace, grown in stages until its error estimate reaches relTol·|t| or the budget is spent. */
export async function xtrace(op: LinearOperator, o: XTraceOptions = {}): Promise<XTraceResult> {
  const n = op.n;
  const relTol = o.relTol ?? 0.01,
    budget = o.matvecs ?? 150;
  const mMax = Math.max(2, Math.min(Math.floor(budget / 2), n - 1));
  const stage = Math.max(1, o.stage ?? 6),
    minVectors = Math.min(mMax, o.minVectors ?? 4);
  const precision = op.apply32 ? 'float32' : 'float64';
  const Om = new KrylovSpace(n, mMax, precision),
    Q = new KrylovSpace(n, mMax, precision),
    Z = new KrylovSpace(n, mMax, precision);
  const rng = new Rng(o.seed ?? 0);
  // growing m × m blocks, stored with leading dimension mMax: R (upper), W = QᵀΩ, H = QᵀZ, T = ZᵀΩ
  const L = mMax;
  const R = new Float64Array(L * L),
    W = new Float64Array(L * L),
    H = new Float64Array(L * L),
    T = new Float64Array(L * L);
  const omY: number[] = [];
  let m = 0,
    spent = 0;
  let result: XTraceResult = { estimate: NaN, stderr: Infinity, vectors: 0, matvecs: 0, converged: false, estimates: [], needed: null };
  let deficient = false;
  while (m < mMax && !deficient) {
    throwIfAborted(o.signal);
    const add = Math.min(m === 0 ? Math.max(stage, minVectors) : stage, mMax - m);
    // new test vectors ω_j = √n · g/‖g‖
    for (let a = 0; a < add; a++) Om.pushScaledNormal(rng, Math.sqrt(n));
    const Yb = await applySpaceRows(op, Om, m, m + add, o.signal);
    spent += add;
    // extend the QR of Y: block CGS2 against the earlier columns (two passes of two GEMMs: C = Q Ybᵀ,
    // Yb −= Cᵀ Q), then CGS2 within the block column by column; R[0:j, j] = the projections, R[j, j] = the remaining norm
    const m0 = m,
      rows = add;
    const before: number[] = [];
    for (let a = 0; a < rows; a++) {
      const y = Yb.subarray(a * n, (a + 1) * n);
      omY[m0 + a] = dotv(Om.row(m0 + a), y);
      before.push(normv(y));
    }
    if (m0 > 0)
      for (let pass = 0; pass < 2; pass++) {
        const C = await gemm(Q.data, Yb, m0, n, rows, { transB: true }); // [m0, rows]
        const P = await gemm(C, Q.data, rows, m0, n, { transA: true }); // [rows, n] = Cᵀ Q
        for (let i = 0; i < Yb.length; i++) Yb[i] -= P[i];
        for (let i = 0; i < m0; i++) for (let a = 0; a < rows; a++) R[i * L + m0 + a] += C[i * rows + a];
      }
    for (let a = 0; a < rows; a++) {
      const j = m0 + a;
      const y = Yb.subarray(a * n, (a + 1) * n);
      for (let pass = 0; pass < 2; pass++)
        for (let b = m0; b < Q.k; b++) {
          const c = dotv(Q.row(b), y);
          axpyv(-c, Q.row(b), y);
          R[b * L + j] += c;
        }
      const r = normv(y);
      if (!(r > (precision === 'float32' ? 1e-5 : 1e-10) * Math.max(before[a], 1e-300))) {
        deficient = true; // A Ω has lower rank than m: Q spans the range of A (a.s.), so tr(A) = tr(QᵀAQ)
        break;
      }
      R[j * L + j] = r;
      scalev(1 / r, y);
      Q.push(y);
    }
    const mq = Q.k; // columns with a Q (all of them unless deficient)
    // Z = A Q for the new columns
    if (mq > m0) {
      const Zb = await applySpaceRows(op, Q, m0, mq, o.signal);
      spent += mq - m0;
      for (let j = m0; j < mq; j++) Z.push(Zb.subarray((j - m0) * n, (j - m0 + 1) * n));
    }
    m = mq;
    // the new entries of W = QᵀΩ and H = QᵀZ (rows or columns ≥ m0) as three GEMMs over the workspaces;
    // T = ZᵀΩ = QᵀAΩ = QᵀY = R for symmetric A (no products needed)
    const dm = m - m0;
    if (dm > 0) {
      const Wn = await gemm(Q.data, Om.data.subarray(m0 * n), m, n, dm, { transB: true }), // [m, dm]: q_i·ω_j
        Hn = await gemm(Q.data, Z.data.subarray(m0 * n), m, n, dm, { transB: true }); // [m, dm]: q_i·z_j
      for (let j = m0; j < m; j++)
        for (let i = 0; i < m; i++) {
          W[i * L + j] = Wn[i * dm + j - m0];
          const h = Hn[i * dm + j - m0];
          // H symmetric: average the two computed halves where both are new
          if (i < m0) H[i * L + j] = H[j * L + i] = h;
          else if (i < j) H[i * L + j] = H[j * L + i] = 0.5 * (H[i * L + j] + h);
          else H[i * L + j] = H[j * L + i] = h;
        }
      if (m0 > 0) {
        const Wo = await gemm(Q.data.subarray(m0 * n), Om.data, dm, n, m0, { transB: true }); // [dm, m0]: q_i·ω_j, i ≥ m0 > j
        for (let i = m0; i < m; i++) for (let j = 0; j < m0; j++) W[i * L + j] = Wo[(i - m0) * m0 + j];
      }
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) T[i * L + j] = j >= i ? R[i * L + j] : 0;
    if (deficient) {
      // rank(A) < m: tr(A) = tr(QᵀAQ) exactly (up to the products' rounding); no sampling error left
      let t = 0;
      for (let i = 0; i < m; i++) t += H[i * L + i];
      result = { estimate: t, stderr: 0, vectors: m, matvecs: spent, converged: true, estimates: [], needed: null };
      break;
    }
    result = xtraceEstimates(n, m, L, R, W, H, T, omY);
    result.matvecs = spent;
    const done = m >= minVectors && result.stderr <= relTol * Math.abs(result.estimate);
    o.onProgress?.({ stage: 'trace', done: spent, total: 2 * mMax, partial: { estimate: result.estimate, stderr: result.stderr } });
    if (done) {
      result.converged = true;
      break;
    }
  }
  if (!result.converged) {
    // the error of XTrace falls at least like 1/m (Epperly et al. 2024, Theorem 1: faster on decaying spectra)
    const factor = result.stderr / Math.max(relTol * Math.abs(result.estimate), 1e-300);
    result.needed = Number.isFinite(factor) ? Math.ceil(2 * m * factor) : null;
  }
  return result;
}

/** The m exchangeable XTrace estimates from the small matrices (leading dimension L). */
function xtraceEstimates(
  n: number,
  m: number,
  L: number,
  R0: Float64Array,
  W0: Float64Array,
  H0: Float64Array,
  T0: Float64Array,
  omY0: number[],
): XTraceResult {
  const at = (M: Float64Array) => (i: number, j: number) => M[i * L + j];
  const Rm = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = i; j < m; j++) Rm[i * m + j] = R0[i * L + j];
  const Rinv = invUpper(Rm, m);
  // S = column-normalised R⁻ᵀ: S[i][j] = Rinv[j][i] / ‖row j of Rinv‖
  const S = new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += Rinv[j * m + i] ** 2;
    s = Math.sqrt(s);
    for (let i = 0; i < m; i++) S[i * m + j] = Rinv[j * m + i] / s;
  }
  const W = at(W0),
    H = at(H0),
    T = at(T0),
    R = at(R0);
  // the improved normalisation: column j of Ω (so of W, T, R, Y) scaled by sc_j
  const sc = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let w2 = 0,
      sw = 0;
    for (let i = 0; i < m; i++) {
      w2 += W(i, j) ** 2;
      sw += S[i * m + j] * W(i, j);
    }
    sc[j] = Math.sqrt(n - m + 1) / Math.sqrt(Math.max(n - w2 + sw * sw, 1e-300));
  }
  let trH = 0;
  for (let i = 0; i < m; i++) trH += H(i, i);
  // HS, HW (with scaled W), HᵀW = HW (H symmetric)
  const ests: number[] = [];
  for (let j = 0; j < m; j++) {
    const c = sc[j];
    let dSW = 0,
      dSHS = 0,
      dWR = 0,
      dTW = 0,
      dWHW = 0,
      dSRmHW = 0,
      dTmHRS = 0;
    for (let i = 0; i < m; i++) {
      const s = S[i * m + j],
        w = c * W(i, j),
        t = c * T(i, j),
        r = c * R(i, j);
      let hs = 0,
        hw = 0;
      for (let k = 0; k < m; k++) {
        hs += H(i, k) * S[k * m + j];
        hw += H(i, k) * c * W(k, j);
      }
      dSW += w * s;
      dSHS += s * hs;
      dWR += w * r;
      dTW += t * w;
      dWHW += w * hw;
      dSRmHW += s * (r - hw);
      dTmHRS += (t - hw) * s;
    }
    const dOmY = c * c * omY0[j];
    ests.push(trH - dSHS + dOmY - dWR - dTW + dWHW + dSW * dSRmHW + dSW * dSW * dSHS + dTmHRS * dSW);
  }
  const mean = ests.reduce((a, b) => a + b, 0) / m;
  const variance = m > 1 ? ests.reduce((a, b) => a + (b - mean) ** 2, 0) / (m - 1) : Infinity;
  return {
    estimate: mean,
    stderr: Math.sqrt(variance / m),
    vectors: m,
    matvecs: 0,
    converged: false,
    estimates: ests,
    needed: null,
  };
}
