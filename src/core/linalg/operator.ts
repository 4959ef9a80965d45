/**
 * A symmetric linear operator y = A v on R^n, evaluated asynchronously (an exact
 * Hessian-vector product in the product, a dense matrix in tests). Vectors are float64
 * on the JS side; implementations may compute in float32 internally.
 */
export interface LinearOperator {
  readonly n: number;
  apply(v: Float64Array, signal?: AbortSignal): Promise<Float64Array>;
}

/** Progress callback shared by iterative algorithms: done/total in algorithm units. */
export type Progress = (info: { stage: string; done: number; total: number; partial?: unknown }) => void;
