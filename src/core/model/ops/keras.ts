/**
 * Keras / TF.js layer ops in NHWC (channels-last), built from kernels with exact second-order
 * gradients: merges, concatenation, batch normalisation (inference statistics) and layer
 * normalisation over the last axis, 2-D convolution (stride 1, 'same' as an explicit pad, so the
 * exact Conv2D gradient applies), non-overlapping pooling (shared with the ONNX ops, on an NCHW
 * view), global pooling (max as Σ·one-hot(argMax)), reshape and zero padding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activation } from '../../autodiff/ops';
import type { GraphNode, OpFn } from '../graph';
import { UnsupportedError } from '../../errors';
import { poolNCHW, subsample2d, poolGeneric, dilateKernel } from './onnx';

function lastAxisOnly(x: tf.Tensor, a: Record<string, unknown>, node: GraphNode): void {
  const axis = a.axis === undefined ? -1 : Number(a.axis);
  if (axis !== -1 && axis !== x.rank - 1)
    throw new UnsupportedError(
      `${node.op === 'batchnorm' ? 'BatchNormalization' : 'LayerNormalization'} '${node.name}' ` +
        `over axis ${axis} of a rank-${x.rank} input: only the last (channel) axis is supported`,
    );
}

const lastAxisShape = (p: tf.Tensor, rank: number): number[] => [...new Array(rank - 1).fill(1), p.size];

/** 'same' padding of TF/Keras for kernel k, stride s, size n: total max((⌈n/s⌉−1)·s + k − n, 0), extra at the end. */
function samePads(n: number, k: number, s: number): [number, number] {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** A Keras Conv2D / DepthwiseConv2D: convolution, bias, activation. */
function conv2dOp([x, k, b]: tf.Tensor[], a: Record<string, unknown>, depthwise: boolean): tf.Tensor[] {
  const strides = (a.strides as number[] | undefined) ?? [1, 1];
  const dilation = (a.dilation as number[] | undefined) ?? [1, 1];
  let y: tf.Tensor = kerasConv(x as tf.Tensor4D, k as tf.Tensor4D, strides, String(a.padding), depthwise, dilation);
  if (b) y = tf.add(y, b);
  return [activation(String(a.activation ?? 'linear'), y)];
}

/** Keras conv (NHWC, HWIO kernel, stride, 'same'/'valid') as a stride-1 valid conv2d + subsampling; depthwise by channel groups. */
function kerasConv(
  x: tf.Tensor4D,
  k0: tf.Tensor4D,
  strides: number[],
  padding: string,
  depthwise: boolean,
  dilation: number[] = [1, 1],
): tf.Tensor4D {
  const k = dilation.some(d => d !== 1) ? dilateKernel(k0, dilation[0], dilation[1]) : k0;
  const [kh, kw] = k.shape;
  let xp = x;
  if (padding === 'same') {
    const [t, b] = samePads(x.shape[1], kh, strides[0]),
      [l, r] = samePads(x.shape[2], kw, strides[1]);
    if (t || b || l || r)
      xp = tf.pad(xp, [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ]);
  }
  let y: tf.Tensor4D;
  if (!depthwise) y = tf.conv2d(xp, k, 1, 'valid');
  else {
    // depthwise kernel [kh, kw, C, mult]: one conv per input channel (exact at every order)
    const C = x.shape[3];
    const xs = C === 1 ? [xp] : tf.split(xp, C, 3),
      ks = C === 1 ? [k] : tf.split(k, C, 2);
    const ys = xs.map((xc, c) => tf.conv2d(xc as tf.Tensor4D, ks[c] as tf.Tensor4D, 1, 'valid'));
    y = (ys.length === 1 ? ys[0] : tf.concat(ys, 3)) as tf.Tensor4D;
  }
  return subsample2d(y, strides[0], strides[1]);
}

export const KERAS_OPS: Record<string, OpFn> = {
  merge: (xs, a) => {
    const mode = String(a.mode);
    let y = xs[0];
    for (let i = 1; i < xs.length; i++)
      y = mode === 'subtract' ? tf.sub(y, xs[i]) : mode === 'multiply' ? tf.mul(y, xs[i]) : tf.add(y, xs[i]);
    return [mode === 'average' ? tf.div(y, xs.length) : y];
  },
  concat: (xs, a) => {
    const ax = Number(a.axis);
    return [tf.concat(xs, ax < 0 ? ax + xs[0].rank : ax)];
  },
  batchnorm: ([x, gamma, beta, mean, variance], a, node) => {
    lastAxisOnly(x, a, node);
    const r = x.rank;
    let y = tf.div(
      tf.sub(x, tf.reshape(mean, lastAxisShape(mean, r))),
      tf.sqrt(tf.add(tf.reshape(variance, lastAxisShape(variance, r)), Number(a.epsilon))),
    );
    if (gamma) y = tf.mul(y, tf.reshape(gamma, lastAxisShape(gamma, r)));
    if (beta) y = tf.add(y, tf.reshape(beta, lastAxisShape(beta, r)));
    return [y];
  },
  layernorm: ([x, gamma, beta], a, node) => {
    lastAxisOnly(x, a, node);
    const mu = tf.mean(x, -1, true);
    const d = tf.sub(x, mu);
    let y = tf.div(d, tf.sqrt(tf.add(tf.mean(tf.square(d), -1, true), Number(a.epsilon))));
    if (gamma) y = tf.mul(y, gamma);
    if (beta) y = tf.add(y, beta);
    return [y];
  },
  conv2d: (inputs, a) => conv2dOp(inputs, a, false),
  conv1d: ([x, k, b], a) => {
    const s = (a.strides as number[] | undefined) ?? [1];
    const y4 = kerasConv(tf.expandDims(x, 1) as tf.Tensor4D, tf.expandDims(k, 0) as tf.Tensor4D, [1, s[0]], String(a.padding), false, [
      1,
      ((a.dilation as number[] | undefined) ?? [1])[0],
    ]);
    let y: tf.Tensor = tf.squeeze(y4, [1]);
    if (b) y = tf.add(y, b);
    return [activation(String(a.activation ?? 'linear'), y)];
  },
  depthwiseconv2d: (inputs, a) => conv2dOp(inputs, a, true),
  separableconv2d: ([x, dk, pk, b], a) => {
    const strides = (a.strides as number[] | undefined) ?? [1, 1];
    const d = kerasConv(x as tf.Tensor4D, dk as tf.Tensor4D, strides, String(a.padding), true);
    let y: tf.Tensor = tf.conv2d(d, pk as tf.Tensor4D, 1, 'valid');
    if (b) y = tf.add(y, b);
    return [activation(String(a.activation ?? 'linear'), y)];
  },
  permute: ([x], a) => [tf.transpose(x, [0, ...(a.dims as number[])])],
  embedding: ([ids, E]) => {
    // one-hot · E instead of gather (gather's gradient needs UnsortedSegmentSum, missing on wasm)
    const vocab = E.shape[0];
    const flat = tf.cast(tf.reshape(ids, [-1]), 'int32') as tf.Tensor1D;
    const y = tf.matMul(tf.oneHot(flat, vocab), E as tf.Tensor2D);
    return [tf.reshape(y, [...ids.shape, E.shape[1] as number])];
  },
  pool2d: ([x], a, node) => {
    const pool = a.pool as number[],
      st = (a.strides as number[] | undefined) ?? pool;
    if (st[0] !== pool[0] || st[1] !== pool[1] || a.padding === 'same') {
      // Keras 'same': padding split as in convolutions; averages count only real cells
      const pads =
        a.padding === 'same'
          ? [...samePads(x.shape[1] as number, pool[0], st[0]), ...samePads(x.shape[2] as number, pool[1], st[1])]
          : [0, 0, 0, 0];
      return [poolGeneric(x as tf.Tensor4D, pool, st, [pads[0], pads[2], pads[1], pads[3]], a.kind === 'max' ? 'max' : 'avg', false)];
    }
    const nchw = tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
    const y = poolNCHW(a.kind === 'max' ? 'max' : 'avg', nchw, { kernel_shape: pool, strides: pool, opset: 0 }, node);
    return [tf.transpose(y, [0, 2, 3, 1])];
  },
  globalpool2d: ([x], a) => {
    const [n, h, w, c] = x.shape;
    let y: tf.Tensor;
    if (a.kind === 'max') {
      const t = tf.transpose(tf.reshape(x, [n, h * w, c]), [0, 2, 1]);
      y = tf.sum(tf.mul(t, tf.oneHot(tf.argMax(t, 2), h * w)), 2);
    } else y = tf.mean(x, [1, 2]);
    return [a.keepdims ? tf.reshape(y, [n, 1, 1, c]) : y];
  },
  pool1d: ([x], a, node) => {
    const k = Number(a.pool);
    const nchw = tf.transpose(tf.expandDims(x, 1), [0, 3, 1, 2]) as tf.Tensor4D; // [N, C, 1, L]
    const y = poolNCHW(a.kind === 'max' ? 'max' : 'avg', nchw, { kernel_shape: [1, k], strides: [1, k], opset: 0 }, node);
    return [tf.squeeze(tf.transpose(y, [0, 2, 3, 1]), [1])];
  },
  globalpool1d: ([x], a) => {
    const [n, L, c] = x.shape;
    let y: tf.Tensor;
    if (a.kind === 'max') {
      const t = tf.transpose(x, [0, 2, 1]);
      y = tf.sum(tf.mul(t, tf.oneHot(tf.argMax(t, 2), L)), 2);
    } else y = tf.mean(x, 1);
    return [a.keepdims ? tf.reshape(y, [n, 1, c]) : y];
  },
  upsample2d: ([x], a) => {
    // nearest neighbour: repeat each column, then each row (tile of rank-4 views: linear, exact)
    const [sh, sw] = a.size as number[];
    const [n, h, w, c] = x.shape;
    let t = tf.tile(tf.reshape(x, [n * h, w, 1, c]), [1, 1, sw, 1]);
    t = tf.tile(tf.reshape(t, [n, h, 1, w * sw * c]), [1, 1, sh, 1]);
    return [tf.reshape(t, [n, h * sh, w * sw, c])];
  },
  reshape: ([x], a) => [tf.reshape(x, [x.shape[0], ...(a.shape as number[])])],
  zeropad2d: ([x], a) => {
    const p = a.pads as number[][];
    return [
      tf.pad(x, [
        [0, 0],
        [p[0][0], p[0][1]],
        [p[1][0], p[1][1]],
        [0, 0],
      ]),
    ];
  },
};
