/**
 * Dense float64 matrix products on ONNX Runtime's CPU MatMul (MLAS DGEMM), for the diagnostics' own
 * arithmetic on blocks of vectors (the random subspace of ε-sharpness: Gram matrices and
 * triangular recombinations, p × n with n up to millions). Two tiny graphs with symbolic dimensions,
 * one session each per process:
 *   gramRows(X)   = X Xᵀ      X [p, n] row-major  →  [p, p]
 *   mulSmall(W, X) = W X      W [q, p], X [p, n]  →  [q, n]
 * Each falls back to plain loops when ONNX Runtime is not loaded (same results to rounding).
 */
import type * as Ort from 'onnxruntime-node';
import { modelProtoType } from '../formats/onnxSchema';
import { loadOrt, nativeCall, cpuCount } from './runtime';

const DOUBLE = 11;
function model(
  nodes: { op: string; inputs: string[]; outputs: string[]; perm?: number[]; transB?: number }[],
  inputs: [string, string[]][],
  output: [string, string[]],
): Uint8Array {
  const t = modelProtoType();
  const vi = (name: string, dims: string[]) => ({
    name,
    type: { tensorType: { elemType: DOUBLE, shape: { dim: dims.map(d => ({ dimParam: d })) } } },
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
        attribute: n.perm ? [{ name: 'perm', type: 7, ints: n.perm }] : n.transB ? [{ name: 'transB', type: 2, i: n.transB }] : [],
      })),
      input: inputs.map(([n, d]) => vi(n, d)),
      output: [vi(...output)],
    },
  };
  return t.encode(t.fromObject(msg)).finish();
}

const sessions = new Map<string, Promise<Ort.InferenceSession>>();
function session(kind: 'gram' | 'mul' | 'dotRows'): Promise<Ort.InferenceSession> | undefined {
  const ort = loadOrt();
  if (!ort) return undefined;
  let s = sessions.get(kind);
  if (!s) {
    const bytes =
      kind === 'dotRows'
        ? model(
            [{ op: 'Gemm', inputs: ['G', 'A'], outputs: ['Y'], transB: 1 }],
            [
              ['G', ['r', 'n']],
              ['A', ['p', 'n']],
            ],
            ['Y', ['r', 'p']],
          )
        : kind === 'gram'
          ? model(
              [
                { op: 'Transpose', inputs: ['X'], outputs: ['Xt'], perm: [1, 0] },
                { op: 'MatMul', inputs: ['X', 'Xt'], outputs: ['G'] },
              ],
              [['X', ['p', 'n']]],
              ['G', ['p', 'p']],
            )
          : model(
              [{ op: 'MatMul', inputs: ['W', 'X'], outputs: ['Y'] }],
              [
                ['W', ['q', 'p']],
                ['X', ['p', 'n']],
              ],
              ['Y', ['q', 'n']],
            );
    s = nativeCall(() =>
      ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        intraOpNumThreads: cpuCount(),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        logSeverityLevel: 3,
      }),
    );
    s.catch(() => sessions.delete(kind));
    sessions.set(kind, s);
  }
  return s;
}

/** A typed array ONNX Runtime can take as is (its own buffer from offset 0), else a copy. */
function own(a: Float64Array): Float64Array {
  return a.byteOffset === 0 && a.buffer.byteLength === a.byteLength ? a : a.slice();
}

/** X Xᵀ for X [p, n] row-major (float64). */
export async function gramRows(X: Float64Array, p: number, n: number): Promise<Float64Array> {
  const s = session('gram');
  if (s) {
    try {
      const ort = loadOrt()!;
      const sess = await s;
      const out = await nativeCall(() => sess.run({ X: new ort.Tensor('float64', own(X), [p, n]) }));
      return out.G.data as Float64Array;
    } catch {
      // fall through to the loops
    }
  }
  const G = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s2 = 0;
      for (let k = 0; k < n; k++) s2 += X[i * n + k] * X[j * n + k];
      G[i * p + j] = G[j * p + i] = s2;
    }
  return G;
}

/** G Aᵀ for G [r, n] and A [p, n] row-major (float64): r rows of p dot products each. */
export async function dotRows(G: Float64Array, r: number, A: Float64Array, p: number, n: number): Promise<Float64Array> {
  const s = session('dotRows');
  if (s) {
    try {
      const ort = loadOrt()!;
      const sess = await s;
      const out = await nativeCall(() =>
        sess.run({ G: new ort.Tensor('float64', own(G), [r, n]), A: new ort.Tensor('float64', own(A), [p, n]) }),
      );
      return out.Y.data as Float64Array;
    } catch {
      // fall through to the loops
    }
  }
  const Y = new Float64Array(r * p);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < p; j++) {
      let t = 0;
      for (let k = 0; k < n; k++) t += G[i * n + k] * A[j * n + k];
      Y[i * p + j] = t;
    }
  return Y;
}

/** W X for W [q, p] and X [p, n] row-major (float64). */
export async function mulSmall(W: Float64Array, q: number, X: Float64Array, p: number, n: number): Promise<Float64Array> {
  const s = session('mul');
  if (s) {
    try {
      const ort = loadOrt()!;
      const sess = await s;
      const out = await nativeCall(() =>
        sess.run({ W: new ort.Tensor('float64', own(W), [q, p]), X: new ort.Tensor('float64', own(X), [p, n]) }),
      );
      return out.Y.data as Float64Array;
    } catch {
      // fall through to the loops
    }
  }
  const Y = new Float64Array(q * n);
  for (let i = 0; i < q; i++)
    for (let j = 0; j < p; j++) {
      const w = W[i * p + j];
      if (w !== 0) for (let k = 0; k < n; k++) Y[i * n + k] += w * X[j * n + k];
    }
  return Y;
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
