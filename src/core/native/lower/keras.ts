/**
 * The internal Keras / TF.js ops (src/core/model/ops/{basic,dense,keras,special}.ts) lowered to
 * native IR. Layouts are handled here, not by copying data: channels-last tensors are transposed
 * to NCHW around each convolution or pooling (HWIO kernels to OIHW), and ONNX Runtime's layout
 * optimiser cancels the transposes between consecutive layers.
 */
import type { Graph } from '../ir';
import { CompileError, prod } from '../ir';
import type { GraphNode } from '../../model/graph';
import { activation } from './activations';
import { avgPool, batchNormAffine, layerNorm, maxPool } from './common';
import { groupedConv, type Lower } from './onnx';

const act = (g: Graph, a: Record<string, unknown>, y: string, node: GraphNode): string =>
  activation(g, String(a.activation ?? 'linear'), y, node.name);
const fail = (node: GraphNode, what: string): never => {
  throw new CompileError(`layer '${node.name}' (${node.op}): ${what}`, node.op, node.name);
};

/** TF/Keras 'same' padding for size n, kernel k, stride s: [before, after]. */
function samePads(n: number, k: number, s: number): [number, number] {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}
const toNCHW = (g: Graph, x: string) => g.transpose(x, [0, 3, 1, 2]);
const toNHWC = (g: Graph, x: string) => g.transpose(x, [0, 2, 3, 1]);

function kerasConv(
  g: Graph,
  x: string,
  k: string,
  b: string | undefined,
  a: Record<string, unknown>,
  node: GraphNode,
  depthwise = false,
): string {
  const strides = (a.strides as number[] | undefined) ?? [1, 1],
    dil = (a.dilation as number[] | undefined) ?? [1, 1];
  const [, H, W] = g.shape(x),
    [kh, kw] = g.shape(k);
  let pads = [0, 0, 0, 0];
  if (String(a.padding) === 'same') {
    const [t, bo] = samePads(H, (kh - 1) * dil[0] + 1, strides[0]),
      [l, r] = samePads(W, (kw - 1) * dil[1] + 1, strides[1]);
    pads = [t, l, bo, r];
  } else if (String(a.padding ?? 'valid') !== 'valid') fail(node, `padding '${a.padding}'`);
  const conv = { strides, pads, dilations: dil, group: 1 };
  let y: string;
  if (!depthwise) y = g.conv(toNCHW(g, x), g.transpose(k, [3, 2, 0, 1]), conv);
  else {
    // depthwise kernel [kh, kw, C, mult] → OIHW [C·mult, 1, kh, kw]: output channel c·mult + j, as TF orders them
    const [, , C, mult] = g.shape(k);
    const w = g.reshape(g.transpose(k, [2, 3, 0, 1]), [C * mult, 1, kh, kw]);
    y = groupedConv(g, toNCHW(g, x), w, conv, C);
  }
  if (b) y = g.add(y, g.reshape(b, [1, g.shape(b)[0], 1, 1]));
  return toNHWC(g, y);
}

export const KERAS_LOWER: Record<string, Lower> = {
  identity: (_g, [x]) => [x],
  flatten: (g, [x]) => [g.reshape(x, [g.shape(x)[0], -1])],
  activation: (g, [x], a, node) => [act(g, a, x, node)],
  dense: (g, [x, w, b], a, node) => {
    const s = g.shape(x),
      [inDim, outDim] = g.shape(w!);
    const x2 = s.length === 2 ? x : g.reshape(x, [-1, inDim]);
    let y = g.matmul(x2, w!);
    if (b) y = g.add(y, b);
    if (s.length !== 2) y = g.reshape(y, [...s.slice(0, -1), outDim]);
    return [act(g, a, y, node)];
  },
  specialNeurons: (g, [x, f, w, b, a]) => {
    const flat = g.reshape(x, [g.shape(x)[0], -1]);
    const e = g.unary('Exp', g.add(g.matmul(flat, w!), b!));
    const fs = g.shape(f!);
    const y = g.add(g.reshape(f!, [fs[0], -1]), g.mul(a!, e));
    return [g.reshape(y, fs)];
  },
  merge: (g, xs, a) => {
    const mode = String(a.mode);
    let y = xs[0]!;
    for (let i = 1; i < xs.length; i++)
      y = mode === 'subtract' ? g.sub(y, xs[i]!) : mode === 'multiply' ? g.mul(y, xs[i]!) : g.add(y, xs[i]!);
    return [mode === 'average' ? g.scale(y, 1 / xs.length) : y];
  },
  concat: (g, xs, a) => {
    const ax = Number(a.axis);
    return [g.concat(xs as string[], ax < 0 ? ax + g.rank(xs[0]!) : ax)];
  },
  batchnorm: (g, [x, gamma, beta, mean, variance], a, node) => {
    const r = g.rank(x),
      axis = a.axis === undefined ? -1 : Number(a.axis);
    if (axis !== -1 && axis !== r - 1) fail(node, `normalisation over axis ${axis}`);
    return [batchNormAffine(g, x, r - 1, Number(a.epsilon), gamma, beta, mean!, variance!)];
  },
  layernorm: (g, [x, gamma, beta], a, node) => {
    const r = g.rank(x),
      axis = a.axis === undefined ? -1 : Number(a.axis);
    if (axis !== -1 && axis !== r - 1) fail(node, `normalisation over axis ${axis}`);
    return [layerNorm(g, x, r - 1, Number(a.epsilon), gamma, beta)];
  },
  conv2d: (g, [x, k, b], a, node) => [act(g, a, kerasConv(g, x, k!, b, a, node), node)],
  depthwiseconv2d: (g, [x, k, b], a, node) => [act(g, a, kerasConv(g, x, k!, b, a, node, true), node)],
  separableconv2d: (g, [x, dk, pk, b], a, node) => {
    const d = kerasConv(g, x, dk!, undefined, a, node, true);
    let y = g.transpose(
      g.conv(toNCHW(g, d), g.transpose(pk!, [3, 2, 0, 1]), { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }),
      [0, 2, 3, 1],
    );
    if (b) y = g.add(y, b);
    return [act(g, a, y, node)];
  },
  conv1d: (g, [x, k, b], a, node) => {
    const [n, L, c] = g.shape(x),
      ks = g.shape(k!);
    const a2 = {
      ...a,
      strides: [1, ((a.strides as number[] | undefined) ?? [1])[0]],
      dilation: [1, ((a.dilation as number[] | undefined) ?? [1])[0]],
    };
    const y = kerasConv(g, g.reshape(x, [n, 1, L, c]), g.reshape(k!, [1, ...ks]), b, a2, node);
    const ys = g.shape(y);
    return [act(g, a, g.reshape(y, [ys[0], ys[2], ys[3]]), node)];
  },
  pool2d: (g, [x], a, _node) => {
    const pool = a.pool as number[],
      st = (a.strides as number[] | undefined) ?? pool;
    const [, H, W] = g.shape(x);
    let pads = [0, 0, 0, 0];
    if (a.padding === 'same') {
      const [t, b] = samePads(H, pool[0], st[0]),
        [l, r] = samePads(W, pool[1], st[1]);
      pads = [t, l, b, r];
    }
    const xc = toNCHW(g, x);
    const y = a.kind === 'max' ? maxPool(g, xc, pool, st, pads) : avgPool(g, xc, pool, st, pads, false);
    return [toNHWC(g, y)];
  },
  pool1d: (g, [x], a) => {
    const k = Number(a.pool),
      [n, L, c] = g.shape(x);
    const xc = g.transpose(g.reshape(x, [n, 1, L, c]), [0, 3, 1, 2]);
    const y = a.kind === 'max' ? maxPool(g, xc, [1, k], [1, k], [0, 0, 0, 0]) : avgPool(g, xc, [1, k], [1, k], [0, 0, 0, 0], false);
    const ys = g.shape(y);
    return [g.reshape(g.transpose(y, [0, 2, 3, 1]), [n, ys[3], c])];
  },
  globalpool2d: (g, [x], a) => {
    const [n, h, w, c] = g.shape(x);
    const y = a.kind === 'max' ? g.reshape(maxPool(g, toNCHW(g, x), [h, w], [h, w], [0, 0, 0, 0]), [n, c]) : g.reduceMean(x, [1, 2], false);
    return [a.keepdims ? g.reshape(y, [n, 1, 1, c]) : y];
  },
  globalpool1d: (g, [x], a) => {
    const [n, L, c] = g.shape(x);
    const y =
      a.kind === 'max'
        ? g.reshape(maxPool(g, g.reshape(g.transpose(x, [0, 2, 1]), [n, c, 1, L]), [1, L], [1, L], [0, 0, 0, 0]), [n, c])
        : g.reduceMean(x, [1], false);
    return [a.keepdims ? g.reshape(y, [n, 1, c]) : y];
  },
  upsample2d: (g, [x], a) => {
    const [sh, sw] = a.size as number[],
      [n, h, w, c] = g.shape(x);
    const t = g.expand(g.reshape(x, [n, h, 1, w, 1, c]), [n, h, sh, w, sw, c]);
    return [g.reshape(t, [n, h * sh, w * sw, c])];
  },
  reshape: (g, [x], a) => [g.reshape(x, [g.shape(x)[0], ...(a.shape as number[])])],
  zeropad2d: (g, [x], a) => {
    const p = a.pads as number[][];
    return [g.pad(x, [0, p[0][0], p[1][0], 0, 0, p[0][1], p[1][1], 0])];
  },
  embedding: (g, [ids, E]) => [g.gather(E!, g.dtype(ids) === 'int64' ? ids : g.toInt64(ids))],
  permute: (g, [x], a) => [g.transpose(x, [0, ...(a.dims as number[])])],
};
export { prod };
