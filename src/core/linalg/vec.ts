/**
 * Vector kernels for the Krylov methods over float32 or float64 storage, every sum accumulated in float64
 * (plain loops: V8 vectorises them well enough).
 */
export type Vec = Float32Array | Float64Array;
export function dot(a: Vec, b: Vec): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  const n = a.length,
    n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (let i = n4; i < n; i++) s0 += a[i] * b[i];
  return s0 + s1 + (s2 + s3);
}
export function norm(a: Vec): number {
  return Math.sqrt(dot(a, a));
}
/** y ← y + α x */
export function axpy(alpha: number, x: Vec, y: Vec): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}
export function scale(alpha: number, x: Vec): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}
/**
 * Orthogonalise v against the (orthonormal) basis vectors: classical Gram–Schmidt (all projections
 * c = Qᵀv first, then v ← v − Qc in one sweep over v), repeated once only when the first pass
 * removed a large part of v (‖v′‖ < ‖v‖/√2: the DGKS criterion of Daniel, Gragg, Kaufman & Stewart
 * 1976, "twice is enough"). CGS2 is as accurate as modified Gram–Schmidt twice and reads v far fewer
 * times; in Lanczos the new vector is nearly orthogonal after the three-term recurrence, so the second
 * pass is rarely needed. The cost, O(k·n) per vector, is the Krylov methods' own arithmetic.
 */
export function orthogonalise(v: Float64Array, basis: Float64Array[]): void {
  if (basis.length === 0) return;
  const before = norm(v);
  cgsPass(v, basis);
  if (norm(v) < Math.SQRT1_2 * before) cgsPass(v, basis);
}
function cgsPass(v: Float64Array, basis: Float64Array[]): void {
  const k = basis.length,
    n = v.length;
  const c = new Float64Array(k);
  for (let j = 0; j < k; j++) c[j] = dot(basis[j], v);
  // v ← v − Σ_j c_j q_j, four basis vectors per sweep over v
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    const q0 = basis[j],
      q1 = basis[j + 1],
      q2 = basis[j + 2],
      q3 = basis[j + 3];
    const c0 = c[j],
      c1 = c[j + 1],
      c2 = c[j + 2],
      c3 = c[j + 3];
    for (let i = 0; i < n; i++) v[i] -= c0 * q0[i] + c1 * q1[i] + c2 * q2[i] + c3 * q3[i];
  }
  for (; j < k; j++) axpy(-c[j], basis[j], v);
}
/** Σ_j c_j Q_j */
export function combine(basis: Float64Array[], coeffs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(basis[0].length);
  for (let j = 0; j < basis.length; j++) if (coeffs[j] !== 0) axpy(coeffs[j], basis[j], out);
  return out;
}
