/**
 * Eigenvalues of a dense symmetric matrix: Householder reduction to tridiagonal form (Householder
 * 1958; Golub & Van Loan, Matrix Computations, 4th ed., Algorithm 8.3.1: A ← HAH with
 * H = I − 2vvᵀ, applied as A − 2(vwᵀ + wvᵀ), p = Av, w = p − (vᵀp)v), then the implicit QL method on
 * the tridiagonal matrix (./tridiag.ts). O(4n³/3) flops in float64: the exact spectrum of a small
 * model's Hessian formed from n HVPs (src/core/diagnostics/hessian.ts).
 */
import { tridiagEigen } from './tridiag';

/** Eigenvalues ascending of the symmetric n × n matrix A (row-major; only its symmetric part (A + Aᵀ)/2 is used). */
export function symmetricEigenvalues(A: ArrayLike<number>, n: number): number[] {
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]);
  const alpha = new Array<number>(n),
    beta = new Array<number>(Math.max(0, n - 1)).fill(0);
  const v = new Float64Array(n),
    p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const s = k + 1;
    let norm = 0;
    for (let i = s; i < n; i++) norm += M[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      beta[k] = 0;
      continue;
    }
    const x0 = M[s * n + k],
      sign = x0 >= 0 ? 1 : -1;
    for (let i = s; i < n; i++) v[i] = M[i * n + k];
    v[s] += sign * norm;
    let vn = 0;
    for (let i = s; i < n; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    for (let i = s; i < n; i++) v[i] /= vn;
    // p = A v on the trailing block, K = vᵀp, w = p − K v
    let K = 0;
    for (let i = s; i < n; i++) {
      let t = 0;
      for (let j = s; j < n; j++) t += M[i * n + j] * v[j];
      p[i] = t;
      K += v[i] * t;
    }
    for (let i = s; i < n; i++) p[i] -= K * v[i];
    for (let i = s; i < n; i++) for (let j = s; j < n; j++) M[i * n + j] -= 2 * (v[i] * p[j] + p[i] * v[j]);
    beta[k] = -sign * norm;
    for (let i = s; i < n; i++) M[i * n + k] = M[k * n + i] = 0;
  }
  if (n >= 2) beta[n - 2] = M[(n - 1) * n + (n - 2)];
  for (let i = 0; i < n; i++) alpha[i] = M[i * n + i];
  return tridiagEigen(alpha, beta).values;
}
