/**
 * ONNX operators (the subset in formats/onnx.ts) as pure TF.js functions of their inputs, built
 * only from kernels with verified second-order gradients. Layout is NCHW as exported; 2-D
 * convolutions transpose to NHWC around TF.js's conv2d (stride 1, padding applied as an explicit
 * pad, so the exact Conv2D gradient of autodiff/gradients.ts applies; stride s keeps every s-th output
 * of the stride-1 convolution — exact, at s² the cost). Max pooling is written as
 * Σ window · one-hot(argMax window) (ties broken by the first maximum, as argMax does), average
 * pooling as a window mean: both exact at every order. Non-overlapping pooling windows only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedError } from '../../errors';
import type { GraphNode, OpFn } from '../graph';
import { ceilModeExtra } from '../poolShape';
import type { OnnxNodeOp } from '../onnxOps';

const ints = (t: tf.Tensor): number[] => Array.from(t.dataSync() as Int32Array | Float32Array);
const unsupported = (node: GraphNode, what: string): never => {
  throw new UnsupportedError(`ONNX op '${node.op.slice(5)}' (node '${node.name}', opset ${node.attrs.opset}): ${what}`);
};
const attrInts = (a: Record<string, unknown>, k: string): number[] | undefined => (Array.isArray(a[k]) ? (a[k] as number[]) : undefined);
const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

function T2(t: tf.Tensor): tf.Tensor {
  return tf.transpose(t);
}

/** Every s-th row and column of an NHWC tensor, starting at 0 (rank ≤ 4 reshapes and slices only). */
export function subsample2d(y: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return y;
  const [n, H, W, C] = y.shape;
  const ho = Math.ceil(H / sh),
    wo = Math.ceil(W / sw);
  // pad to multiples of the stride, then keep offset 0 of each stride block
  let t: tf.Tensor = y;
  if (ho * sh !== H || wo * sw !== W)
    t = tf.pad(t, [
      [0, 0],
      [0, ho * sh - H],
      [0, wo * sw - W],
      [0, 0],
    ]);
  t = tf.reshape(t, [n * ho, sh, wo, sw * C]);
  t = tf.slice(t, [0, 0, 0, 0], [n * ho, 1, wo, C]);
  return tf.reshape(t, [n, ho, wo, C]) as tf.Tensor4D;
}

function conv2dNCHW(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor | undefined, a: Record<string, unknown>, node: GraphNode): tf.Tensor {
  const strides = attrInts(a, 'strides') ?? [1, 1],
    dil = attrInts(a, 'dilations') ?? [1, 1];
  const kh = (w.shape[2] - 1) * dil[0] + 1,
    kw = (w.shape[3] - 1) * dil[1] + 1; // effective (dilated) kernel size
  let pads = attrInts(a, 'pads') ?? [0, 0, 0, 0];
  const autoPad = String(a.auto_pad ?? 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const ph = kh - 1,
      pw = kw - 1;
    pads =
      autoPad === 'SAME_UPPER'
        ? [Math.floor(ph / 2), Math.floor(pw / 2), ph - Math.floor(ph / 2), pw - Math.floor(pw / 2)]
        : [ph - Math.floor(ph / 2), pw - Math.floor(pw / 2), Math.floor(ph / 2), Math.floor(pw / 2)];
  }
  const group = Number(a.group ?? 1);
  let xh = tf.transpose(x, [0, 2, 3, 1]); // NHWC
  if (pads.some(p => p !== 0))
    xh = tf.pad(xh, [
      [0, 0],
      [pads[0], pads[2]],
      [pads[1], pads[3]],
      [0, 0],
    ]);
  let f = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D; // [kh, kw, I/g, O]
  if (dil.some(d => d !== 1)) f = dilateKernel(f, dil[0], dil[1]);
  let y: tf.Tensor;
  if (group === 1) y = tf.conv2d(xh as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid');
  else {
    const cin = x.shape[1] / group,
      cout = w.shape[0] / group;
    const xs = tf.split(xh, group, 3),
      fs = tf.split(f, group, 3);
    if (cin !== f.shape[2])
      unsupported(node, `group ${group} does not divide the ${x.shape[1]} input channels into kernels of ${f.shape[2]}`);
    y = tf.concat(
      xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, fs[i] as tf.Tensor4D, 1, 'valid')),
      3,
    );
    void cout;
  }
  y = subsample2d(y as tf.Tensor4D, strides[0], strides[1]); // stride s: stride-1 convolution, every s-th output
  if (b) y = tf.add(y, b);
  return tf.transpose(y, [0, 3, 1, 2]);
}

/** Non-overlapping k×k windows of an NCHW tensor as [N·C·h, w, kh·kw] (rank ≤ 4 throughout). */
function windows(x: tf.Tensor4D, kh: number, kw: number): { win: tf.Tensor; h: number; w: number } {
  const [n, c, H, W] = x.shape;
  const h = Math.floor(H / kh),
    w = Math.floor(W / kw);
  const xc = h * kh === H && w * kw === W ? x : tf.slice(x, [0, 0, 0, 0], [n, c, h * kh, w * kw]);
  const r = tf.reshape(xc, [n * c * h, kh, w, kw]);
  const t = tf.transpose(r, [0, 2, 1, 3]);
  return { win: tf.reshape(t, [n * c * h, w, kh * kw]), h, w };
}

export function poolNCHW(kind: 'max' | 'avg', x: tf.Tensor4D, a: Record<string, unknown>, node: GraphNode): tf.Tensor {
  const k = attrInts(a, 'kernel_shape')!;
  if (!k || k.length !== 2) unsupported(node, `kernel_shape ${JSON.stringify(a.kernel_shape)}: only 2-D pooling`);
  const s = attrInts(a, 'strides') ?? [1, 1];
  let pads = attrInts(a, 'pads') ?? [0, 0, 0, 0];
  if (Number(a.ceil_mode ?? 0) !== 0) {
    // ceil_mode: floor-mode pooling over more end padding (src/core/model/poolShape.ts)
    const extra = ceilModeExtra(x.shape.slice(2), k, s, pads);
    if (kind === 'avg' && Number(a.count_include_pad ?? 0) === 1 && extra.some(e => e > 0))
      unsupported(
        node,
        'ceil_mode=1 with count_include_pad=1 where the last window overhangs (the native engine, --backend ort, computes it)',
      );
    pads = [pads[0], pads[1], pads[2] + extra[0], pads[3] + extra[1]];
  }
  if ((attrInts(a, 'dilations') ?? [1, 1]).some(d => d !== 1)) unsupported(node, 'dilations are not supported');
  if (String(a.auto_pad ?? 'NOTSET') !== 'NOTSET' && String(a.auto_pad) !== 'VALID') unsupported(node, `auto_pad ${a.auto_pad}`);
  if (s[0] !== k[0] || s[1] !== k[1] || pads.some(p => p !== 0)) {
    const y = poolGeneric(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, k, s, pads, kind, Number(a.count_include_pad ?? 0) === 1);
    return tf.transpose(y, [0, 3, 1, 2]);
  }
  const [n, c] = x.shape;
  const { win, h, w } = windows(x, k[0], k[1]);
  const y = kind === 'avg' ? tf.mean(win, 2) : tf.sum(tf.mul(win, tf.oneHot(tf.argMax(win, 2), k[0] * k[1])), 2);
  return tf.reshape(y, [n, c, h, w]);
}

/** Zero insertion between pixels of an NHWC tensor (stride s of a transposed convolution); rank ≤ 4 ops. */
function insertZeros(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, , , c] = x.shape;
  let [, h, w] = x.shape;
  let t: tf.Tensor = x;
  if (sw > 1) {
    t = tf.pad(tf.reshape(t, [n * h, w, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    t = tf.slice(tf.reshape(t, [n * h, w * sw, c]), [0, 0, 0], [n * h, (w - 1) * sw + 1, c]);
    w = (w - 1) * sw + 1;
    t = tf.reshape(t, [n, h, w, c]);
  }
  if (sh > 1) {
    t = tf.pad(tf.reshape(t, [n, h, 1, w * c]), [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
    ]);
    t = tf.slice(tf.reshape(t, [n, h * sh, w * c]), [0, 0, 0], [n, (h - 1) * sh + 1, w * c]);
    h = (h - 1) * sh + 1;
    t = tf.reshape(t, [n, h, w, c]);
  }
  return t as tf.Tensor4D;
}

/** A dilated HWIO kernel: zeros between taps (linear in the kernel, so exact at every order). */
export function dilateKernel(k: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  const [kh, kw, i, o] = k.shape;
  const z = insertZeros(tf.reshape(k, [1, kh, kw, i * o]) as tf.Tensor4D, dh, dw);
  return tf.reshape(z, [z.shape[1], z.shape[2], i, o]) as tf.Tensor4D;
}

/**
 * General 2-D pooling on NHWC (overlapping windows, strides, padding): the k×k window offsets are
 * strided views of the padded input, laid side by side as [positions, k·k]; max = Σ·one-hot(argMax)
 * (padding never wins: it is −3.4e38), average divides by the window's count of real cells
 * (count_include_pad = false) or by k·k.
 */
export function poolGeneric(
  x: tf.Tensor4D,
  k: number[],
  s: number[],
  pads: number[],
  kind: 'max' | 'avg',
  countIncludePad = false,
): tf.Tensor4D {
  const [n, H, W, C] = x.shape;
  const [t, l, b, r] = pads;
  const Hp = H + t + b,
    Wp = W + l + r;
  const ho = Math.floor((Hp - k[0]) / s[0]) + 1,
    wo = Math.floor((Wp - k[1]) / s[1]) + 1;
  const xp =
    t || b || l || r
      ? tf.pad(
          x,
          [
            [0, 0],
            [t, b],
            [l, r],
            [0, 0],
          ],
          kind === 'max' ? -3.4e38 : 0,
        )
      : x;
  const views: tf.Tensor[] = [];
  for (let di = 0; di < k[0]; di++)
    for (let dj = 0; dj < k[1]; dj++) {
      const v = tf.slice(xp, [0, di, dj, 0], [n, (ho - 1) * s[0] + 1, (wo - 1) * s[1] + 1, C]) as tf.Tensor4D;
      views.push(tf.reshape(subsample2d(v, s[0], s[1]), [-1, 1]));
    }
  const win = tf.concat(views, 1); // [n·ho·wo·C, k·k]
  let y: tf.Tensor;
  if (kind === 'max') y = tf.sum(tf.mul(win, tf.oneHot(tf.argMax(win, 1), k[0] * k[1])), 1);
  else {
    y = tf.sum(win, 1);
    if (countIncludePad || !(t || b || l || r)) y = tf.div(y, k[0] * k[1]);
    else {
      const ones = poolGeneric(tf.ones([1, H, W, 1]) as tf.Tensor4D, k, s, pads, 'avg', true); // fraction of real cells
      const count = tf.mul(tf.reshape(tf.tile(ones, [n, 1, 1, C]), [-1]), k[0] * k[1]);
      y = tf.div(y, count);
    }
  }
  return tf.reshape(y, [n, ho, wo, C]) as tf.Tensor4D;
}

/** Pad (positive) or crop (negative) the spatial axes of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, t: number, b: number, l: number, r: number): tf.Tensor4D {
  let y = x;
  if (t > 0 || b > 0 || l > 0 || r > 0)
    y = tf.pad(y, [
      [0, 0],
      [Math.max(t, 0), Math.max(b, 0)],
      [Math.max(l, 0), Math.max(r, 0)],
      [0, 0],
    ]);
  if (t < 0 || b < 0 || l < 0 || r < 0) {
    const [n, h, w, c] = y.shape;
    y = tf.slice(
      y,
      [0, Math.max(-t, 0), Math.max(-l, 0), 0],
      [n, h - Math.max(-t, 0) - Math.max(-b, 0), w - Math.max(-l, 0) - Math.max(-r, 0), c],
    );
  }
  return y;
}

function bnShape(p: tf.Tensor, rank: number): tf.Tensor {
  const s = new Array(rank).fill(1);
  s[1] = p.size;
  return tf.reshape(p, s);
}

export const ONNX_OPS = {
  'onnx.Gemm': ([A, B, C], a) => {
    let x = Number(a.transA ?? 0) ? T2(A) : A;
    let w = Number(a.transB ?? 0) ? T2(B) : B;
    let y = tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D) as tf.Tensor;
    const alpha = Number(a.alpha ?? 1),
      beta = Number(a.beta ?? 1);
    if (alpha !== 1) y = tf.mul(y, alpha);
    if (C) y = tf.add(y, beta !== 1 ? tf.mul(C, beta) : C);
    x = w = undefined as unknown as tf.Tensor;
    return [y];
  },
  'onnx.MatMul': ([A, B]) => {
    if (A.rank === 2 && B.rank === 2) return [tf.matMul(A as tf.Tensor2D, B as tf.Tensor2D)];
    if (B.rank === 2) {
      const lead = A.shape.slice(0, -1);
      return [
        tf.reshape(tf.matMul(tf.reshape(A, [-1, A.shape[A.rank - 1] as number]) as tf.Tensor2D, B as tf.Tensor2D), [
          ...(lead as number[]),
          B.shape[1] as number,
        ]),
      ];
    }
    return [tf.matMul(A, B)];
  },
  'onnx.Add': ([x, y]) => [tf.add(x, y)],
  'onnx.Sub': ([x, y]) => [tf.sub(x, y)],
  'onnx.Mul': ([x, y]) => [tf.mul(x, y)],
  'onnx.Div': ([x, y]) => [tf.div(x, y)],
  'onnx.Pow': ([x, y]) => [tf.pow(x, y)],
  'onnx.Neg': ([x]) => [tf.neg(x)],
  'onnx.Sqrt': ([x]) => [tf.sqrt(x)],
  'onnx.Exp': ([x]) => [tf.exp(x)],
  'onnx.Log': ([x]) => [tf.log(x)],
  'onnx.Abs': ([x]) => [tf.abs(x)],
  'onnx.Erf': ([x]) => [tf.erf(x)],
  'onnx.Relu': ([x]) => [tf.relu(x)],
  'onnx.LeakyRelu': ([x], a) => [tf.leakyRelu(x, Number(a.alpha ?? 0.01))],
  'onnx.Elu': ([x], a) => {
    const al = Number(a.alpha ?? 1);
    return [al === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(al, tf.sub(tf.exp(x), 1)))];
  },
  'onnx.Selu': ([x], a, node) => {
    if (
      (a.alpha !== undefined && Math.abs(Number(a.alpha) - 1.6732632) > 1e-6) ||
      (a.gamma !== undefined && Math.abs(Number(a.gamma) - 1.050701) > 1e-6)
    )
      unsupported(node, 'non-default alpha/gamma');
    return [tf.selu(x)];
  },
  'onnx.Sigmoid': ([x]) => [tf.sigmoid(x)],
  'onnx.Tanh': ([x]) => [tf.tanh(x)],
  'onnx.Softplus': ([x]) => [tf.softplus(x)],
  // the activation family torch exports (native lowering: src/core/native/lower/activationsOnnx.ts, same formulas)
  'onnx.HardSigmoid': ([x], a) => [tf.clipByValue(tf.add(tf.mul(x, Number(a.alpha ?? 0.2)), Number(a.beta ?? 0.5)), 0, 1)],
  'onnx.HardSwish': ([x]) => [tf.mul(x, tf.clipByValue(tf.add(tf.mul(x, 1 / 6), 0.5), 0, 1))],
  'onnx.Celu': ([x], a) => {
    const al = Number(a.alpha ?? 1);
    const minZero = tf.neg(tf.relu(tf.neg(x)));
    return [tf.where(tf.greater(x, 0), x, tf.mul(al, tf.sub(tf.exp(tf.div(minZero, al)), 1)))];
  },
  'onnx.PRelu': ([x, slope]) => [tf.where(tf.greater(x, 0), x, tf.mul(x, slope))],
  'onnx.ThresholdedRelu': ([x], a) => [tf.mul(x, tf.cast(tf.greater(x, Number(a.alpha ?? 1)), 'float32'))],
  'onnx.Softsign': ([x]) => [tf.div(x, tf.add(1, tf.abs(x)))],
  'onnx.Mish': ([x]) => [tf.mul(x, tf.tanh(tf.softplus(x)))],
  'onnx.Softmax': ([x], a, node) => {
    const axis = norm(Number(a.axis ?? (Number(a.opset) >= 13 ? -1 : 1)), x.rank);
    if (axis !== x.rank - 1) unsupported(node, `softmax over axis ${axis} of a rank-${x.rank} tensor (only the last axis)`);
    return [tf.softmax(x, -1)];
  },
  'onnx.LogSoftmax': ([x], a, node) => {
    const axis = norm(Number(a.axis ?? (Number(a.opset) >= 13 ? -1 : 1)), x.rank);
    if (axis !== x.rank - 1) unsupported(node, `log-softmax over axis ${axis} (only the last axis)`);
    return [tf.sub(x, tf.logSumExp(x, -1, true))];
  },
  'onnx.Gelu': ([x], a) =>
    String(a.approximate ?? 'none') === 'tanh'
      ? [tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))))]
      : [tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))],
  'onnx.Conv': ([x, w, b], a, node) => {
    if (x.rank === 3)
      return [
        tf.squeeze(
          conv2dNCHW(
            tf.expandDims(x, 2) as tf.Tensor4D,
            tf.expandDims(w, 2) as tf.Tensor4D,
            b,
            {
              ...a,
              kernel_shape: [1, ...(attrInts(a, 'kernel_shape') ?? [])],
              strides: [1, ...(attrInts(a, 'strides') ?? [1])],
              dilations: [1, ...(attrInts(a, 'dilations') ?? [1])],
              pads: a.pads ? [0, (a.pads as number[])[0], 0, (a.pads as number[])[1]] : undefined,
            },
            node,
          ),
          [2],
        ),
      ];
    if (x.rank !== 4) unsupported(node, `rank-${x.rank} input (1-D and 2-D convolutions only)`);
    return [conv2dNCHW(x as tf.Tensor4D, w as tf.Tensor4D, b, a, node)];
  },
  'onnx.ConvTranspose': ([x, w, b], a, node) => {
    if (x.rank !== 4) unsupported(node, 'only 2-D transposed convolutions');
    if (Number(a.group ?? 1) !== 1) unsupported(node, `group ${a.group}`);
    if ((attrInts(a, 'dilations') ?? [1, 1]).some(d => d !== 1)) unsupported(node, 'dilations');
    if (a.output_shape) unsupported(node, 'output_shape (give pads and output_padding instead)');
    const s = attrInts(a, 'strides') ?? [1, 1],
      p = attrInts(a, 'pads') ?? [0, 0, 0, 0],
      op = attrInts(a, 'output_padding') ?? [0, 0];
    const kh = w.shape[2] as number,
      kw = w.shape[3] as number;
    // zero-insert, pad by k−1−p (+ output_padding at the end), correlate with the flipped kernel
    let xh = insertZeros(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, s[0], s[1]);
    xh = padOrCrop(xh, kh - 1 - p[0], kh - 1 - p[2] + op[0], kw - 1 - p[1], kw - 1 - p[3] + op[1]);
    const k = tf.reverse(tf.transpose(w, [2, 3, 0, 1]), [0, 1]) as tf.Tensor4D; // [kh, kw, Cin, Cout]
    let y: tf.Tensor = tf.conv2d(xh, k, 1, 'valid');
    if (b) y = tf.add(y, b);
    return [tf.transpose(y, [0, 3, 1, 2])];
  },
  'onnx.LayerNormalization': ([x, scale, B], a) => {
    const axis = norm(Number(a.axis ?? -1), x.rank);
    const axes = Array.from({ length: x.rank - axis }, (_, i) => axis + i);
    const mu = tf.mean(x, axes, true);
    const d = tf.sub(x, mu);
    let y = tf.div(d, tf.sqrt(tf.add(tf.mean(tf.square(d), axes, true), Number(a.epsilon ?? 1e-5))));
    y = tf.mul(y, scale);
    return [B ? tf.add(y, B) : y];
  },
  'onnx.Shape': ([x], a) => {
    const start = a.start !== undefined ? norm(Number(a.start), x.rank) : 0,
      end = a.end !== undefined ? norm(Number(a.end), x.rank) : x.rank;
    return [tf.tensor1d(x.shape.slice(start, end) as number[], 'int32')];
  },
  'onnx.Gather': ([data, idx], a) => {
    const axis = norm(Number(a.axis ?? 0), data.rank);
    const ids = ints(idx).map(i => (i < 0 ? i + data.shape[axis] : i));
    if (data.dtype === 'int32') return [tf.gather(data, idx.rank === 0 ? ids[0] : tf.tensor(ids, idx.shape, 'int32'), axis)];
    // float data: a one-hot selection matrix (exact at every order; gather's gradient has no wasm kernel)
    const perm = [axis, ...data.shape.map((_, i) => i).filter(i => i !== axis)];
    const moved = tf.transpose(data, perm);
    const rest = moved.shape.slice(1) as number[];
    const sel = tf.oneHot(tf.tensor1d(ids, 'int32'), data.shape[axis]);
    const picked = tf.reshape(tf.matMul(sel, tf.reshape(moved, [data.shape[axis], -1]) as tf.Tensor2D), [...idx.shape, ...rest]);
    // move the index axes back to where `axis` was
    const r = picked.rank,
      ir = idx.rank;
    const back = [
      ...Array.from({ length: axis }, (_, i) => ir + i),
      ...Array.from({ length: ir }, (_, i) => i),
      ...Array.from({ length: r - ir - axis }, (_, i) => ir + axis + i),
    ];
    return [tf.transpose(picked, back)];
  },
  'onnx.Slice': ([x, st, en, ax, sp], a, node) => {
    const starts = st ? ints(st) : attrInts(a, 'starts')!,
      ends = en ? ints(en) : attrInts(a, 'ends')!;
    const axes = ax ? ints(ax) : (attrInts(a, 'axes') ?? starts.map((_, i) => i));
    const steps = sp ? ints(sp) : starts.map(() => 1);
    if (steps.some(v => v !== 1)) unsupported(node, `steps ${steps.join(',')} (step 1 only)`);
    const begin = x.shape.map(() => 0),
      size = x.shape.slice() as number[];
    axes.forEach((axRaw, i) => {
      const axn = norm(axRaw, x.rank),
        dim = x.shape[axn];
      const clamp = (v: number) => Math.max(0, Math.min(dim, v < 0 ? v + dim : v));
      const b0 = clamp(starts[i]),
        e0 = clamp(ends[i]);
      begin[axn] = b0;
      size[axn] = Math.max(0, e0 - b0);
    });
    return [tf.slice(x, begin, size)];
  },
  'onnx.MaxPool': ([x], a, node) => {
    if (x.rank !== 4) unsupported(node, 'only 2-D max pooling');
    return [poolNCHW('max', x as tf.Tensor4D, a, node)];
  },
  'onnx.AveragePool': ([x], a, node) => {
    if (x.rank !== 4) unsupported(node, 'only 2-D average pooling');
    return [poolNCHW('avg', x as tf.Tensor4D, a, node)];
  },
  'onnx.GlobalAveragePool': ([x]) => [
    tf.mean(
      x,
      Array.from({ length: x.rank - 2 }, (_, i) => i + 2),
      true,
    ),
  ],
  'onnx.Flatten': ([x], a) => {
    const ax = norm(Number(a.axis ?? 1), x.rank);
    const lead = x.shape.slice(0, ax).reduce((p, q) => p * q, 1);
    return [tf.reshape(x, [lead, -1])];
  },
  'onnx.Reshape': ([x, s], a) => {
    const shape = ints(s).map((d, i) => (d === 0 && !Number(a.allowzero ?? 0) ? x.shape[i] : d));
    return [tf.reshape(x, shape)];
  },
  'onnx.Transpose': ([x], a) => [tf.transpose(x, attrInts(a, 'perm'))],
  'onnx.Squeeze': ([x, ax], a) => {
    const axes = ax ? ints(ax) : attrInts(a, 'axes');
    return [
      tf.squeeze(
        x,
        axes?.map(v => norm(v, x.rank)),
      ),
    ];
  },
  'onnx.Unsqueeze': ([x, ax], a) => {
    const axes = (ax ? ints(ax) : attrInts(a, 'axes')!)
      .map(v => norm(v, x.rank + (ax ? ints(ax).length : attrInts(a, 'axes')!.length)))
      .sort((p, q) => p - q);
    let y = x;
    for (const v of axes) y = tf.expandDims(y, v);
    return [y];
  },
  'onnx.Concat': (xs, a) => [tf.concat(xs, norm(Number(a.axis), xs[0].rank))],
  'onnx.Identity': ([x]) => [x],
  'onnx.Cast': ([x], a) => {
    const to = Number(a.to);
    return [
      [1, 10, 11, 16].includes(to)
        ? tf.cast(x, 'float32')
        : [6, 7, 2, 3, 4, 5, 12, 13].includes(to)
          ? tf.cast(x, 'int32')
          : to === 9
            ? tf.cast(x, 'bool')
            : x,
    ];
  },
  'onnx.Dropout': ([x]) => [x],
  'onnx.BatchNormalization': ([x, scale, B, mean, variance], a) => {
    const eps = Number(a.epsilon ?? 1e-5);
    const inv = tf.div(bnShape(scale, x.rank), tf.sqrt(tf.add(bnShape(variance, x.rank), eps)));
    return [tf.add(tf.mul(tf.sub(x, bnShape(mean, x.rank)), inv), bnShape(B, x.rank))];
  },
  'onnx.Pad': ([x, p, v], a, node) => {
    if (String(a.mode ?? 'constant') !== 'constant') unsupported(node, `mode '${a.mode}' (constant only)`);
    const pads = p ? ints(p) : attrInts(a, 'pads')!;
    const r = x.rank;
    if (pads.every(q => q === 0)) return [x];
    if (pads.some(q => q < 0)) unsupported(node, 'negative pads');
    const value = v ? (v.dataSync() as Float32Array)[0] : Number(a.value ?? 0);
    return [
      tf.pad(
        x,
        Array.from({ length: r }, (_, i) => [pads[i], pads[i + r]] as [number, number]),
        value,
      ),
    ];
  },
  'onnx.ReduceMean': ([x, ax], a) => {
    const axes = ax ? ints(ax) : attrInts(a, 'axes');
    return [tf.mean(x, axes ? axes.map(v => norm(v, x.rank)) : undefined, Number(a.keepdims ?? 1) === 1)];
  },
  'onnx.Clip': ([x, lo, hi], a) => {
    const min = lo ? (lo.dataSync() as Float32Array)[0] : Number(a.min ?? -3.4028234663852886e38);
    const max = hi ? (hi.dataSync() as Float32Array)[0] : Number(a.max ?? 3.4028234663852886e38);
    return [tf.clipByValue(x, min, max)];
  },
} satisfies Partial<Record<OnnxNodeOp, OpFn>>;
