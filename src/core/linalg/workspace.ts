/**
 * One vector space for the Krylov methods (ARPACK's workspace, Lehoucq, Sorensen & Yang 1998): the
 * basis Q = [q_0 … q_{ncv−1}] lives in one preallocated contiguous buffer (row j = q_j, row-major
 * ncv × n), in float32 or float64. Reorthogonalisation is classical Gram–Schmidt twice when needed
 * (CGS2 with the DGKS test ‖v′‖ < ‖v‖/√2; Daniel, Gragg, Kaufman & Stewart 1976; Giraud, Langou &
 * Rozložník 2005: "twice is enough"): c = Qᵀv, v ← v − Q c as two sweeps over the block, then Ritz
 * vectors Y = Q S. The JS loops accumulate in float64 whatever the storage; the ONNX Runtime GEMVs
 * and GEMMs in the storage precision (below).
 *
 * Precision. The Hessian products are float32 (ONNX Runtime): a float32 basis adds a rounding of
 * 6e-8·‖q‖ per stored entry, below the products' own error (the spectrum already widens every bound
 * by 1e-6·max|λ| for them), and halves the memory and the traffic of the O(k·n) sweeps (ResNet-18:
 * 100 vectors are 4.6 GB in float32, 9.4 GB in float64). Orthogonality is kept to ~1e-7 instead of
 * ~1e-15; the float64 references (dense Hessian eigenvalues, hyper-dual HVPs) check the values this
 * gives (test/unit/krylov.test.ts). A float64 operator (a dense matrix in the tests, the exactness
 * checks) gets a float64 basis.
 *
 * The sweeps are blocked four rows at a time (one read of v per four basis vectors). `orthogonaliseAsync`
 * runs each CGS pass as two GEMVs over exactly the k rows in use (c = Q v, v − Qᵀc: one ONNX Runtime
 * call through the one matrix-product helper, ../native/dense.ts, on a tensor that aliases this
 * buffer) once k·n reaches GEMM_ORT_MIN_WORK; `combineRows` forms r Ritz vectors as one GEMM
 * (Y = Sᵀ Q); `replaceRows` installs them as the new basis (thick restart). The JS loops serve small
 * spaces and the case without onnxruntime-node. MLAS accumulates float32 GEMVs in float32 (1e-6
 * relative at n = 235,146): orthogonality ~1e-6 instead of ~1e-7, far inside what Lanczos needs
 * (semi-orthogonality, √ε₆₄ ≈ 1e-8 of the float64 theory is for float64 products; the float32
 * products' floor of 1e-6·max|λ| dominates); the α of each step stays a float64 dot product.
 */

export type Precision = 'float32' | 'float64';
import { dot as dotv, norm as normv, axpy as axpyv, scale as scalev, type Vec } from './vec';
export type { Vec };

export function newVec(precision: Precision, n: number): Vec {
  return precision === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/** The float64-accumulating vector kernels, for either storage (one home: ./vec.ts). */
export { dotv, normv, axpyv, scalev };

/** CGS2 calls that ran in ONNX Runtime (process-wide; the tests check the path is taken); `enabled` false: JS only (the bench compares). */
export const ortStats = { calls: 0, enabled: true };

/** ../native/dense.ts, loaded once (lazily: src/core/linalg stays importable without onnxruntime-node) */
let denseMod: Promise<typeof import('../native/dense') | undefined> | undefined;
function dense(): Promise<typeof import('../native/dense') | undefined> {
  return (denseMod ??= import('../native/dense').catch(() => undefined));
}

/** dst ← src, returning ‖dst‖ (one pass: the copy and the norm fused; float64 sum). */
function copyNorm(src: Vec, dst: Vec): number {
  let s = 0;
  for (let i = 0; i < dst.length; i++) {
    const x = src[i];
    dst[i] = x;
    s += dst[i] * dst[i];
  }
  return Math.sqrt(s);
}

export class KrylovSpace {
  /** ncv × n, row j = q_j */
  readonly data: Vec;
  /** rows in use */
  k = 0;
  /** basis sweeps done (each reads k·n entries): the arithmetic the bench reports */
  sweeps = 0;
  /** one float64 row for normals drawn in bulk (pushScaledNormal) */
  private scratch: Float64Array | undefined;
  constructor(
    readonly n: number,
    readonly ncv: number,
    readonly precision: Precision,
  ) {
    this.data = newVec(precision, n * ncv);
  }
  /** A view of row j (no copy). */
  row(j: number): Vec {
    return this.data.subarray(j * this.n, (j + 1) * this.n);
  }
  newVec(): Vec {
    return newVec(this.precision, this.n);
  }
  /** Appends s·v as the next basis row (one pass: the scaling and the copy fused); returns the view of the stored row. */
  pushScaled(v: Vec, s: number): Vec {
    if (this.k >= this.ncv) throw new Error(`Krylov workspace full (${this.ncv} vectors of ${this.n})`);
    const r = this.row(this.k++);
    for (let i = 0; i < r.length; i++) r[i] = s * v[i];
    return r;
  }
  /** Appends v (copied) as the next basis row; returns the view of the stored row. */
  push(v: ArrayLike<number>): Vec {
    if (this.k >= this.ncv) throw new Error(`Krylov workspace full (${this.ncv} vectors of ${this.n})`);
    const r = this.row(this.k++);
    r.set(v as Float64Array);
    return r;
  }
  /**
   * Appends a test vector drawn in place (no float64 copy of a full vector): n standard normals from
   * `normal`, scaled to norm `radius` (XTrace: uniform on the sphere of radius √n).
   */
  pushScaledNormal(normal: (() => number) | { fillNormal(a: Float64Array): void }, radius: number): Vec {
    if (this.k >= this.ncv) throw new Error(`Krylov workspace full (${this.ncv} vectors of ${this.n})`);
    const r = this.row(this.k++);
    let s = 0;
    if (typeof normal === 'function') {
      for (let i = 0; i < r.length; i++) {
        const g = normal();
        r[i] = g;
        s += g * g;
      }
    } else {
      // drawn in bulk into one reused float64 scratch row (the same numbers as n calls of normal())
      const g = (this.scratch ??= new Float64Array(this.n));
      normal.fillNormal(g);
      for (let i = 0; i < r.length; i++) {
        r[i] = g[i];
        s += g[i] * g[i];
      }
    }
    scalev(radius / Math.sqrt(s), r);
    return r;
  }
  /** Drops every row (the buffer is kept, zeroed: rows ≥ k stay zero). */
  clear(): void {
    this.data.fill(0, 0, this.k * this.n);
    this.k = 0;
  }
  /** `orthogonalise` with each pass as two GEMVs in ONNX Runtime when k·n is large (see the header), else the JS loops. */
  async orthogonaliseAsync(v: Vec, before?: number): Promise<number> {
    const d = ortStats.enabled && this.k > 0 ? await dense() : undefined;
    if (!d || 2 * this.k * this.n < d.GEMM_ORT_MIN_WORK) return this.orthogonalise(v);
    const norm0 = before ?? normv(v);
    let r = await d.projectOut(this.data, this.k, this.n, v);
    let after = copyNorm(r.v, v);
    this.sweeps += 2;
    ortStats.calls++;
    if (after < Math.SQRT1_2 * norm0) {
      r = await d.projectOut(this.data, this.k, this.n, v);
      after = copyNorm(r.v, v);
      this.sweeps += 2;
      ortStats.calls++;
    }
    return after;
  }
  /**
   * Y = Sᵀ Q: r combinations of the first k rows at once (S is k × r row-major, column i = the
   * coefficients of Y_i), one GEMM; returned r × n in the workspace's precision.
   */
  async combineRows(S: Float64Array, k: number, r: number): Promise<Vec> {
    const d = ortStats.enabled ? await dense() : undefined;
    const St = this.precision === 'float32' ? Float32Array.from(S) : S;
    this.sweeps++;
    if (d) return (await d.gemm(St, this.data, r, k, this.n, { transA: true })) as Vec;
    const Y = newVec(this.precision, r * this.n);
    for (let j = 0; j < k; j++)
      for (let i = 0; i < r; i++) if (S[j * r + i] !== 0) axpyv(S[j * r + i], this.row(j), Y.subarray(i * this.n, (i + 1) * this.n));
    return Y;
  }
  /** Replace the basis by the r rows of Y (r × n): the thick restart's Ritz vectors; rows ≥ r are zeroed. */
  replaceRows(Y: Vec, r: number): void {
    this.data.fill(0, r * this.n, this.k * this.n);
    this.data.set(Y.subarray(0, r * this.n), 0);
    this.k = r;
  }
  /** c = Qᵀ v over the first k rows (float64), four rows per sweep over v. */
  project(v: Vec, k = this.k, out = new Float64Array(k)): Float64Array {
    const n = this.n,
      Q = this.data;
    let j = 0;
    for (; j + 4 <= k; j += 4) {
      const o0 = j * n,
        o1 = o0 + n,
        o2 = o1 + n,
        o3 = o2 + n;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let i = 0; i < n; i++) {
        const x = v[i];
        s0 += Q[o0 + i] * x;
        s1 += Q[o1 + i] * x;
        s2 += Q[o2 + i] * x;
        s3 += Q[o3 + i] * x;
      }
      out[j] = s0;
      out[j + 1] = s1;
      out[j + 2] = s2;
      out[j + 3] = s3;
    }
    for (; j < k; j++) out[j] = dotv(this.row(j), v);
    this.sweeps++;
    return out;
  }
  /** v ← v − Q c (first c.length rows), four rows per sweep over v. */
  subtract(v: Vec, c: ArrayLike<number>): void {
    const n = this.n,
      Q = this.data,
      k = c.length;
    let j = 0;
    for (; j + 4 <= k; j += 4) {
      const o0 = j * n,
        o1 = o0 + n,
        o2 = o1 + n,
        o3 = o2 + n;
      const c0 = c[j],
        c1 = c[j + 1],
        c2 = c[j + 2],
        c3 = c[j + 3];
      for (let i = 0; i < n; i++) v[i] -= c0 * Q[o0 + i] + c1 * Q[o1 + i] + c2 * Q[o2 + i] + c3 * Q[o3 + i];
    }
    for (; j < k; j++) axpyv(-c[j], this.row(j), v);
    this.sweeps++;
  }
  /** CGS2 (DGKS): orthogonalise v against the k rows; returns ‖v‖ after. */
  orthogonalise(v: Vec): number {
    const before = normv(v);
    if (this.k === 0) return before;
    this.subtract(v, this.project(v));
    let after = normv(v);
    if (after < Math.SQRT1_2 * before) {
      this.subtract(v, this.project(v));
      after = normv(v);
    }
    return after;
  }
  /** Y = Q s for each coefficient column s (length ≤ k): the Ritz vectors, float64. */
  combine(coeffs: ArrayLike<number>, out = new Float64Array(this.n)): Float64Array {
    const n = this.n,
      Q = this.data;
    for (let j = 0; j < coeffs.length; j++) {
      const c = coeffs[j];
      if (c === 0) continue;
      const o = j * n;
      for (let i = 0; i < n; i++) out[i] += c * Q[o + i];
    }
    this.sweeps++;
    return out;
  }
}
