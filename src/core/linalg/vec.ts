/** Float64 vector kernels for the Krylov methods (plain loops: V8 vectorises them well enough). */
export function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = a.length, n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) { s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]; }
  for (let i = n4; i < n; i++) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}
export function norm(a: Float64Array): number { return Math.sqrt(dot(a, a)); }
/** y ← y + α x */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void { for (let i = 0; i < y.length; i++) y[i] += alpha * x[i]; }
export function scale(alpha: number, x: Float64Array): void { for (let i = 0; i < x.length; i++) x[i] *= alpha; }
/**
 * Orthogonalise v against the (orthonormal) basis vectors by modified Gram–Schmidt, with a second
 * pass only when the first removed a large part of v (‖v′‖ < ‖v‖/√2, the DGKS criterion of Daniel,
 * Gragg, Kaufman & Stewart 1976: "twice is enough", and once is enough when little was removed). In
 * Lanczos the new vector is already nearly orthogonal after the three-term recurrence, so the
 * second pass — half the method's own arithmetic — is rarely needed.
 */
export function orthogonalise(v: Float64Array, basis: Float64Array[]): void {
  if (basis.length === 0) return;
  const before = norm(v);
  for (const q of basis) axpy(-dot(q, v), q, v);
  if (norm(v) < Math.SQRT1_2 * before) for (const q of basis) axpy(-dot(q, v), q, v);
}
/** Σ_j c_j Q_j */
export function combine(basis: Float64Array[], coeffs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(basis[0].length);
  for (let j = 0; j < basis.length; j++) if (coeffs[j] !== 0) axpy(coeffs[j], basis[j], out);
  return out;
}
