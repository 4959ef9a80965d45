/**
 * Adaptive sharpness (Kwon, Kim, Park & Choi, "ASAM: Adaptive Sharpness-Aware Minimization for
 * Scale-Invariant Learning of Deep Neural Networks", ICML 2021):
 *   S_ρ(θ) = max_{‖T_θ⁻¹ ε‖₂ ≤ ρ} L(θ + ε) − L(θ),   T_θ = diag(|θ_i| + η)  (η = 0.01 as in ASAM),
 * invariant to the rescalings of ReLU networks that leave the function unchanged (up to η).
 * In u = T_θ⁻¹ε the constraint is the ball ‖u‖ ≤ ρ. First-order ascent step (as in ASAM):
 * u₀ = ρ·T∇L / ‖T∇L‖; then `steps` refinements of projected gradient ascent
 * u ← ρ·(u + ρ·T∇L(θ+Tu)/‖T∇L(θ+Tu)‖)/‖…‖ (projected on the sphere, where the maximum of a locally
 * convex loss lies), keeping the best point evaluated — a lower bound of the true maximum.
 * Reported in absolute loss units and relative to 1 + L(θ) (as Keskar's metric).
 */
import type { Objective } from '../objective';
import { throwIfAborted } from '../errors';

export interface AdaptiveSharpnessResult {
  rho: number;
  eta: number;
  value: number;
  relative: number;
  maxLoss: number;
  steps: number;
  evaluations: number;
}

export async function adaptiveSharpness(
  obj: Objective,
  theta: Float32Array,
  o: {
    rho?: number;
    eta?: number;
    steps?: number;
    signal?: AbortSignal;
    onProgress?: (p: { stage: string; done: number; total: number }) => void;
  } = {},
): Promise<AdaptiveSharpnessResult> {
  const rho = o.rho ?? 0.05,
    eta = o.eta ?? 0.01,
    steps = o.steps ?? 5,
    n = theta.length;
  const T = new Float64Array(n);
  for (let i = 0; i < n; i++) T[i] = Math.abs(theta[i]) + eta;
  const point = (u: Float64Array): Float32Array => {
    const p = Float32Array.from(theta);
    for (let i = 0; i < n; i++) p[i] += T[i] * u[i];
    return p;
  };
  const ascent = (g: Float32Array): Float64Array | undefined => {
    const d = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      d[i] = T[i] * g[i];
      s += d[i] * d[i];
    }
    s = Math.sqrt(s);
    if (!(s > 0)) return undefined;
    for (let i = 0; i < n; i++) d[i] /= s;
    return d;
  };
  const { loss: l0, gradient } = await obj.valueAndGradient(theta, o.signal);
  let evaluations = 1;
  const d0 = ascent(gradient);
  if (!d0) return { rho, eta, value: 0, relative: 0, maxLoss: l0, steps: 0, evaluations };
  let u = d0.map(v => v * rho);
  let best = -Infinity,
    done = 0;
  for (let k = 0; k <= steps; k++) {
    throwIfAborted(o.signal);
    const { loss, gradient: g } = await obj.valueAndGradient(point(u), o.signal);
    evaluations++;
    if (loss > best) best = loss;
    o.onProgress?.({ stage: 'adaptive sharpness', done: k + 1, total: steps + 1 });
    if (k === steps) break;
    const d = ascent(g);
    if (!d) break;
    const next = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) {
      next[i] = u[i] + rho * d[i];
      s += next[i] * next[i];
    }
    s = Math.sqrt(s);
    for (let i = 0; i < n; i++) next[i] *= rho / s;
    u = next;
    done++;
  }
  const value = Math.max(0, best - l0);
  return { rho, eta, value, relative: value / (1 + l0), maxLoss: Math.max(best, l0), steps: done, evaluations };
}
