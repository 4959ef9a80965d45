/**
 * Loss and gradient norm at θ: L(θ) = (1/m) Σ ℓ(f(x_i;θ), y_i) and ‖∇L(θ)‖₂ over all trainable
 * parameters, plus the gradient norm restricted to each layer's parameters.
 */
import type { GraphModel } from '../model/graph';
import type { Objective } from '../objective';

export interface BasicResult {
  loss: number;
  gradNorm: number;
  /** Per layer: parameter count and the norm of the gradient block. */
  layers: { name: string; params: number; gradNorm: number }[];
  gradient: Float32Array;
}

export async function lossAndGradient(model: GraphModel, obj: Objective, theta: Float32Array, signal?: AbortSignal): Promise<BasicResult> {
  const { loss, gradient } = await obj.valueAndGradient(theta, signal);
  let s = 0;
  for (let i = 0; i < gradient.length; i++) s += gradient[i] * gradient[i];
  const byLayer = new Map<string, { params: number; sq: number }>();
  for (const p of model.params) {
    const e = byLayer.get(p.layer) ?? { params: 0, sq: 0 };
    for (let i = p.offset; i < p.offset + p.size; i++) e.sq += gradient[i] * gradient[i];
    e.params += p.size;
    byLayer.set(p.layer, e);
  }
  return {
    loss,
    gradNorm: Math.sqrt(s),
    gradient,
    layers: [...byLayer].map(([name, e]) => ({ name, params: e.params, gradNorm: Math.sqrt(e.sq) })),
  };
}
