/**
 * Special neurons (Kawaguchi & Kaelbling, "Elimination of all bad local minima in deep learning",
 * AISTATS 2020): for every output unit k, f̃_k(x) = f_k(x) + a_k·exp(w_kᵀ vec(x) + b_k).
 * Inputs: [x (network input, flattened per sample), f (pre-activation outputs [N, K]), W [D, K], b [K], a [K]].
 * Built from matMul, add, exp and mul, whose second-order gradients are exact.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OpFn } from '../graph';

export const specialNeurons: OpFn = ([x, f, w, b, a]) => {
  const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
  const e = tf.exp(tf.add(tf.matMul(flat, w as tf.Tensor2D), b));
  const f2 = tf.reshape(f, [f.shape[0], -1]);
  const y = tf.add(f2, tf.mul(a, e));
  return [f.rank === 2 ? y : tf.reshape(y, f.shape)];
};
