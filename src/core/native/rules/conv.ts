/**
 * Convolution and max pooling (NCHW, 2-D), grouped convolutions included (one grouped op each, no
 * per-group loops). For y = conv(x, W) with strides s, dilations d, pads p and G groups
 * (W: [O, C/G, kh, kw]):
 *  ∂x = ConvTranspose(G, W; s, d, p, group G, output_padding so that ∂x has x's shape)
 *  ∂W[o,c,i,j] = Σ_n,p,q G[n,o,p,q]·x[n, g(o)·C/G + c, p·s+i·d, q·s+j·d], computed one of two ways:
 *   - im2col + GEMM (Chellapilla, Puri & Simard 2006): the kh·kw shifted (strided) windows of the
 *     padded x as one [G, C/G·kh·kw, N·ho·wo] matrix, times Gᵀ [G, N·ho·wo, O/G] — one large matrix
 *     product where the kernel is small and the feature map large (ResNet's 3×3 layers);
 *     for depthwise layers (C/G = O/G = 1) the product is an elementwise product summed over N·ho·wo;
 *   - batch-as-channel: one grouped convolution conv(x', Gᵀ; stride d, dilation s, pads p, group G)
 *     with x' = x as [C/G, G·N, H, W] (the batch axis becomes the reduction axis), cropped to the kernel.
 *  R-op: conv is bilinear, ẏ = conv(ẋ, W) + conv(x, Ẇ) with the same attributes; the same holds for
 *  ConvTranspose (its ∂W is the batch-as-channel convolution with the roles of x and G exchanged).
 * Max pooling routes by the window argmax (ONNX MaxPool's Indices output, or the same indices by ArgMax
 * where the windows do not overlap: ../poolIndices.ts; ties to the first maximum):
 *  ∂x = scatter-add of G at the indices, ẏ = gather of ẋ at the indices — both linear, so exact at every order.
 */
import type { Graph, PrimNode, ConvAttrs } from '../ir';
import { bilinear, zeroRule, type PrimRules } from './types';
import { argmaxIndices } from '../poolIndices';

const convAttrs = ({ attrs: a }: PrimNode<'Conv' | 'ConvTranspose'>): ConvAttrs => ({
  strides: a.strides,
  pads: a.pads,
  dilations: a.dilations,
  group: a.group,
});

/** How the filter gradient is formed (bench/zooCnn.ts measures the choices side by side). */
export const FILTER_GRAD: { strategy: 'auto' | 'im2col' | 'batchAsChannel' } = { strategy: 'auto' };

/** [N, C, H, W] → [C/G, G·N, H, W]: (batch n, channel g·C/G + c) ↦ (batch c, channel g·N + n). */
function batchAsChannel(g: Graph, t: string, G: number): string {
  const [n, c, h, w] = g.shape(t);
  if (G === 1) return g.transpose(t, [1, 0, 2, 3]);
  return g.reshape(g.transpose(g.reshape(t, [n, G, c / G, h, w]), [2, 1, 0, 3, 4]), [c / G, G * n, h, w]);
}

/** ∂W of conv(x, W) by one grouped convolution with the batch as the reduction axis: [O, C/G, kh, kw]. */
function filterGradBatchAsChannel(g: Graph, x: string, gy: string, a: ConvAttrs, kh: number, kw: number): string {
  const full = g.conv(batchAsChannel(g, x, a.group), g.transpose(gy, [1, 0, 2, 3]), {
    strides: a.dilations,
    dilations: a.strides,
    pads: a.pads,
    group: a.group,
  }); // [C/G, O, kh', kw']
  const [c, o] = g.shape(full);
  return g.transpose(g.slice(full, [0, 0, 0, 0], [c, o, kh, kw], [0, 1, 2, 3]), [1, 0, 2, 3]);
}

/**
 * The im2col matrix of x for the conv's windows: [C, kh·kw, N·ho·wo] (row c·kh·kw + i·kw + j holds
 * x_padded[n, c, p·s + i·d, q·s + j·d] at column (n, p, q)). Strided windows without strided slices:
 * a window of s·ho rows reshaped to [ho, s] keeps its first column.
 */
export function im2col(g: Graph, x: string, a: ConvAttrs, kh: number, kw: number, ho: number, wo: number): string {
  const [n, c] = g.shape(x);
  const [s0, s1] = a.strides,
    [d0, d1] = a.dilations;
  const xt = g.transpose(x, [1, 0, 2, 3]); // [C, N, H, W]
  const [, , H, W] = g.shape(xt);
  // pad the conv's pads, and at the end enough that every window of s·ho rows fits
  const endH = Math.max(0, (kh - 1) * d0 + s0 * ho - (H + a.pads[0])),
    endW = Math.max(0, (kw - 1) * d1 + s1 * wo - (W + a.pads[1]));
  const xp = g.pad(xt, [0, 0, a.pads[0], a.pads[1], 0, 0, endH, endW]);
  const cols: string[] = [];
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      let win = g.slice(xp, [i * d0, j * d1], [i * d0 + s0 * ho, j * d1 + s1 * wo], [2, 3]);
      if (s0 !== 1 || s1 !== 1) win = g.slice(g.reshape(win, [c, n, ho, s0, wo, s1]), [0, 0], [1, 1], [3, 5]);
      cols.push(g.reshape(win, [c, 1, n * ho * wo]));
    }
  return g.concat(cols, 1);
}

/** ∂W of conv(x, W) as im2col + matrix product (depthwise: elementwise product and sum): [O, C/G, kh, kw]. */
function filterGradIm2col(g: Graph, x: string, gy: string, a: ConvAttrs, kh: number, kw: number): string {
  const [n, o, ho, wo] = g.shape(gy),
    c = g.shape(x)[1],
    G = a.group,
    P = n * ho * wo,
    K = kh * kw;
  const col = im2col(g, x, a, kh, kw, ho, wo); // [C, K, P]
  if (G === 1) {
    const gt = g.reshape(g.transpose(gy, [0, 2, 3, 1]), [P, o]);
    return g.reshape(g.transpose(g.matmul(g.reshape(col, [c * K, P]), gt), [1, 0]), [o, c, kh, kw]);
  }
  // depthwise (one input channel per group): ∂W[g·m + k, 0, i, j] = Σ_P G[g·m + k, P] · col[g, ij, P]
  const m = o / G;
  const gt = g.reshape(g.transpose(gy, [1, 0, 2, 3]), [G, m, 1, P]);
  const prodT = g.mul(g.reshape(col, [G, 1, K, P]), gt); // [G, m, K, P]
  return g.reshape(g.reduceSum(prodT, [3], false), [o, 1, kh, kw]);
}

/** How the input gradient of a stride-1 convolution is formed (bench/zooCnn.ts measures both). */
export const INPUT_GRAD: { strategy: 'auto' | 'convTranspose' } = { strategy: 'auto' };

/**
 * ∂x of a stride-1 convolution as a convolution: conv(G, W̃; pads (k−1)·d − p, dilation d) with W̃ the
 * kernel flipped in both spatial axes and its in/out channels exchanged per group — the same sums as
 * ConvTranspose, on ONNX Runtime's faster Conv kernels. The flip is a product with the constant
 * reversal permutation of the kh·kw axis (exact: one 1 per column). Undefined when a pad is negative.
 */
function inputGradByConv(g: Graph, gy: string, w: string, a: ConvAttrs, outputPadding: number[]): string | undefined {
  const [o, cg, kh, kw] = g.shape(w),
    G = a.group,
    K = kh * kw;
  const [d0, d1] = a.dilations;
  const pads = [
    (kh - 1) * d0 - a.pads[0],
    (kw - 1) * d1 - a.pads[1],
    (kh - 1) * d0 - a.pads[2] + outputPadding[0],
    (kw - 1) * d1 - a.pads[3] + outputPadding[1],
  ];
  if (pads.some(p => p < 0)) return undefined;
  let wf = w;
  if (K > 1) {
    const rev = new Float32Array(K * K);
    for (let i = 0; i < K; i++) rev[i * K + (K - 1 - i)] = 1;
    wf = g.reshape(g.matmul(g.reshape(w, [o * cg, K]), g.constF(rev, [K, K])), [o, cg, kh, kw]);
  }
  // [O, C/G, kh, kw] → [C, O/G, kh, kw]: within each group, exchange the in and out channels
  const og = o / G;
  const wt =
    G === 1
      ? g.transpose(wf, [1, 0, 2, 3])
      : g.reshape(g.transpose(g.reshape(wf, [G, og, cg, kh, kw]), [0, 2, 1, 3, 4]), [G * cg, og, kh, kw]);
  return g.conv(gy, wt, { strides: [1, 1], pads, dilations: a.dilations, group: G });
}

function filterGrad(g: Graph, x: string, gy: string, a: ConvAttrs, kh: number, kw: number): string {
  const cg = g.shape(x)[1] / a.group;
  const depthwise = a.group > 1 && cg === 1;
  const im2colOk = a.group === 1 || depthwise;
  const s = FILTER_GRAD.strategy;
  const use = s === 'im2col' ? im2colOk : s === 'batchAsChannel' ? false : im2colOk && (depthwise || kh * kw > 1);
  return use ? filterGradIm2col(g, x, gy, a, kh, kw) : filterGradBatchAsChannel(g, x, gy, a, kh, kw);
}

export const CONV = {
  Conv: bilinear(
    (g, n, x, w) => g.conv(x, w, convAttrs(n)),
    // ∂x: a convolution (stride 1) or ConvTranspose with the output padding that gives x's shape back
    (g, n, gy) => {
      const [x, w] = n.inputs,
        a = convAttrs(n);
      const [, , H, W] = g.shape(x),
        [, , kh, kw] = g.shape(w),
        [, , ho, wo] = g.shape(gy);
      const outputPadding = [
        H - (a.strides[0] * (ho - 1) + (kh - 1) * a.dilations[0] + 1 - a.pads[0] - a.pads[2]),
        W - (a.strides[1] * (wo - 1) + (kw - 1) * a.dilations[1] + 1 - a.pads[1] - a.pads[3]),
      ];
      const byConv =
        INPUT_GRAD.strategy === 'auto' && a.strides.every(s => s === 1) ? inputGradByConv(g, gy, w, a, outputPadding) : undefined;
      return byConv ?? g.convTranspose(gy, w, { ...a, outputPadding });
    },
    (g, n, gy) => {
      const [x, w] = n.inputs;
      const [, , kh, kw] = g.shape(w);
      return filterGrad(g, x, gy, convAttrs(n), kh, kw);
    },
  ),
  // y = convT(x, W) is the adjoint of x ↦ conv(x, W): ∂x = conv(G, W); ∂W from the same
  // batch-as-channel convolution as Conv's ∂W with the roles of x and G exchanged.
  ConvTranspose: bilinear(
    (g, n, x, w) => g.convTranspose(x, w, { ...convAttrs(n), outputPadding: n.attrs.output_padding }),
    (g, n, gy) => g.conv(gy, n.inputs[1], convAttrs(n)),
    (g, n, gy) => {
      const [x, w] = n.inputs,
        a = convAttrs(n);
      const [, , kh, kw] = g.shape(w);
      const full = g.conv(batchAsChannel(g, gy, a.group), g.transpose(x, [1, 0, 2, 3]), {
        strides: a.dilations,
        dilations: a.strides,
        pads: a.pads,
        group: a.group,
      }); // [Cout/G, Cin, kh', kw']
      const [co, ci] = g.shape(full);
      return g.transpose(g.slice(full, [0, 0, 0, 0], [co, ci, kh, kw], [0, 1, 2, 3]), [1, 0, 2, 3]);
    },
  ),
  MaxPool: {
    vjp: (g, n, [gy]) => {
      if (gy === undefined) return [undefined];
      const x = n.inputs[0],
        { idx, perMap } = argmaxIndices(g, n),
        xs = g.shape(x);
      if (perMap) {
        // positions within each map: scatter along the pixel axis of x as [N·C, H·W]
        const [N, C, H, W] = xs;
        const gy2 = g.reshape(gy, g.shape(idx));
        return [g.reshape(g.scatterAdd(g.zeros([N * C, H * W]), idx, gy2, 1), xs)];
      }
      const total = xs.reduce((p, q) => p * q, 1);
      const flat = g.scatterAdd(g.zeros([total]), g.reshape(idx, [-1]), g.reshape(gy, [-1]), 0);
      return [g.reshape(flat, xs)];
    },
    jvp: (g, n, [t]) => {
      if (t === undefined) return [undefined, undefined];
      const { idx, perMap } = argmaxIndices(g, n);
      const ys = g.shape(n.outputs[0]);
      if (perMap) {
        const [N, C, H, W] = g.shape(t);
        return [g.reshape(g.gatherElements(g.reshape(t, [N * C, H * W]), idx, 1), ys), undefined];
      }
      return [g.reshape(g.gatherElements(g.reshape(t, [-1]), g.reshape(idx, [-1]), 0), ys), undefined];
    },
  },
  // the window argmax (poolIndices.ts): piecewise constant, no derivative
  ArgMax: zeroRule,
  // the adjoints of max pooling: tangent-only (derivative graphs hold them, the HVP differentiates them forwards)
  GatherElements: { jvp: (g, n, [t]) => [t === undefined ? undefined : g.gatherElements(t, n.inputs[1], n.attrs.axis)] },
  ScatterElements: {
    // linear in (data, updates) for reduction 'add'
    jvp: (g, n, [td, , tu]) => {
      if (td === undefined && tu === undefined) return [undefined];
      return [g.scatterAdd(td ?? g.zeros(g.shape(n.inputs[0])), n.inputs[1], tu ?? g.zeros(g.shape(n.inputs[2])), n.attrs.axis)];
    },
  },
} satisfies Partial<PrimRules>;
