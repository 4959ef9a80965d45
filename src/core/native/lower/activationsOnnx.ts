/**
 * The ONNX activation family torch exports (opset 17; Mish from opset 18) as native IR, from
 * primitives whose derivative rules are in rules/ (so every HVP is exact, second order included):
 *  HardSigmoid(x) = clip(αx + β, 0, 1)                  HardSwish(x) = x · clip(x/6 + 1/2, 0, 1)
 *  Celu(x)        = max(0, x) + min(0, α(e^(x/α) − 1))   PRelu(x, s) = x if x > 0 else s·x (s broadcast, a parameter)
 *  ThresholdedRelu(x) = x if x > α else 0               Softsign(x) = x / (1 + |x|)
 *  Mish(x)        = x · tanh(softplus(x))               (Misra 2019; the others as the ONNX operator specs define them)
 * Piecewise functions use Where on a constant mask (the mask has no derivative); the exponential
 * branch of Celu is evaluated on min(x, 0) so no 0·∞ reaches a derivative.
 */
import type { Graph } from '../ir';
import { clip } from './activations';
import type { OnnxLowerings } from './common';

const minZero = (g: Graph, x: string): string => g.neg(g.unary('Relu', g.neg(x)));

export const hardSigmoid = (g: Graph, x: string, alpha: number, beta: number): string =>
  clip(g, g.add(g.scale(x, alpha), g.scalar(beta)), 0, 1);

export const ONNX_ACTIVATION_LOWER = {
  'onnx.HardSigmoid': (g, [x], a) => [hardSigmoid(g, x, Number(a.alpha ?? 0.2), Number(a.beta ?? 0.5))],
  'onnx.HardSwish': (g, [x]) => [g.mul(x, hardSigmoid(g, x, 1 / 6, 0.5))],
  'onnx.Celu': (g, [x], a) => {
    const al = Number(a.alpha ?? 1);
    const neg = g.scale(g.sub(g.unary('Exp', g.scale(minZero(g, x), 1 / al)), g.scalar(1)), al);
    return [g.where(g.greater(x, 0), x, neg)];
  },
  'onnx.PRelu': (g, [x, slope]) => [g.where(g.greater(x, 0), x, g.mul(x, slope))],
  'onnx.ThresholdedRelu': (g, [x], a) => [g.where(g.greater(x, Number(a.alpha ?? 1)), x, g.scalar(0))],
  'onnx.Softsign': (g, [x]) => [g.div(x, g.add(g.scalar(1), g.unary('Abs', x)))],
  'onnx.Mish': (g, [x]) => [g.mul(x, g.unary('Tanh', g.unary('Softplus', x)))],
} satisfies Partial<OnnxLowerings>;
