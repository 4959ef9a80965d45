/**
 * Convolution and max pooling (NCHW, 2-D). For y = conv(x, W) with strides s, dilations d, pads p:
 *  ∂x = ConvTranspose(G, W; s, d, p, output_padding so that ∂x has x's shape)
 *  ∂W = conv(xᵀ, Gᵀ; stride d, dilation s, pads p) cropped to the kernel, transposed back
 *       (the batch axis becomes the reduction axis: ∂W[o,c,i,j] = Σ_n,p,q G[n,o,p,q]·x[n,c,p·s+i·d,q·s+j·d])
 *  R-op: conv is bilinear, ẏ = conv(ẋ, W) + conv(x, Ẇ); the same holds for ConvTranspose.
 * Max pooling routes by the window argmax (ONNX MaxPool's Indices output, ties to the first maximum):
 *  ∂x = scatter-add of G at the indices, ẏ = gather of ẋ at the indices — both linear, so exact at every order.
 * Grouped convolutions (group > 1) are not compiled: the model falls back to TF.js with the op named.
 */
import type { INode, ConvAttrs } from '../ir';
import { CompileError } from '../ir';
import { Rule, addMaybe } from './types';

const convAttrs = (n: INode): ConvAttrs => {
  const a = n.attrs as Record<string, number[] | number>;
  return { strides: a.strides as number[], pads: a.pads as number[], dilations: a.dilations as number[], group: Number(a.group ?? 1) };
};

export const CONV: Record<string, Rule> = {
  Conv: {
    vjp: (g, n, [gy], need) => {
      const [x, w] = n.inputs;
      if (gy === undefined) return [undefined, undefined];
      const a = convAttrs(n);
      if (a.group !== 1) throw new CompileError('grouped convolution (group > 1) has no compiled gradient', 'Conv');
      const [, , H, W] = g.shape(x),
        [, , kh, kw] = g.shape(w),
        [, , ho, wo] = g.shape(gy);
      let gx: string | undefined, gw: string | undefined;
      if (need[0]) {
        const outputPadding = [
          H - (a.strides[0] * (ho - 1) + (kh - 1) * a.dilations[0] + 1 - a.pads[0] - a.pads[2]),
          W - (a.strides[1] * (wo - 1) + (kw - 1) * a.dilations[1] + 1 - a.pads[1] - a.pads[3]),
        ];
        gx = g.convTranspose(gy, w, { ...a, outputPadding });
      }
      if (need[1]) {
        const xt = g.transpose(x, [1, 0, 2, 3]),
          gt = g.transpose(gy, [1, 0, 2, 3]);
        const full = g.conv(xt, gt, { strides: a.dilations, dilations: a.strides, pads: a.pads, group: 1 }); // [C, O, kh', kw']
        const [c, o] = g.shape(full);
        gw = g.transpose(g.slice(full, [0, 0, 0, 0], [c, o, kh, kw], [0, 1, 2, 3]), [1, 0, 2, 3]);
      }
      return [gx, gw];
    },
    jvp: (g, n, [tx, tw]) => {
      const [x, w] = n.inputs,
        a = convAttrs(n);
      return [addMaybe(g, tx === undefined ? undefined : g.conv(tx, w, a), tw === undefined ? undefined : g.conv(x, tw, a))];
    },
  },
  ConvTranspose: {
    // y = convT(x, W) is the adjoint of x ↦ conv(x, W): ∂x = conv(G, W); ∂W from the same
    // batch-contracted convolution as Conv's ∂W with the roles of x and G exchanged.
    vjp: (g, n, [gy], need) => {
      const [x, w] = n.inputs;
      if (gy === undefined) return [undefined, undefined];
      const a = convAttrs(n);
      if (a.group !== 1) throw new CompileError('grouped transposed convolution has no compiled gradient', 'ConvTranspose');
      const [, , kh, kw] = g.shape(w);
      const gx = need[0] ? g.conv(gy, w, a) : undefined;
      let gw: string | undefined;
      if (need[1]) {
        const full = g.conv(g.transpose(gy, [1, 0, 2, 3]), g.transpose(x, [1, 0, 2, 3]), {
          strides: a.dilations,
          dilations: a.strides,
          pads: a.pads,
          group: 1,
        }); // [Cout, Cin, kh', kw']
        const [co, ci] = g.shape(full);
        gw = g.transpose(g.slice(full, [0, 0, 0, 0], [co, ci, kh, kw], [0, 1, 2, 3]), [1, 0, 2, 3]);
      }
      return [gx, gw];
    },
    jvp: (g, n, [tx, tw]) => {
      const [x, w] = n.inputs;
      const a = { ...convAttrs(n), outputPadding: (n.attrs.output_padding as number[]) ?? [0, 0] };
      return [
        addMaybe(g, tx === undefined ? undefined : g.convTranspose(tx, w, a), tw === undefined ? undefined : g.convTranspose(x, tw, a)),
      ];
    },
  },
  MaxPool: {
    vjp: (g, n, [gy]) => {
      if (gy === undefined) return [undefined];
      const x = n.inputs[0],
        idx = n.outputs[1],
        xs = g.shape(x);
      const total = xs.reduce((p, q) => p * q, 1);
      const flat = g.scatterAdd(g.zeros([total]), g.reshape(idx, [-1]), g.reshape(gy, [-1]), 0);
      return [g.reshape(flat, xs)];
    },
    jvp: (g, n, [t]) => {
      if (t === undefined) return [undefined, undefined];
      const idx = n.outputs[1];
      return [g.reshape(g.gatherElements(g.reshape(t, [-1]), g.reshape(idx, [-1]), 0), g.shape(idx)), undefined];
    },
  },
  GatherElements: { jvp: (g, n, [t]) => [t === undefined ? undefined : g.gatherElements(t, n.inputs[1], Number(n.attrs.axis ?? 0))] },
  ScatterElements: {
    // linear in (data, updates) for reduction 'add'
    jvp: (g, n, [td, , tu]) => {
      if (td === undefined && tu === undefined) return [undefined];
      return [
        g.scatterAdd(td ?? g.zeros(g.shape(n.inputs[0])), n.inputs[1], tu ?? g.zeros(g.shape(n.inputs[2])), Number(n.attrs.axis ?? 0)),
      ];
    },
  },
};
