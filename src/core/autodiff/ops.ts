/**
 * Activations and losses built only from kernels whose second-order gradients are exact once
 * ./gradients.ts is registered (verified per op against ./hyperdual.ts). In particular the
 * cross-entropies are built from log-softmax = z − logSumExp(z) instead of TF.js's customGrad
 * losses (tf.losses.softmaxCrossEntropy, tf.logSoftmax), whose gradients are computed from values
 * inside the forward pass, out of the tape's reach, and are wrong at second order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedError } from '../errors';

const SQRT1_2 = Math.SQRT1_2;

/** Keras / TF.js activation by name (names as normalised by the readers). */
export function activation(name: string, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softplus':
      return tf.softplus(x);
    case 'softsign':
      return tf.div(x, tf.add(1, tf.abs(x)));
    case 'exponential':
      return tf.exp(x);
    case 'swish':
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    // Keras gelu (approximate=False): x·Φ(x) = ½x(1 + erf(x/√2))
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
    // TF.js / Keras 2 hard sigmoid: clip(0.2x + 0.5, 0, 1)
    case 'hard_sigmoid':
    case 'hardSigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
    case 'leaky_relu':
      return tf.leakyRelu(x, 0.2);
    case 'leakyRelu':
      return tf.leakyRelu(x, 0.3);
    case 'softmax':
      return tf.softmax(x, -1);
    default:
      throw new UnsupportedError(`activation '${name}' has no verified exact second-order path`);
  }
}

/** log softmax over the last axis: z − logSumExp(z). */
export function logSoftmax(z: tf.Tensor): tf.Tensor {
  return tf.sub(z, tf.logSumExp(z, -1, true));
}

/** (1/(m·d)) Σ (a − b)² */
export function meanSquaredError(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(a, b))) as tf.Scalar;
}

/** −(1/m) Σ_i Σ_k y_ik log softmax(z_i)_k; integer labels (int32, shape [m]) are one-hot encoded. */
export function softmaxCrossEntropyWithLogits(z: tf.Tensor2D, y: tf.Tensor): tf.Scalar {
  const ls = logSoftmax(z);
  const t = y.dtype === 'int32' ? tf.oneHot(tf.reshape(y, [-1]) as tf.Tensor1D, z.shape[1]) : tf.reshape(y, z.shape);
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.cast(t, 'float32'), ls), 1))) as tf.Scalar;
}

/** (1/(m·d)) Σ max(z,0) − z·t + log(1 + e^−|z|)  (= −t log σ(z) − (1−t) log(1−σ(z)), stably) */
export function sigmoidBinaryCrossEntropyWithLogits(z: tf.Tensor, t: tf.Tensor): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
}
