/**
 * A symmetric linear operator y = A v on R^n, evaluated asynchronously (an exact
 * Hessian-vector product in the product, a dense matrix in tests). `apply` speaks float64;
 * an operator whose products are float32 anyway (the Hessian of an objective) also offers
 * `apply32` and `applyBlock32`, and the Krylov methods then keep their vectors in float32
 * (./workspace.ts) so no full vector is converted per product.
 */
export interface LinearOperator {
  readonly n: number;
  apply(v: Float64Array, signal?: AbortSignal): Promise<Float64Array>;
  /** the same product on a float32 vector, without conversion */
  apply32?(v: Float32Array, signal?: AbortSignal): Promise<Float32Array>;
  /** A·v_j for each row v_j of V (b × n, row-major, float32), in one pass where the implementation can */
  applyBlock32?(V: Float32Array, signal?: AbortSignal): Promise<Float32Array>;
}

/** Progress callback shared by iterative algorithms: done/total in algorithm units. */
export type Progress = (info: { stage: string; done: number; total: number; partial?: unknown }) => void;

/** A·V for the rows of V (b × n), float32: one block call when the operator has one, else one product per row. */
export async function applyRows(op: LinearOperator, V: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
  if (op.applyBlock32) return op.applyBlock32(V, signal);
  const n = op.n,
    b = V.length / n,
    out = new Float32Array(V.length);
  for (let j = 0; j < b; j++) {
    const v = V.subarray(j * n, (j + 1) * n);
    out.set(op.apply32 ? await op.apply32(v, signal) : await op.apply(Float64Array.from(v), signal), j * n);
  }
  return out;
}
