/**
 * PyHessian's top-k eigenvalue method (Yao et al. 2020, `hessian.eigenvalues`): power iteration
 * with deflation against the previously found eigenvectors, stopping when the Rayleigh quotient
 * changes by < tol relative (1e-3, its default). Re-implemented here only to compare with our
 * Lanczos on the same exact-HVP operator in the benchmark.
 */
import type { LinearOperator } from '../src/core/linalg/operator';
import { Rng } from '../src/core/rng';
import { dot, norm, scale, orthogonalise } from '../src/core/linalg/vec';

export async function powerIterationTopK(
  op: LinearOperator,
  k: number,
  seed: number,
  maxIter = 100,
  tol = 1e-3,
): Promise<{ values: number[]; matvecs: number }> {
  const rng = new Rng(seed);
  const vecs: Float64Array[] = [],
    values: number[] = [];
  let matvecs = 0;
  for (let e = 0; e < k; e++) {
    let v = rng.normalVector(op.n);
    scale(1 / norm(v), v);
    let lambda: number | undefined;
    for (let i = 0; i < maxIter; i++) {
      orthogonalise(v, vecs);
      scale(1 / norm(v), v);
      const hv = await op.apply(v);
      matvecs++;
      const tmp = dot(hv, v);
      const nv = norm(hv);
      v = hv;
      scale(1 / nv, v);
      if (lambda !== undefined && Math.abs(lambda - tmp) / (Math.abs(lambda) + 1e-6) < tol) {
        lambda = tmp;
        break;
      }
      lambda = tmp;
    }
    values.push(lambda!);
    vecs.push(v);
  }
  return { values, matvecs };
}
