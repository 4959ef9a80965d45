/**
 * One vector space for the Krylov methods (ARPACK's workspace, Lehoucq, Sorensen & Yang 1998): the
 * basis Q = [q_0 … q_{ncv−1}] lives in one preallocated contiguous buffer (row j = q_j, row-major
 * ncv × n), in float32 or float64. Reorthogonalisation is classical Gram–Schmidt twice when needed
 * (CGS2 with the DGKS test ‖v′‖ < ‖v‖/√2; Daniel, Gragg, Kaufman & Stewart 1976; Giraud, Langou &
 * Rozložník 2005: "twice is enough"): c = Qᵀv, v ← v − Q c as two sweeps over the block, then Ritz
 * vectors Y = Q S. Every sum accumulates in float64 whatever the storage.
 *
 * Precision. The Hessian products are float32 (ONNX Runtime): a float32 basis adds a rounding of
 * 6e-8·‖q‖ per stored entry, below the products' own error (the spectrum already widens every bound
 * by 1e-6·max|λ| for them), and halves the memory and the traffic of the O(k·n) sweeps (ResNet-18:
 * 100 vectors are 4.6 GB in float32, 9.4 GB in float64). Orthogonality is kept to ~1e-7 instead of
 * ~1e-15; the float64 references (dense Hessian eigenvalues, hyper-dual HVPs) check the values this
 * gives (test/unit/krylov.test.ts). A float64 operator (a dense matrix in the tests, the exactness
 * checks) gets a float64 basis.
 *
 * The sweeps are blocked four rows at a time (one read of v per four basis vectors). For large float32
 * workspaces, `orthogonaliseAsync` runs CGS2 as four GEMVs (Gemm/MatMul, MLAS, multithreaded) in one
 * small ONNX Runtime session per (ncv, n) on a tensor that aliases this buffer (rows ≥ k are zero, so
 * the fixed shape is exact). Measured on the busy 2-core machine at n = 235,146 (the reference MLP),
 * k = 80: 77 ms for CGS2 in ORT against 185 ms in these loops (agreement 8e-7 relative). The ORT path
 * is taken from n ≥ ORT_MIN_N and k ≥ ncv/3 (its cost is that of all ncv rows); the JS loops
 * otherwise and when onnxruntime-node is absent.
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

/** Smallest n for the ORT sweeps (below it the session call's overhead dominates). */
export const ORT_MIN_N = 50000;

type Cgs2 = (v: Float32Array) => Promise<Float32Array>;
/** A CGS2 session for an ncv × n float32 block, or undefined without onnxruntime-node. */
async function ortCgs2(data: Float32Array, ncv: number, n: number): Promise<Cgs2 | undefined> {
  try {
    const { loadOrt, createSession } = await import('../native/runtime');
    const { Graph } = await import('../native/ir');
    const { toModelProto } = await import('../native/proto');
    const ort = loadOrt();
    if (!ort) return undefined;
    const g = new Graph();
    const Q = g.input('Q', [ncv, n]),
      v = g.input('v', [1, n]);
    const pass = (x: string): string => {
      const c = g.emit('Gemm', [x, Q], { transB: 1 }, [{ shape: [1, ncv], dtype: 'float' }])[0]; // c = Q x
      return g.sub(x, g.matmul(c, Q)); // x − Qᵀ c
    };
    g.outputs = [pass(pass(v))];
    const { session } = await createSession(toModelProto(g), { ep: 'cpu' });
    const Qt = new ort.Tensor('float32', data, [ncv, n]);
    const out = g.outputs[0];
    return async (x: Float32Array) => (await session.run({ [Q]: Qt, [v]: new ort.Tensor('float32', x, [1, n]) }))[out].data as Float32Array;
  } catch {
    return undefined;
  }
}

export class KrylovSpace {
  private ort?: Promise<Cgs2 | undefined>;
  /** ncv × n, row j = q_j */
  readonly data: Vec;
  /** rows in use */
  k = 0;
  /** basis sweeps done (each reads k·n entries): the arithmetic the bench reports */
  sweeps = 0;
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
  /** Appends v (copied) as the next basis row; returns the view of the stored row. */
  push(v: ArrayLike<number>): Vec {
    if (this.k >= this.ncv) throw new Error(`Krylov workspace full (${this.ncv} vectors of ${this.n})`);
    const r = this.row(this.k++);
    r.set(v as Float64Array);
    return r;
  }
  /** Drops every row (the buffer is kept, zeroed: rows ≥ k stay zero). */
  clear(): void {
    this.data.fill(0, 0, this.k * this.n);
    this.k = 0;
  }
  /** `orthogonalise` through ONNX Runtime's GEMV when the workspace is large (see the header), else the JS loops. */
  async orthogonaliseAsync(v: Vec): Promise<number> {
    if (ortStats.enabled && this.precision === 'float32' && this.n >= ORT_MIN_N && this.k >= 8 && 3 * this.k >= this.ncv) {
      this.ort ??= ortCgs2(this.data as Float32Array, this.ncv, this.n);
      const cgs = await this.ort;
      if (cgs) {
        v.set(await cgs(v as Float32Array));
        this.sweeps += 4;
        ortStats.calls++;
        return normv(v);
      }
    }
    return this.orthogonalise(v);
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
