/**
 * Elementwise ops with numpy broadcasting. Derivatives (g: output cotangent, t: input tangents):
 *  Add/Sub: ∂ = ±1 · unbroadcast;  Mul: ∂a = g·b, ∂b = g·a, R = ta·b + a·tb;
 *  Div: ∂a = g/b, ∂b = −g·y/b, R = (ta − y·tb)/b;  Exp: y;  Log: 1/x;  Sqrt: 1/(2y);
 *  Tanh: 1 − y²;  Sigmoid: y(1 − y);  Softplus: σ(x);  Erf: (2/√π)·e^(−x²);  Relu: [x > 0];
 *  Abs: sign(x);  Pow (constant c): c·x^(c−1);  Where: routes by the (constant) condition.
 * Relu and Abs have zero second derivative almost everywhere, so their R-ops are the masked
 * tangents — exact. (Pearlmutter 1994 for the R-op; Griewank & Walther 2008 for the rules.)
 */
import type { Graph, PrimNode } from '../ir';
import { Rule, bilinear, zeroRule, type PrimRules } from './types';

/** An elementwise unary op whose derivative is d(x, y): ∂x = g·d, R = t·d. */
function unary(d: (g: Graph, x: string, y: string) => string): Rule {
  return {
    vjp: (g, n, [gy]) => [gy === undefined ? undefined : g.mul(gy, d(g, n.inputs[0], n.outputs[0]))],
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.mul(t, d(g, n.inputs[0], n.outputs[0]))],
  };
}
const linearUnary = (sign: 1 | -1): Rule => ({
  vjp: (g, _n, [gy]) => [gy === undefined ? undefined : sign < 0 ? g.neg(gy) : gy],
  jvp: (g, _n, [t]) => [t === undefined ? undefined : sign < 0 ? g.neg(t) : t],
});

export const ELEMENTWISE = {
  Add: {
    vjp: (g, n, [gy], need) => n.inputs.map((x, i) => (gy !== undefined && need[i] ? g.unbroadcast(gy, g.shape(x)) : undefined)),
    jvp: (g, n, [ta, tb]) => [
      ta === undefined
        ? tb === undefined
          ? undefined
          : g.expand(tb, g.shape(n.outputs[0]))
        : tb === undefined
          ? g.expand(ta, g.shape(n.outputs[0]))
          : g.add(ta, tb),
    ],
  },
  Sub: {
    vjp: (g, n, [gy], need) => [
      gy !== undefined && need[0] ? g.unbroadcast(gy, g.shape(n.inputs[0])) : undefined,
      gy !== undefined && need[1] ? g.unbroadcast(g.neg(gy), g.shape(n.inputs[1])) : undefined,
    ],
    jvp: (g, n, [ta, tb]) => [
      ta === undefined
        ? tb === undefined
          ? undefined
          : g.expand(g.neg(tb), g.shape(n.outputs[0]))
        : tb === undefined
          ? g.expand(ta, g.shape(n.outputs[0]))
          : g.sub(ta, tb),
    ],
  },
  // bilinear: ∂a = ȳ·b, ∂b = ȳ·a (summed over broadcast axes), ẏ = ȧ·b + a·ḃ
  Mul: bilinear(
    (g, _n, a, b) => g.mul(a, b),
    (g, n, gy) => g.unbroadcast(g.mul(gy, n.inputs[1]), g.shape(n.inputs[0])),
    (g, n, gy) => g.unbroadcast(g.mul(gy, n.inputs[0]), g.shape(n.inputs[1])),
  ),
  Div: {
    vjp: (g, n, [gy], need) => {
      const [a, b] = n.inputs,
        y = n.outputs[0];
      if (gy === undefined) return [undefined, undefined];
      const gb = g.div(gy, b);
      return [need[0] ? g.unbroadcast(gb, g.shape(a)) : undefined, need[1] ? g.unbroadcast(g.neg(g.mul(gb, y)), g.shape(b)) : undefined];
    },
    jvp: (g, n, [ta, tb]) => {
      const [, b] = n.inputs,
        y = n.outputs[0];
      const yTb = tb === undefined ? undefined : g.mul(y, tb);
      const num = ta === undefined ? (yTb === undefined ? undefined : g.neg(yTb)) : yTb === undefined ? ta : g.sub(ta, yTb);
      return [num === undefined ? undefined : g.expand(g.div(num, b), g.shape(y))];
    },
  },
  Neg: linearUnary(-1),
  Identity: linearUnary(1),
  Exp: unary((_g, _x, y) => y),
  Log: unary((g, x) => g.div(g.scalar(1), x)),
  Sqrt: unary((g, _x, y) => g.div(g.scalar(0.5), y)),
  Tanh: unary((g, _x, y) => g.sub(g.scalar(1), g.mul(y, y))),
  Sigmoid: unary((g, _x, y) => g.mul(y, g.sub(g.scalar(1), y))),
  Softplus: unary((g, x) => g.unary('Sigmoid', x)),
  Erf: unary((g, x) => g.scale(g.unary('Exp', g.neg(g.mul(x, x))), 2 / Math.sqrt(Math.PI))),
  Relu: unary((g, x) => g.toFloat(g.greater(x, 0))),
  Abs: unary((g, x) => g.unary('Sign', x)),
  Pow: {
    vjp: (g, n, [gy], need) => [gy !== undefined && need[0] ? g.mul(gy, powDeriv(g, n)) : undefined, undefined],
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.mul(t, powDeriv(g, n))],
  },
  Where: {
    vjp: (g, n, [gy], need) => {
      const [c, a, b] = n.inputs;
      if (gy === undefined) return [undefined, undefined, undefined];
      const z = g.scalar(0);
      return [
        undefined,
        need[1] ? g.unbroadcast(g.where(c, gy, z), g.shape(a)) : undefined,
        need[2] ? g.unbroadcast(g.where(c, z, gy), g.shape(b)) : undefined,
      ];
    },
    jvp: (g, n, [, ta, tb]) => {
      if (ta === undefined && tb === undefined) return [undefined];
      const z = g.scalar(0);
      return [g.expand(g.where(n.inputs[0], ta ?? z, tb ?? z), g.shape(n.outputs[0]))];
    },
  },
  Greater: zeroRule,
  Equal: zeroRule,
  Not: zeroRule,
  Cast: zeroRule,
  Sign: zeroRule,
  ReduceMax: zeroRule,
} satisfies Partial<PrimRules>;

/** c·x^(c−1) for Pow(x, c) with a compile-time constant exponent c. */
function powDeriv(g: Graph, n: PrimNode<'Pow'>): string {
  const c = g.value(n.inputs[1]);
  if (!c || c.length !== 1) throw new Error('internal: Pow with a non-constant exponent');
  const e = c[0];
  if (e === 2) return g.scale(n.inputs[0], 2);
  if (e === 1) return g.scalar(1);
  return g.scale(g.powc(n.inputs[0], e - 1), e);
}
