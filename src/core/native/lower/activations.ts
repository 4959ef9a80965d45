/**
 * Activations as native IR: the same functions as src/core/autodiff/ops.ts `activation`, written
 * from primitives whose derivative rules are in rules/. Piecewise functions use Where on a constant
 * mask; branches that could overflow (e^x for large x) are evaluated on min(x, 0) so no 0·∞ reaches
 * a derivative.
 */
import type { Graph } from '../ir';
import { CompileError } from '../ir';

/** min(x, 0) = −relu(−x). */
const minZero = (g: Graph, x: string): string => g.neg(g.unary('Relu', g.neg(x)));
const eluNeg = (g: Graph, x: string, alpha: number): string => g.scale(g.sub(g.unary('Exp', minZero(g, x)), g.scalar(1)), alpha);

export function clip(g: Graph, x: string, lo: number, hi: number): string {
  let y = x;
  if (hi < Infinity && hi < 3.4e38) y = g.where(g.greater(y, hi), g.scalar(hi), y);
  if (lo > -Infinity && lo > -3.4e38) y = g.where(g.greater(g.scalar(lo), y), g.scalar(lo), y);
  return y;
}
export const leaky = (g: Graph, x: string, alpha: number): string => g.where(g.greater(x, 0), x, g.scale(x, alpha));
export const elu = (g: Graph, x: string, alpha: number): string => g.where(g.greater(x, 0), x, eluNeg(g, x, alpha));
export const gelu = (g: Graph, x: string): string => g.mul(g.scale(x, 0.5), g.add(g.scalar(1), g.unary('Erf', g.scale(x, Math.SQRT1_2))));
export const geluTanh = (g: Graph, x: string): string => {
  const inner = g.scale(g.add(x, g.scale(g.powc(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return g.mul(g.scale(x, 0.5), g.add(g.scalar(1), g.unary('Tanh', inner)));
};
/** Softmax over the last axis: e^(x − max) / Σ e^(x − max) (the max is a constant shift). */
export function softmax(g: Graph, x: string): string {
  const e = g.unary('Exp', g.sub(x, g.reduceMaxNoGrad(x, [-1], true)));
  return g.div(e, g.reduceSum(e, [-1], true));
}
/** log softmax over the last axis: x − max − log Σ e^(x − max). */
export function logSoftmax(g: Graph, x: string): string {
  const s = g.sub(x, g.reduceMaxNoGrad(x, [-1], true));
  return g.sub(s, g.unary('Log', g.reduceSum(g.unary('Exp', s), [-1], true)));
}

const SELU_ALPHA = 1.6732632423543772,
  SELU_SCALE = 1.0507009873554805;

export function activation(g: Graph, name: string, x: string, where: string): string {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return g.unary('Relu', x);
    case 'relu6':
      return clip(g, g.unary('Relu', x), -Infinity, 6);
    case 'elu':
      return elu(g, x, 1);
    case 'selu':
      return g.scale(elu(g, x, SELU_ALPHA), SELU_SCALE);
    case 'tanh':
      return g.unary('Tanh', x);
    case 'sigmoid':
      return g.unary('Sigmoid', x);
    case 'softplus':
      return g.unary('Softplus', x);
    case 'softsign':
      return g.div(x, g.add(g.scalar(1), g.unary('Abs', x)));
    case 'exponential':
      return g.unary('Exp', x);
    case 'swish':
    case 'silu':
      return g.mul(x, g.unary('Sigmoid', x));
    case 'gelu':
      return gelu(g, x);
    case 'hard_sigmoid':
    case 'hardSigmoid':
      return clip(g, g.add(g.scale(x, 0.2), g.scalar(0.5)), 0, 1);
    case 'leaky_relu':
      return leaky(g, x, 0.2);
    case 'leakyRelu':
      return leaky(g, x, 0.3);
    case 'softmax':
      return softmax(g, x);
    default:
      throw new CompileError(`activation '${name}' (${where}) has no compiled rule`, `activation:${name}`, where);
  }
}
