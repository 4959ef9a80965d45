/**
 * Keras / TF.js layer ops in NHWC (channels-last), built from kernels with exact second-order
 * gradients: merges, concatenation, batch normalisation (inference statistics) and layer
 * normalisation over the last axis, 2-D convolution (stride 1, 'same' as an explicit pad, so the
 * exact Conv2D gradient applies), non-overlapping pooling (shared with the ONNX ops, on an NCHW
 * view), global pooling (max as Σ·one-hot(argMax)), reshape and zero padding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activation } from '../../autodiff/ops';
import type { OpFn } from '../graph';
import { poolNCHW } from './onnx';

const lastAxisShape = (p: tf.Tensor, rank: number): number[] => [...new Array(rank - 1).fill(1), p.size];

export const KERAS_OPS: Record<string, OpFn> = {
  merge: (xs, a) => {
    const mode = String(a.mode);
    let y = xs[0];
    for (let i = 1; i < xs.length; i++) y = mode === 'subtract' ? tf.sub(y, xs[i]) : mode === 'multiply' ? tf.mul(y, xs[i]) : tf.add(y, xs[i]);
    return [mode === 'average' ? tf.div(y, xs.length) : y];
  },
  concat: (xs, a) => { const ax = Number(a.axis); return [tf.concat(xs, ax < 0 ? ax + xs[0].rank : ax)]; },
  batchnorm: ([x, gamma, beta, mean, variance], a) => {
    const r = x.rank;
    let y = tf.div(tf.sub(x, tf.reshape(mean, lastAxisShape(mean, r))), tf.sqrt(tf.add(tf.reshape(variance, lastAxisShape(variance, r)), Number(a.epsilon))));
    if (gamma) y = tf.mul(y, tf.reshape(gamma, lastAxisShape(gamma, r)));
    if (beta) y = tf.add(y, tf.reshape(beta, lastAxisShape(beta, r)));
    return [y];
  },
  layernorm: ([x, gamma, beta], a) => {
    const mu = tf.mean(x, -1, true);
    const d = tf.sub(x, mu);
    let y = tf.div(d, tf.sqrt(tf.add(tf.mean(tf.square(d), -1, true), Number(a.epsilon))));
    if (gamma) y = tf.mul(y, gamma);
    if (beta) y = tf.add(y, beta);
    return [y];
  },
  conv2d: ([x, k, b], a) => {
    const [kh, kw] = k.shape;
    let xp = x as tf.Tensor4D;
    if (String(a.padding) === 'same') {
      const ph = kh - 1, pw = kw - 1;
      xp = tf.pad(xp, [[0, 0], [Math.floor(ph / 2), ph - Math.floor(ph / 2)], [Math.floor(pw / 2), pw - Math.floor(pw / 2)], [0, 0]]);
    }
    let y: tf.Tensor = tf.conv2d(xp, k as tf.Tensor4D, 1, 'valid');
    if (b) y = tf.add(y, b);
    return [activation(String(a.activation ?? 'linear'), y)];
  },
  pool2d: ([x], a, node) => {
    const pool = a.pool as number[];
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
  reshape: ([x], a) => [tf.reshape(x, [x.shape[0], ...(a.shape as number[])])],
  zeropad2d: ([x], a) => { const p = a.pads as number[][]; return [tf.pad(x, [[0, 0], [p[0][0], p[0][1]], [p[1][0], p[1][1]], [0, 0]])]; },
};
