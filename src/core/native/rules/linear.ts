/**
 * Linear and bilinear ops. MatMul C = A·B (2-D, or batched over equal leading axes, Bᵀ swapping the last
 * two): ∂A = G·Bᵀ, ∂B = Aᵀ·G, R = Ȧ·B + A·Ḃ (bilinear, so exact at every order).
 * The structural ops are linear in their data input, so their JVP is the op itself applied to the
 * tangent, and their VJP its adjoint: ReduceSum ↔ Expand, Reshape ↔ Reshape back, Transpose ↔ the
 * inverse permutation, Concat ↔ Slice, Slice ↔ Pad, Pad ↔ Slice, Expand ↔ sum over broadcast axes.
 */
import type { Graph } from '../ir';
import { addMaybe, bilinear, linear, type Maybe, type PrimRules } from './types';

const known = (g: Graph, t: string): number[] => {
  const v = g.value(t);
  if (!v) throw new Error(`internal: '${t}' is not a compile-time constant`);
  return v;
};

export const LINEAR = {
  MatMul: bilinear(
    (g, _n, a, b) => g.matmul(a, b),
    (g, n, gy) => g.matmul(gy, g.transposeLast(n.inputs[1])),
    (g, n, gy) => g.matmul(g.transposeLast(n.inputs[0]), gy),
  ),
  ReduceSum: linear(
    (g, n, t) => g.reduceSum(t, known(g, n.inputs[1]), n.attrs.keepdims === 1),
    (g, n, gy) => {
      const xs = g.shape(n.inputs[0]),
        axes = known(g, n.inputs[1]);
      return g.expand(
        g.reshape(
          gy,
          xs.map((d, i) => (axes.includes(i) ? 1 : d)),
        ),
        xs,
      );
    },
  ),
  Reshape: linear(
    (g, n, t) => g.reshape(t, g.shape(n.outputs[0])),
    (g, n, gy) => g.reshape(gy, g.shape(n.inputs[0])),
  ),
  Transpose: linear(
    (g, n, t) => g.transpose(t, n.attrs.perm),
    (g, n, gy) =>
      g.transpose(
        gy,
        n.attrs.perm.map((_, i) => n.attrs.perm.indexOf(i)),
      ),
  ),
  Concat: {
    vjp: (g, n, [gy], need) => {
      if (gy === undefined) return n.inputs.map(() => undefined);
      const ax = n.attrs.axis;
      let off = 0;
      return n.inputs.map((x, i) => {
        const d = g.shape(x)[ax],
          s = off;
        off += d;
        return need[i] ? g.slice(gy, [s], [s + d], [ax]) : undefined;
      });
    },
    jvp: (g, n, t) => {
      if (t.every(x => x === undefined)) return [undefined];
      return [
        g.concat(
          n.inputs.map((x, i) => t[i] ?? g.zeros(g.shape(x))),
          n.attrs.axis,
        ),
      ];
    },
  },
  Slice: linear(
    (g, n, t) => g.slice(t, known(g, n.inputs[1]), known(g, n.inputs[2]), known(g, n.inputs[3])),
    (g, n, gy) => {
      const xs = g.shape(n.inputs[0]),
        st = known(g, n.inputs[1]),
        en = known(g, n.inputs[2]);
      const pads = new Array<number>(2 * xs.length).fill(0);
      known(g, n.inputs[3]).forEach((a, i) => {
        pads[a] = st[i];
        pads[a + xs.length] = xs[a] - en[i];
      });
      return g.pad(gy, pads);
    },
  ),
  // the pad value is a constant: the tangent is padded with zeros; the adjoint crops
  Pad: linear(
    (g, n, t) => g.pad(t, known(g, n.inputs[1])),
    (g, n, gy) => {
      const xs = g.shape(n.inputs[0]),
        p = known(g, n.inputs[1]);
      return g.slice(
        gy,
        xs.map((_, i) => p[i]),
        xs.map((d, i) => p[i] + d),
        xs.map((_, i) => i),
      );
    },
  ),
  // Gather(table, ids) picks rows: linear in the table; its adjoint adds the cotangent rows back (ScatterND add)
  Gather: linear(
    (g, n, t) => g.gather(t, n.inputs[1]),
    (g, n, gy) => {
      const [table, ids] = n.inputs;
      return g.scatterNDAdd(g.zeros(g.shape(table)), g.reshape(ids, [...g.shape(ids), 1]), gy);
    },
  ),
  // linear in (data, updates); only derivative graphs hold it (tangent-only)
  ScatterND: {
    jvp: (g, n, [td, , tu]) => {
      if (td === undefined && tu === undefined) return [undefined];
      return [g.scatterNDAdd(td ?? g.zeros(g.shape(n.inputs[0])), n.inputs[1], tu ?? g.zeros(g.shape(n.inputs[2])))];
    },
  },
  Expand: linear(
    (g, n, t) => g.expand(t, g.shape(n.outputs[0])),
    (g, n, gy) => g.unbroadcast(gy, g.shape(n.inputs[0])),
  ),
} satisfies Partial<PrimRules>;
export type { Maybe };
export { addMaybe };
