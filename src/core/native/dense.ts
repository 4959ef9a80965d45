/**
 * The one ONNX Runtime matrix-product helper (issue 26): dense products on ONNX Runtime's CPU Gemm
 * (MLAS SGEMM/DGEMM, multithreaded) for the Krylov methods' own arithmetic (reorthogonalisation,
 * Ritz vectors, XTrace's block projections) and the diagnostics' blocks of vectors (the random
 * subspace of ε-sharpness: Gram matrices, triangular recombinations, p × n with n up to millions).
 *
 *   gemm(A, B)        C = op(A) op(B), op(X) = X or Xᵀ      (ONNX Gemm, float32 or float64)
 *   projectOut(Q, v)  c = Q v, v′ = v − Qᵀ c                 (one classical Gram–Schmidt pass, one call)
 *   gramRows, dotRows, mulSmall, choleskyQr2                  (float64, as before, on gemm)
 *
 * One small graph per (kind, dtype, transposition) with symbolic dimensions: one session per process
 * serves every shape (cached here; the time spent creating them is in `gemmStats.sessionMs`). The
 * tensors are views over the caller's typed arrays (no copy in JS, any offset: a workspace passes the
 * first k rows of its buffer); the outputs are new arrays. Below GEMM_ORT_MIN_WORK multiply-adds, or
 * without onnxruntime-node, plain JS loops with float64 accumulation give the same results to rounding.
 * Precision: MLAS accumulates float32 products in float32 (measured at n = 235,146: 1.4e-6 relative
 * to the float64 sum, 3e-8 of Σ|a_i b_i|): below the float32 Hessian products' own error.
 */
import type * as Ort from 'onnxruntime-node';
import { modelProtoType } from '../formats/onnxSchema';
import { loadOrt, nativeCall, cpuCount } from './runtime';

export type DenseArray = Float32Array | Float64Array;
type DType = 'float32' | 'float64';

/** Below this many multiply-adds the JS loops are faster than a session call (~35 µs per call measured). */
export const GEMM_ORT_MIN_WORK = 1 << 17;

/**
 * Products with both outer sides ≥ this get every core (compute-bound: Gram matrices of blocks); thinner
 * ones (GEMVs, the Krylov methods' n × few products) one thread: they are memory-bound, and a second
 * spinning thread pool beside the HVP session's slowed the HVPs between them (bench/krylov.ts, one
 * loaded run each: top-20 Lanczos HVP 100 ms per step with 2 threads against 77 with the JS loops; with
 * 1 thread 53 against 53, and the arithmetic 51 against 99 ms).
 */
export const GEMM_THREADS_MIN_SIDE = 16;

/** Process-wide counters: calls through ONNX Runtime and through the loops, session creation time (the bench prints them). */
export const gemmStats = { ort: 0, js: 0, sessions: 0, sessionMs: 0, enabled: true };

const ELEM: Record<DType, number> = { float32: 1, float64: 11 };
interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number>;
}
function model(dtype: DType, nodes: NodeSpec[], inputs: [string, string[]][], outputs: [string, string[]][]): Uint8Array {
  const t = modelProtoType();
  const vi = (name: string, dims: string[]) => ({
    name,
    type: { tensorType: { elemType: ELEM[dtype], shape: { dim: dims.map(d => ({ dimParam: d })) } } },
  });
  const msg = {
    irVersion: 8,
    producerName: 'landscape-lens',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'dense',
      node: nodes.map((n, k) => ({
        input: n.inputs,
        output: n.outputs,
        name: `n${k}`,
        opType: n.op,
        attribute: Object.entries(n.attrs ?? {}).map(([name, i]) => ({ name, type: 2, i })),
      })),
      input: inputs.map(([n, d]) => vi(n, d)),
      output: outputs.map(([n, d]) => vi(n, d)),
    },
  };
  return t.encode(t.fromObject(msg)).finish();
}

type Kind = `gemm${0 | 1}${0 | 1}` | 'project';
function graph(kind: Kind, dtype: DType): Uint8Array {
  if (kind === 'project')
    // c = v Qᵀ ([1, k]), y = v − c Q ([1, n])
    return model(
      dtype,
      [
        { op: 'Gemm', inputs: ['v', 'Q'], outputs: ['c'], attrs: { transB: 1 } },
        { op: 'MatMul', inputs: ['c', 'Q'], outputs: ['cq'] },
        { op: 'Sub', inputs: ['v', 'cq'], outputs: ['y'] },
      ],
      [
        ['Q', ['k', 'n']],
        ['v', ['one', 'n']],
      ],
      [
        ['c', ['one', 'k']],
        ['y', ['one', 'n']],
      ],
    );
  const transA = Number(kind[4]),
    transB = Number(kind[5]);
  return model(
    dtype,
    [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['C'], attrs: { transA, transB } }],
    [
      ['A', transA ? ['k', 'm'] : ['m', 'k']],
      ['B', transB ? ['n', 'k'] : ['k', 'n']],
    ],
    [['C', ['m', 'n']]],
  );
}

const sessions = new Map<string, Promise<Ort.InferenceSession>>();
function session(kind: Kind, dtype: DType, threads = 1): Promise<Ort.InferenceSession> | undefined {
  const ort = gemmStats.enabled ? loadOrt() : undefined;
  if (!ort) return undefined;
  const key = `${kind}:${dtype}:${threads}`;
  let s = sessions.get(key);
  if (!s) {
    const t0 = performance.now();
    s = nativeCall(() =>
      ort.InferenceSession.create(graph(kind, dtype), {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        logSeverityLevel: 3,
      }),
    ).then(x => {
      gemmStats.sessions++;
      gemmStats.sessionMs += performance.now() - t0;
      return x;
    });
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

const dtypeOf = (a: DenseArray): DType => (a instanceof Float32Array ? 'float32' : 'float64');
const alloc = (d: DType, len: number): DenseArray => (d === 'float32' ? new Float32Array(len) : new Float64Array(len));

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  /** force the loops (tests compare the two paths) */
  js?: boolean;
}

/**
 * C [m, n] = op(A) op(B), row-major, in A's precision (A and B the same type): A is stored [m, k]
 * (or [k, m] with transA), B [k, n] (or [n, k] with transB). Only the first elements the shapes
 * need are read, so a workspace may pass its whole buffer or a prefix of it.
 */
export async function gemm(A: DenseArray, B: DenseArray, m: number, k: number, n: number, o: GemmOptions = {}): Promise<DenseArray> {
  const dtype = dtypeOf(A);
  if (dtypeOf(B) !== dtype) throw new Error('gemm: A and B must have the same precision');
  if (m === 0 || n === 0) return alloc(dtype, m * n);
  if (k === 0) return alloc(dtype, m * n);
  const tA = o.transA ? 1 : 0,
    tB = o.transB ? 1 : 0;
  // GEMV-like shapes (a thin side < 16) are memory-bound: one thread (see GEMM_THREADS_MIN_SIDE)
  const threads = Math.min(m, n) >= GEMM_THREADS_MIN_SIDE ? cpuCount() : 1;
  const s = !o.js && m * k * n >= GEMM_ORT_MIN_WORK ? session(`gemm${tA}${tB}` as Kind, dtype, threads) : undefined;
  if (s) {
    try {
      const ort = loadOrt()!;
      const sess = await s;
      const out = await nativeCall(() =>
        sess.run({
          A: new ort.Tensor(dtype, A.subarray(0, m * k), tA ? [k, m] : [m, k]),
          B: new ort.Tensor(dtype, B.subarray(0, k * n), tB ? [n, k] : [k, n]),
        }),
      );
      gemmStats.ort++;
      return out.C.data as DenseArray;
    } catch {
      // fall through to the loops
    }
  }
  gemmStats.js++;
  return gemmJs(A, B, m, k, n, o);
}

/** The loops: float64 accumulation, result in A's precision. */
export function gemmJs(A: DenseArray, B: DenseArray, m: number, k: number, n: number, o: GemmOptions = {}): DenseArray {
  const C = alloc(dtypeOf(A), m * n);
  // strides: A(i, p), B(p, j)
  const ai = o.transA ? 1 : k,
    ap = o.transA ? m : 1,
    bp = o.transB ? 1 : n,
    bj = o.transB ? k : 1;
  if (!o.transB) {
    // row of C as a sum of rows of B (unit stride inner loop)
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const a = A[i * ai + p * ap];
        if (a === 0) continue;
        const o0 = p * bp;
        for (let j = 0; j < n; j++) row[j] += a * B[o0 + j];
      }
      C.set(row, i * n);
    }
    return C;
  }
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * ai + p * ap] * B[p * bp + j * bj];
      C[i * n + j] = s;
    }
  return C;
}

/**
 * One classical Gram–Schmidt pass against the k rows of Q (row-major [k, n], a prefix of a workspace):
 * c = Q v, v′ = v − Qᵀ c, in one session call (two GEMVs reading Q once each); the loops below the
 * size switch. c is float64 either way.
 */
export async function projectOut(
  Q: DenseArray,
  k: number,
  n: number,
  v: DenseArray,
  o: { js?: boolean } = {},
): Promise<{ c: Float64Array; v: DenseArray }> {
  const dtype = dtypeOf(Q);
  const s = !o.js && k > 0 && 2 * k * n >= GEMM_ORT_MIN_WORK ? session('project', dtype) : undefined;
  if (s && dtypeOf(v) === dtype) {
    try {
      const ort = loadOrt()!;
      const sess = await s;
      const out = await nativeCall(() =>
        sess.run({ Q: new ort.Tensor(dtype, Q.subarray(0, k * n), [k, n]), v: new ort.Tensor(dtype, v.subarray(0, n), [1, n]) }),
      );
      gemmStats.ort++;
      return { c: Float64Array.from(out.c.data as DenseArray), v: out.y.data as DenseArray };
    } catch {
      // fall through to the loops
    }
  }
  gemmStats.js++;
  const c = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let t = 0;
    const o0 = j * n;
    for (let i = 0; i < n; i++) t += Q[o0 + i] * v[i];
    c[j] = t;
  }
  const y = v.slice(0, n);
  for (let j = 0; j < k; j++) {
    const cj = c[j],
      o0 = j * n;
    if (cj !== 0) for (let i = 0; i < n; i++) y[i] -= cj * Q[o0 + i];
  }
  return { c, v: y };
}

/** X Xᵀ for X [p, n] row-major (float64). */
export async function gramRows(X: Float64Array, p: number, n: number): Promise<Float64Array> {
  return (await gemm(X, X, p, n, p, { transB: true })) as Float64Array;
}

/** G Aᵀ for G [r, n] and A [p, n] row-major (float64): r rows of p dot products each. */
export async function dotRows(G: Float64Array, r: number, A: Float64Array, p: number, n: number): Promise<Float64Array> {
  return (await gemm(G, A, r, n, p, { transB: true })) as Float64Array;
}

/** W X for W [q, p] and X [p, n] row-major (float64). */
export async function mulSmall(W: Float64Array, q: number, X: Float64Array, p: number, n: number): Promise<Float64Array> {
  return (await gemm(W, X, q, p, n)) as Float64Array;
}

/**
 * Orthonormalise the rows of X [p, n] in order (the Q of Gram–Schmidt: row j is the unit part of
 * X_j orthogonal to X_0..X_{j−1}) by CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto 2014):
 * G = X Xᵀ = RᵀR, X ← R⁻ᵀ X, twice — two Gram matrices and two triangular recombinations, all GEMMs.
 * For well-conditioned X (e.g. Gaussian rows with n ≥ 4p); undefined when the Cholesky fails.
 */
export async function choleskyQr2(X: Float64Array, p: number, n: number): Promise<Float64Array | undefined> {
  let Q = X;
  for (let pass = 0; pass < 2; pass++) {
    const G = await gramRows(Q, p, n);
    const W = lowerInverseOfCholesky(G, p);
    if (!W) return undefined;
    Q = await mulSmall(W, p, Q, p, n);
  }
  return Q;
}

/** R⁻ᵀ (lower triangular, row-major) for G = RᵀR; undefined when G is not numerically positive definite. */
function lowerInverseOfCholesky(G: Float64Array, p: number): Float64Array | undefined {
  // L = Rᵀ: G = L Lᵀ
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = G[i * p + j];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(s > 1e-300)) return undefined;
        L[i * p + i] = Math.sqrt(s);
      } else L[i * p + j] = s / L[j * p + j];
    }
  // W = L⁻¹ (lower triangular), by forward substitution column by column
  const W = new Float64Array(p * p);
  for (let c = 0; c < p; c++) {
    for (let i = c; i < p; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * p + k] * W[k * p + c];
      W[i * p + c] = s / L[i * p + i];
    }
  }
  return W;
}
