/** Dense: y = act(x·W + b), applied to the last axis of x (Keras Dense semantics). */
import * as tf from '@tensorflow/tfjs-core';
import { activation } from '../../autodiff/ops';
import type { OpFn } from '../graph';

export const dense: OpFn = ([x, w, b], attrs) => {
  const inDim = w.shape[0] as number,
    outDim = w.shape[1] as number;
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D);
  let y: tf.Tensor = tf.matMul(x2, w as tf.Tensor2D);
  if (b) y = tf.add(y, b);
  if (x.rank !== 2) y = tf.reshape(y, [...lead, outDim]);
  return [activation(String(attrs.activation ?? 'linear'), y)];
};
