/**
 * The internal `onnx.*` ops (src/core/model/ops/onnx.ts) lowered to native IR, NCHW as exported.
 * Integer shape arithmetic (Shape → Gather → Concat → Reshape chains of PyTorch exports) is folded
 * at compile time: every shape is static once the chunk size is fixed. Ops or attributes without a
 * compiled rule throw CompileError naming the op, so `auto` falls back to TF.js.
 */
import type { Graph } from '../ir';
import { CompileError, prod } from '../ir';
import type { GraphNode } from '../../model/graph';
import { activation, clip, elu, gelu, geluTanh, leaky, logSoftmax, softmax } from './activations';
import { avgPool, batchNormAffine, layerNorm, maxPool } from './common';
import { ONNX_ACTIVATION_LOWER } from './activationsOnnx';
import { ceilModeExtra } from '../../model/poolShape';

import type { Lower, OnnxLowerings } from './common';
export type { Lower };

export const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
export const ints = (a: Record<string, unknown>, k: string): number[] | undefined =>
  Array.isArray(a[k]) ? (a[k] as number[]).map(Number) : undefined;
export const fail = (node: GraphNode, what: string): never => {
  throw new CompileError(`ONNX op '${node.op.slice(5)}' (node '${node.name}'): ${what}`, node.op, node.name);
};
/** The compile-time value of an integer (or small float) input. */
export function val(g: Graph, t: string | undefined, node: GraphNode, what: string): number[] {
  const v = t === undefined ? undefined : g.value(t);
  if (!v) fail(node, `${what} is not a compile-time constant`);
  return v!;
}
/** An integer tensor whose value is known at compile time (shape arithmetic); token ids fed as data are not. */
export const isInt = (g: Graph, t: string | undefined): boolean => t !== undefined && g.dtype(t) === 'int64' && g.value(t) !== undefined;

/** Elementwise binary op, folded when both inputs are known integers. */
function binary(op: 'add' | 'sub' | 'mul' | 'div', f: (a: number, b: number) => number): Lower<2> {
  return (g, [a, b], _a, node) => {
    if (isInt(g, a) || isInt(g, b)) {
      const va = val(g, a, node, 'integer input'),
        vb = val(g, b, node, 'integer input');
      const n = Math.max(va.length, vb.length);
      return [
        g.constI(
          Array.from({ length: n }, (_, i) => Math.trunc(f(va[va.length === 1 ? 0 : i], vb[vb.length === 1 ? 0 : i]))),
          g.shape(va.length >= vb.length ? a : b),
        ),
      ];
    }
    return [g[op](a, b)];
  };
}
const unary =
  (op: Parameters<Graph['unary']>[0]): Lower =>
  (g, [x]) => [g.unary(op, x)];

export function convPads(
  a: Record<string, unknown>,
  k: number[],
  dil: number[],
  node: GraphNode,
  inShape: number[],
  strides: number[],
): number[] {
  const autoPad = String(a.auto_pad ?? 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const pads = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const eff = (k[i] - 1) * dil[i] + 1,
        out = Math.ceil(inShape[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + eff - inShape[i]);
      const small = Math.floor(total / 2),
        big = total - small;
      pads[i] = autoPad === 'SAME_UPPER' ? small : big;
      pads[i + 2] = autoPad === 'SAME_UPPER' ? big : small;
    }
    return pads;
  }
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad !== 'NOTSET') fail(node, `auto_pad ${autoPad}`);
  return ints(a, 'pads') ?? [0, 0, 0, 0];
}

function conv2d(g: Graph, x: string, w: string, b: string | undefined, a: Record<string, unknown>, node: GraphNode): string {
  const ws = g.shape(w),
    xs = g.shape(x);
  const strides = ints(a, 'strides') ?? [1, 1],
    dil = ints(a, 'dilations') ?? [1, 1],
    group = Number(a.group ?? 1);
  const pads = convPads(a, [ws[2], ws[3]], dil, node, [xs[2], xs[3]], strides);
  if (xs[1] % group !== 0 || ws[0] % group !== 0 || xs[1] / group !== ws[1])
    fail(node, `group ${group} does not divide ${xs[1]} input channels into kernels of ${ws[1]}`);
  let y = groupedConv(g, x, w, { strides, pads, dilations: dil, group: 1 }, group);
  if (b) y = g.add(y, g.reshape(b, [1, ws[0], 1, 1]));
  return y;
}

/**
 * A grouped convolution (group G: input channels in G groups of C/G, each with its own O/G kernels)
 * as one ONNX Conv with `group` — forward, input gradient (grouped ConvTranspose) and filter
 * gradient are single grouped ops (rules/conv.ts); depthwise is G = C.
 */
export function groupedConv(
  g: Graph,
  x: string,
  w: string,
  a: { strides: number[]; pads: number[]; dilations: number[]; group: number },
  group: number,
): string {
  return g.conv(x, w, { ...a, group });
}

export const ONNX_LOWER = {
  ...ONNX_ACTIVATION_LOWER,
  'onnx.Gemm': (g, [A, B, C], a) => {
    const x = Number(a.transA ?? 0) ? g.transpose(A, [1, 0]) : A;
    const w = Number(a.transB ?? 0) ? g.transpose(B, [1, 0]) : B;
    let y = g.scale(g.matmul(x, w), Number(a.alpha ?? 1));
    if (C) y = g.add(y, g.scale(C, Number(a.beta ?? 1)));
    return [y];
  },
  'onnx.MatMul': (g, [A, B], _a, node) => {
    const sa = g.shape(A),
      sb = g.shape(B);
    if (sa.length === 2 && sb.length === 2) return [g.matmul(A, B)];
    if (sb.length === 2) return [g.reshape(g.matmul(g.reshape(A, [-1, sa[sa.length - 1]]), B), [...sa.slice(0, -1), sb[1]])];
    // two activations (attention's Q·Kᵀ and A·V): batched over equal leading axes, broadcast ones expanded
    if (sa.length >= 3 && sa.length === sb.length) {
      const lead = sa.slice(0, -2).map((d, i) => Math.max(d, sb[i]));
      return [g.matmul(g.expand(A, [...lead, ...sa.slice(-2)]), g.expand(B, [...lead, ...sb.slice(-2)]))];
    }
    return fail(node, `batched MatMul of [${sa}] and [${sb}]`);
  },
  'onnx.Add': binary('add', (p, q) => p + q),
  'onnx.Sub': binary('sub', (p, q) => p - q),
  'onnx.Mul': binary('mul', (p, q) => p * q),
  'onnx.Div': binary('div', (p, q) => p / q),
  'onnx.Pow': (g, [x, y], _a, node) => {
    const e = val(g, y, node, 'the exponent');
    if (e.length !== 1) fail(node, 'a non-scalar exponent');
    return [e[0] === 1 ? x : e[0] === 2 ? g.mul(x, x) : g.powc(x, e[0])];
  },
  'onnx.Neg': unary('Neg'),
  'onnx.Sqrt': unary('Sqrt'),
  'onnx.Exp': unary('Exp'),
  'onnx.Log': unary('Log'),
  'onnx.Abs': unary('Abs'),
  'onnx.Erf': unary('Erf'),
  'onnx.Relu': unary('Relu'),
  'onnx.Sigmoid': unary('Sigmoid'),
  'onnx.Tanh': unary('Tanh'),
  'onnx.Softplus': unary('Softplus'),
  'onnx.LeakyRelu': (g, [x], a) => [leaky(g, x, Number(a.alpha ?? 0.01))],
  'onnx.Elu': (g, [x], a) => [elu(g, x, Number(a.alpha ?? 1))],
  'onnx.Selu': (g, [x], a) => [g.scale(elu(g, x, Number(a.alpha ?? 1.6732632423543772)), Number(a.gamma ?? 1.0507009873554805))],
  'onnx.Softmax': (g, [x], a, node) => {
    const r = g.rank(x),
      axis = norm(Number(a.axis ?? (Number(a.opset) >= 13 ? -1 : 1)), r);
    if (axis !== r - 1) fail(node, `softmax over axis ${axis} of a rank-${r} tensor (only the last axis)`);
    return [softmax(g, x)];
  },
  'onnx.LogSoftmax': (g, [x], a, node) => {
    const r = g.rank(x),
      axis = norm(Number(a.axis ?? (Number(a.opset) >= 13 ? -1 : 1)), r);
    if (axis !== r - 1) fail(node, `log-softmax over axis ${axis} (only the last axis)`);
    return [logSoftmax(g, x)];
  },
  'onnx.Gelu': (g, [x], a) => [String(a.approximate ?? 'none') === 'tanh' ? geluTanh(g, x) : gelu(g, x)],
  'onnx.Conv': (g, [x, w, b], a, node) => {
    const r = g.rank(x);
    if (r === 3) {
      const [n, c, L] = g.shape(x),
        ws = g.shape(w);
      const a2 = {
        ...a,
        kernel_shape: [1, ws[2]],
        strides: [1, ...(ints(a, 'strides') ?? [1])],
        dilations: [1, ...(ints(a, 'dilations') ?? [1])],
        pads: ints(a, 'pads') ? [0, ints(a, 'pads')![0], 0, ints(a, 'pads')![1]] : undefined,
      };
      const y = conv2d(g, g.reshape(x, [n, c, 1, L]), g.reshape(w, [ws[0], ws[1], 1, ws[2]]), b, a2, node);
      const ys = g.shape(y);
      return [g.reshape(y, [ys[0], ys[1], ys[3]])];
    }
    if (r !== 4) fail(node, `rank-${r} input (1-D and 2-D convolutions only)`);
    return [conv2d(g, x, w, b, a, node)];
  },
  'onnx.ConvTranspose': (g, [x, w, b], a, node) => {
    if (g.rank(x) !== 4) fail(node, 'only 2-D transposed convolutions');
    const group = Number(a.group ?? 1);
    if (g.shape(x)[1] % group !== 0 || g.shape(x)[1] !== g.shape(w)[0]) fail(node, `group ${group} with ${g.shape(x)[1]} input channels`);
    if (a.output_shape) fail(node, 'output_shape (give pads and output_padding instead)');
    if (String(a.auto_pad ?? 'NOTSET') !== 'NOTSET') fail(node, `auto_pad ${a.auto_pad}`);
    const ws = g.shape(w);
    let y = g.convTranspose(x, w, {
      strides: ints(a, 'strides') ?? [1, 1],
      pads: ints(a, 'pads') ?? [0, 0, 0, 0],
      dilations: ints(a, 'dilations') ?? [1, 1],
      group,
      outputPadding: ints(a, 'output_padding') ?? [0, 0],
    });
    if (b) y = g.add(y, g.reshape(b, [1, ws[1] * group, 1, 1]));
    return [y];
  },
  'onnx.LayerNormalization': (g, [x, scale, B], a) => [
    layerNorm(g, x, norm(Number(a.axis ?? -1), g.rank(x)), Number(a.epsilon ?? 1e-5), scale, B),
  ],
  'onnx.BatchNormalization': (g, [x, scale, B, mean, variance], a) => [
    batchNormAffine(g, x, 1, Number(a.epsilon ?? 1e-5), scale, B, mean, variance),
  ],
  'onnx.Shape': (g, [x], a) => {
    const s = g.shape(x),
      r = s.length;
    const start = a.start !== undefined ? norm(Number(a.start), r) : 0,
      end = a.end !== undefined ? norm(Number(a.end), r) : r;
    return [g.constI(s.slice(start, end))];
  },
  'onnx.Gather': (g, [data, idx], a, node) => {
    if (!isInt(g, data) && g.value(idx) === undefined) {
      // rows of a float table by ids that are data (an embedding lookup; ids fed as float32 are exact below 2^24)
      if (norm(Number(a.axis ?? 0), g.rank(data)) !== 0) fail(node, 'Gather of data-dependent indices along an axis other than 0');
      return [g.gather(data, g.dtype(idx) === 'int64' ? idx : g.toInt64(idx))];
    }
    if (!isInt(g, data)) {
      // float data, constant indices: slices along the axis, concatenated (linear: Slice/Concat rules)
      const s = g.shape(data),
        axis = norm(Number(a.axis ?? 0), s.length),
        ids = val(g, idx, node, 'indices');
      if (ids.length > 64) fail(node, `Gather of ${ids.length} indices on float data (at most 64 are compiled)`);
      const parts = ids.map(k => {
        const j = k < 0 ? k + s[axis] : k;
        return g.slice(data, [j], [j + 1], [axis]);
      });
      const cat = g.concat(parts, axis),
        is = g.shape(idx);
      return [g.reshape(cat, [...s.slice(0, axis), ...is, ...s.slice(axis + 1)])];
    }
    const d = val(g, data, node, 'data'),
      i = val(g, idx, node, 'indices');
    const out = i.map(k => d[k < 0 ? k + d.length : k]);
    return [g.constI(out, g.shape(idx).length === 0 ? [] : [out.length])];
  },
  'onnx.Slice': (g, [x, st, en, ax, sp], a, node) => {
    const s = g.shape(x);
    const starts = st ? val(g, st, node, 'starts') : ints(a, 'starts')!,
      ends = en ? val(g, en, node, 'ends') : ints(a, 'ends')!;
    const axes = (ax ? val(g, ax, node, 'axes') : (ints(a, 'axes') ?? starts.map((_, i) => i))).map(v => norm(v, s.length));
    const steps = sp ? val(g, sp, node, 'steps') : starts.map(() => 1);
    if (steps.some(v => v !== 1)) fail(node, `steps ${steps.join(',')} (step 1 only)`);
    const clamp = (v: number, dim: number) => Math.max(0, Math.min(dim, v < 0 ? v + dim : v));
    const b0 = axes.map((axn, i) => clamp(starts[i], s[axn])),
      e0 = axes.map((axn, i) => Math.max(b0[i], clamp(ends[i], s[axn])));
    if (isInt(g, x)) {
      const v = val(g, x, node, 'data');
      return [g.constI(v.slice(b0[0], e0[0]))];
    }
    return [g.slice(x, b0, e0, axes)];
  },
  'onnx.MaxPool': (g, [x], a, node) => {
    if (g.rank(x) !== 4) fail(node, 'only 2-D max pooling');
    if ((ints(a, 'dilations') ?? [1, 1]).some(d => d !== 1)) fail(node, 'dilations');
    const k = ints(a, 'kernel_shape')!,
      s = ints(a, 'strides') ?? [1, 1];
    const pads = convPads(a, k, [1, 1], node, g.shape(x).slice(2), s);
    const e = Number(a.ceil_mode ?? 0) !== 0 ? ceilModeExtra(g.shape(x).slice(2), k, s, pads) : [0, 0];
    return [maxPool(g, x, k, s, [pads[0], pads[1], pads[2] + e[0], pads[3] + e[1]])];
  },
  'onnx.AveragePool': (g, [x], a, node) => {
    if (g.rank(x) !== 4) fail(node, 'only 2-D average pooling');
    const k = ints(a, 'kernel_shape')!,
      s = ints(a, 'strides') ?? [1, 1];
    const pads = convPads(a, k, [1, 1], node, g.shape(x).slice(2), s);
    const e = Number(a.ceil_mode ?? 0) !== 0 ? ceilModeExtra(g.shape(x).slice(2), k, s, pads) : [0, 0];
    return [avgPool(g, x, k, s, pads, Number(a.count_include_pad ?? 0) === 1, e)];
  },
  'onnx.GlobalAveragePool': (g, [x]) => [
    g.reduceMean(
      x,
      Array.from({ length: g.rank(x) - 2 }, (_, i) => i + 2),
      true,
    ),
  ],
  'onnx.Flatten': (g, [x], a) => {
    const s = g.shape(x),
      ax = norm(Number(a.axis ?? 1), s.length);
    return [g.reshape(x, [prod(s.slice(0, ax)), prod(s.slice(ax))])];
  },
  'onnx.Reshape': (g, [x, sh], a, node) => {
    const s = g.shape(x);
    const shape = val(g, sh, node, 'the target shape').map((d, i) => (d === 0 && !Number(a.allowzero ?? 0) ? s[i] : d));
    if (isInt(g, x)) return [g.constI(val(g, x, node, 'data'), shape)];
    return [g.reshape(x, shape)];
  },
  'onnx.Transpose': (g, [x], a) => [g.transpose(x, ints(a, 'perm') ?? g.shape(x).map((_, i, s) => s.length - 1 - i))],
  'onnx.Squeeze': (g, [x, ax], a, node) => {
    const s = g.shape(x);
    const axes = (ax ? val(g, ax, node, 'axes') : ints(a, 'axes'))?.map(v => norm(v, s.length));
    const out = s.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
    if (isInt(g, x)) return [g.constI(val(g, x, node, 'data'), out)];
    return [g.reshape(x, out)];
  },
  'onnx.Unsqueeze': (g, [x, ax], a, node) => {
    const s = g.shape(x);
    const raw = ax ? val(g, ax, node, 'axes') : ints(a, 'axes')!;
    const r = s.length + raw.length,
      axes = raw.map(v => norm(v, r));
    const out: number[] = [];
    let k = 0;
    for (let i = 0; i < r; i++) out.push(axes.includes(i) ? 1 : s[k++]);
    if (isInt(g, x)) return [g.constI(val(g, x, node, 'data'), out)];
    return [g.reshape(x, out)];
  },
  'onnx.Concat': (g, xs, a, node) => {
    if (xs.some(x => isInt(g, x))) return [g.constI(xs.flatMap(x => val(g, x, node, 'integer input')))];
    return [g.concat(xs as string[], norm(Number(a.axis), g.rank(xs[0]!)))];
  },
  'onnx.Identity': (_g, [x]) => [x],
  'onnx.Dropout': (_g, [x]) => [x],
  'onnx.Cast': (g, [x], a, node) => {
    const to = Number(a.to);
    const toFloat = [1, 10, 11, 16].includes(to),
      toInt = [6, 7, 2, 3, 4, 5, 12, 13].includes(to);
    if (isInt(g, x)) {
      if (toInt) return [x];
      if (to === 9)
        return [
          g.constI(
            val(g, x, node, 'data').map(v => (v ? 1 : 0)),
            g.shape(x),
          ),
        ]; // a known mask stays folded (0/1)
      if (toFloat) return [g.constF(val(g, x, node, 'data'), g.shape(x))];
    } else if (toFloat) return [g.dtype(x) === 'float' ? x : g.toFloat(x)];
    else if (toInt && g.dtype(x) !== 'bool')
      return [g.dtype(x) === 'int64' ? x : g.toInt64(x)]; // token ids fed as float32
    else if (to === 9) return g.dtype(x) === 'bool' ? [x] : g.prim('Cast', [x], { to: 9 }, [{ shape: g.shape(x), dtype: 'bool' }]);
    return fail(node, `cast to type ${to}`);
  },
  'onnx.Pad': (g, [x, p, v], a, node) => {
    if (String(a.mode ?? 'constant') !== 'constant') fail(node, `mode '${a.mode}' (constant only)`);
    const pads = p ? val(g, p, node, 'pads') : ints(a, 'pads')!;
    if (pads.some(q => q < 0)) fail(node, 'negative pads');
    const value = v ? val(g, v, node, 'the pad value')[0] : Number(a.value ?? 0);
    return [g.pad(x, pads, value)];
  },
  'onnx.ReduceMean': (g, [x, ax], a, node) => {
    const axes = ax ? val(g, ax, node, 'axes') : ints(a, 'axes');
    const r = g.rank(x);
    return [g.reduceMean(x, axes ? axes.map(v => norm(v, r)) : Array.from({ length: r }, (_, i) => i), Number(a.keepdims ?? 1) === 1)];
  },
  'onnx.Clip': (g, [x, lo, hi], a, node) => {
    const min = lo ? val(g, lo, node, 'min')[0] : Number(a.min ?? -Infinity);
    const max = hi ? val(g, hi, node, 'max')[0] : Number(a.max ?? Infinity);
    return [clip(g, x, min, max)];
  },
} satisfies Partial<OnnxLowerings>;
export { activation };
