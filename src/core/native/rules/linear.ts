/**
 * Linear and bilinear ops. MatMul C = A·B (2-D, or batched over equal leading axes, Bᵀ swapping the last
 * two): ∂A = G·Bᵀ, ∂B = Aᵀ·G, R = Ȧ·B + A·Ḃ (bilinear, so exact at every order).
 * The structural ops are linear in their data input, so their JVP is the op itself applied to the
 * tangent, and their VJP its adjoint: ReduceSum ↔ Expand, Reshape ↔ Reshape back, Transpose ↔ the
 * inverse permutation, Concat ↔ Slice, Slice ↔ Pad, Pad ↔ Slice, Expand ↔ sum over broadcast axes.
 */
import type { Graph, INode } from '../ir';
import { Rule, Maybe, addMaybe } from './types';

const known = (g: Graph, t: string): number[] => {
  const v = g.value(t);
  if (!v) throw new Error(`internal: '${t}' is not a compile-time constant`);
  return v;
};
const attrs = (n: INode) => n.attrs as Record<string, number | number[]>;

export const LINEAR: Record<string, Rule> = {
  MatMul: {
    vjp: (g, n, [gy], need) => {
      const [a, b] = n.inputs;
      if (gy === undefined) return [undefined, undefined];
      return [need[0] ? g.matmul(gy, g.transposeLast(b)) : undefined, need[1] ? g.matmul(g.transposeLast(a), gy) : undefined];
    },
    jvp: (g, n, [ta, tb]) => {
      const [a, b] = n.inputs;
      return [addMaybe(g, ta === undefined ? undefined : g.matmul(ta, b), tb === undefined ? undefined : g.matmul(a, tb))];
    },
  },
  ReduceSum: {
    vjp: (g, n, [gy]) => {
      if (gy === undefined) return [undefined, undefined];
      const xs = g.shape(n.inputs[0]),
        axes = known(g, n.inputs[1]);
      const kept = xs.map((d, i) => (axes.includes(i) ? 1 : d));
      return [g.expand(g.reshape(gy, kept), xs), undefined];
    },
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.reduceSum(t, known(g, n.inputs[1]), Number(attrs(n).keepdims ?? 1) === 1)],
  },
  Reshape: {
    vjp: (g, n, [gy]) => [gy === undefined ? undefined : g.reshape(gy, g.shape(n.inputs[0])), undefined],
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.reshape(t, g.shape(n.outputs[0]))],
  },
  Transpose: {
    vjp: (g, n, [gy]) => {
      if (gy === undefined) return [undefined];
      const p = attrs(n).perm as number[],
        inv = p.map((_, i) => p.indexOf(i));
      return [g.transpose(gy, inv)];
    },
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.transpose(t, attrs(n).perm as number[])],
  },
  Concat: {
    vjp: (g, n, [gy], need) => {
      if (gy === undefined) return n.inputs.map(() => undefined);
      const ax = attrs(n).axis as number;
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
          attrs(n).axis as number,
        ),
      ];
    },
  },
  Slice: {
    vjp: (g, n, [gy]) => {
      if (gy === undefined) return [undefined];
      const xs = g.shape(n.inputs[0]),
        st = known(g, n.inputs[1]),
        en = known(g, n.inputs[2]),
        ax = known(g, n.inputs[3]);
      const pads = new Array(2 * xs.length).fill(0);
      ax.forEach((a, i) => {
        pads[a] = st[i];
        pads[a + xs.length] = xs[a] - en[i];
      });
      return [g.pad(gy, pads), undefined, undefined, undefined];
    },
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.slice(t, known(g, n.inputs[1]), known(g, n.inputs[2]), known(g, n.inputs[3]))],
  },
  Pad: {
    vjp: (g, n, [gy]) => {
      if (gy === undefined) return [undefined];
      const xs = g.shape(n.inputs[0]),
        p = known(g, n.inputs[1]);
      return [
        g.slice(
          gy,
          xs.map((_, i) => p[i]),
          xs.map((d, i) => p[i] + d),
          xs.map((_, i) => i),
        ),
        undefined,
        undefined,
      ];
    },
    // the pad value is a constant: the tangent is padded with zeros
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.pad(t, known(g, n.inputs[1]))],
  },
  // Gather(table, ids) picks rows: linear in the table; its adjoint adds the cotangent rows back (ScatterND add)
  Gather: {
    vjp: (g, n, [gy], need) => {
      if (gy === undefined || !need[0]) return [undefined, undefined];
      const [table, ids] = n.inputs;
      return [g.scatterNDAdd(g.zeros(g.shape(table)), g.reshape(ids, [...g.shape(ids), 1]), gy), undefined];
    },
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.gather(t, n.inputs[1])],
  },
  ScatterND: {
    jvp: (g, n, [td, , tu]) => {
      if (td === undefined && tu === undefined) return [undefined];
      return [g.scatterNDAdd(td ?? g.zeros(g.shape(n.inputs[0])), n.inputs[1], tu ?? g.zeros(g.shape(n.inputs[2])))];
    },
  },
  Expand: {
    vjp: (g, n, [gy]) => [gy === undefined ? undefined : g.unbroadcast(gy, g.shape(n.inputs[0])), undefined],
    jvp: (g, n, [t]) => [t === undefined ? undefined : g.expand(t, g.shape(n.outputs[0]))],
  },
};
export type { Maybe };
