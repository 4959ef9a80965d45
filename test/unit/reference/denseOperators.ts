/**
 * Dense symmetric test operators for the Krylov methods (Lanczos, thick restart, trace estimators):
 * a matrix with a prescribed spectrum, Q diag(λ) Qᵀ with a seeded random orthogonal Q (the eigenvectors
 * of a symmetrised Gaussian matrix by Jacobi), and the operator v ↦ A·v that counts its products.
 */
import { jacobiEigen } from '../../../src/core/linalg/jacobi';
import type { LinearOperator } from '../../../src/core/linalg/operator';
import { Rng } from '../../../src/core/rng';

/** Symmetric matrix Q diag(λ) Qᵀ with a random orthogonal Q. */
export function withSpectrum(lams: number[], seed: number): number[][] {
  const n = lams.length,
    rng = new Rng(seed);
  const M = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  const S = M.map((r, i) => r.map((v, j) => v + M[j][i]));
  const Q = jacobiEigen(S).vectors;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => lams.reduce((s, l, k) => s + Q[i][k] * l * Q[j][k], 0)));
}

/** A dense symmetric operator counting its products; with `f32` it also offers the float32 product (computed in float64). */
export function denseOp(A: number[][], f32 = false): LinearOperator & { calls: number } {
  const mul = (v: ArrayLike<number>) => A.map(r => r.reduce((s, a, j) => s + a * v[j], 0));
  const op: LinearOperator & { calls: number } = {
    n: A.length,
    calls: 0,
    async apply(v: Float64Array) {
      op.calls++;
      return Float64Array.from(mul(v));
    },
  };
  if (f32)
    op.apply32 = async (v: Float32Array) => {
      op.calls++;
      return Float32Array.from(mul(v));
    };
  return op;
}
