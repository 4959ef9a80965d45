/**
 * Lowerings shared by the ONNX (NCHW) and Keras (NHWC) ops: pooling, inference-mode batch
 * normalisation (an affine map with the running statistics: (x − μ)·γ/√(σ² + ε) + β) and layer
 * normalisation ((x − mean)/√(var + ε)·γ + β over the trailing axes).
 */
import type { Graph } from '../ir';
import type { GraphNode } from '../../model/graph';
import type { FoldedOnnxOp, MinInputs, OnnxOp } from '../../model/onnxOps';

type Maybe = string | undefined;
/**
 * A node's inputs (names in the IR graph; an absent optional input is undefined) with its first `N` present: N is the
 * op's fewest inputs (the ONNX op table's `minInputs`; 1 for the Keras / TF.js layers), checked by compile.ts.
 */
export type Inputs<N extends number = 1> = N extends 5
  ? [string, string, string, string, string, ...Maybe[]]
  : N extends 2
    ? [string, string, ...Maybe[]]
    : [string, ...Maybe[]];
/** One op's lowering: its inputs, attributes and node → its outputs. */
export type Lower<N extends number = 1> = (g: Graph, ins: Inputs<N>, a: Record<string, unknown>, node: GraphNode) => string[];
/** The lowering of each computed ONNX op, typed by the op's fewest inputs (model/onnxOps.ts). */
export type OnnxLowerings = { [K in Exclude<OnnxOp, FoldedOnnxOp> as `onnx.${K}`]: Lower<MinInputs<K>> };
/** A lowering of any arity, looked up by op name (method syntax: compile.ts checks the node's required inputs first). */
export type AnyLower = { lower(g: Graph, ins: Inputs, a: Record<string, unknown>, node: GraphNode): string[] }['lower'];

/** Whether the first `n` inputs are present (at least one: every lowered op reads its first input). */
export function hasInputs(ins: Maybe[], n: number): ins is Inputs {
  for (let k = 0; k < Math.max(1, n); k++) if (ins[k] === undefined) return false;
  return true;
}

/** Max pooling on NCHW (pads never win, as ONNX defines them). */
export function maxPool(g: Graph, x: string, k: number[], s: number[], pads: number[]): string {
  return g.maxPool(x, k, s, pads)[0];
}

/**
 * Average pooling on NCHW as a single-channel convolution with a constant kernel 1/(kh·kw) over
 * [N·C, 1, H, W]; with padding and count_include_pad = 0 each output is divided by its count of real
 * cells instead (a constant map). Linear in x, so its derivative rules are the convolution's.
 * `extra` end padding (ceil_mode, model/poolShape.ts) is never counted: with count_include_pad the
 * divisor is the window's cells inside the input and its explicit pads, as PyTorch divides.
 */
export function avgPool(
  g: Graph,
  x: string,
  k: number[],
  s: number[],
  pads: number[],
  countIncludePad: boolean,
  extra: number[] = [0, 0],
): string {
  const [n, c, H, W] = g.shape(x);
  const padded = pads.some(p => p !== 0),
    over = extra.some(e => e > 0);
  const counted = (padded && !countIncludePad) || over;
  const kernel = g.constF(new Float32Array(k[0] * k[1]).fill(counted ? 1 : 1 / (k[0] * k[1])), [1, 1, k[0], k[1]]);
  const convPads = [pads[0], pads[1], pads[2] + extra[0], pads[3] + extra[1]];
  let y = g.conv(g.reshape(x, [n * c, 1, H, W]), kernel, { strides: s, pads: convPads, dilations: [1, 1], group: 1 });
  const [, , ho, wo] = g.shape(y);
  if (counted) {
    // the region whose cells count: the input, or the input and its explicit pads
    const [lo0, hi0, lo1, hi1] = countIncludePad ? [-pads[0], H + pads[2], -pads[1], W + pads[3]] : [0, H, 0, W];
    const counts = new Float32Array(ho * wo);
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const r0 = Math.max(lo0, i * s[0] - pads[0]),
          r1 = Math.min(hi0, i * s[0] - pads[0] + k[0]);
        const c0 = Math.max(lo1, j * s[1] - pads[1]),
          c1 = Math.min(hi1, j * s[1] - pads[1] + k[1]);
        counts[i * wo + j] = 1 / Math.max(1, (r1 - r0) * (c1 - c0));
      }
    y = g.mul(y, g.constF(counts, [1, 1, ho, wo]));
  }
  return g.reshape(y, [n, c, ho, wo]);
}

/** Inference-mode batch normalisation over channel axis `axis`. */
export function batchNormAffine(
  g: Graph,
  x: string,
  axis: number,
  eps: number,
  scale: string | undefined,
  bias: string | undefined,
  mean: string,
  variance: string,
): string {
  const r = g.rank(x),
    cs = new Array(r).fill(1);
  const C = g.shape(x)[axis];
  cs[axis] = C;
  const shaped = (t: string) => g.reshape(t, cs);
  let inv = g.div(g.scalar(1), g.unary('Sqrt', g.add(shaped(variance), g.scalar(eps))));
  if (scale) inv = g.mul(inv, shaped(scale));
  let y = g.mul(g.sub(x, shaped(mean)), inv);
  if (bias) y = g.add(y, shaped(bias));
  return y;
}

/** Layer normalisation over the axes [axis, rank). */
export function layerNorm(g: Graph, x: string, axis: number, eps: number, scale?: string, bias?: string): string {
  const r = g.rank(x),
    axes = Array.from({ length: r - axis }, (_, i) => axis + i);
  const d = g.sub(x, g.reduceMean(x, axes, true));
  let y = g.div(d, g.unary('Sqrt', g.add(g.reduceMean(g.mul(d, d), axes, true), g.scalar(eps))));
  if (scale) y = g.mul(y, scale);
  if (bias) y = g.add(y, bias);
  return y;
}
