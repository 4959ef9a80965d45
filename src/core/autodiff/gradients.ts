/**
 * Gradient registrations that make TF.js double backprop exact (checked against the float64
 * hyper-dual reference in ./hyperdual.ts by ../hvpSelfTest.ts at start-up and by the unit suite).
 *
 * Why: in TF.js 4.22 a kernel whose gradient reads its saved *output* (Tanh, Sigmoid, Exp,
 * Softmax, Elu, Pow) gets the clone of that output recorded on the tape before its own node, so
 * in the second backward pass the y ← x dependence is pruned and H·v comes out silently wrong
 * (1e-2 … 1 relative). Comparison kernels (Greater, Equal, …) used to build masks inside
 * gradients have no gradient at all, so the second pass throws.
 *
 * Fix: every gradient below is written with differentiable ops of the kernel's *inputs* only
 * (tanh′ = 1 − tanh(x)², σ′ = σ(x)(1 − σ(x)), exp′ = exp(x), softmax recomputed from its logits,
 * pow recomputed, elu′ from x), so the second pass sees the whole dependence; comparison and
 * logical kernels get zero gradients (they are piecewise constant). BatchMatMul's gradient uses
 * explicit transposes and plain products (wasm's transposed matMul is ~10× slower).
 */
import * as tf from '@tensorflow/tfjs-core';

type G = tf.Tensor;
// SELU's λ and λ·α (Klambauer et al. 2017: 1.0507009873554804934…, 1.7580993408473768599…) as doubles
const SELU_SCALE = 1.0507009873554805;
const SELU_SCALEALPHA = 1.7580993408473768;

function zeroGrad(kernelName: string, inputs: string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: inputs,
    gradFunc: (_dy, saved) =>
      Object.fromEntries(inputs.map((k, i) => [k, () => tf.zeros(saved[i].shape, 'float32')])) as Record<string, () => tf.Tensor>,
  };
}

function transposeLast2(t: G): G {
  if (t.rank === 2) return tf.transpose(t);
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 1] = t.rank - 2;
  perm[t.rank - 2] = t.rank - 1;
  return tf.transpose(t, perm);
}

export const EXACT_GRADIENTS: tf.GradConfig[] = [
  { kernelName: 'Tanh', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as G, tf.sub(1, tf.square(tf.tanh(x)))) }) },
  {
    kernelName: 'Sigmoid',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const s = tf.sigmoid(x);
        return tf.mul(dy as G, tf.mul(s, tf.sub(1, s)));
      },
    }),
  },
  { kernelName: 'Exp', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as G, tf.exp(x)) }) },
  {
    kernelName: 'Softmax',
    inputsToSave: ['logits'],
    gradFunc: (dy, [logits], attrs) => ({
      logits: () => {
        const dim = (attrs as unknown as { dim: number }).dim;
        const y = tf.softmax(logits, dim);
        const dyy = tf.mul(dy as G, y);
        return tf.sub(dyy, tf.mul(tf.sum(dyy, dim, true), y));
      },
    }),
  },
  {
    kernelName: 'Elu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.where(tf.greater(x, 0), dy as G, tf.mul(dy as G, tf.exp(x))),
    }),
  },
  {
    kernelName: 'Selu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.where(tf.greater(x, 0), tf.mul(dy as G, SELU_SCALE), tf.mul(tf.mul(dy as G, SELU_SCALEALPHA), tf.exp(x))),
    }),
  },
  {
    kernelName: 'Pow',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const reduceTo = (g: G, shape: number[]): G => {
        const axes: number[] = [];
        const lead = g.rank - shape.length;
        for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
        return tf.reshape(axes.length ? tf.sum(g, axes) : g, shape);
      };
      return {
        a: () => reduceTo(tf.mul(dy as G, tf.mul(b, tf.pow(a, tf.sub(b, 1)))), a.shape),
        b: () => {
          const y = tf.pow(a, b);
          const safeLog = tf.where(tf.greater(a, 0), tf.log(tf.where(tf.greater(a, 0), a, tf.onesLike(a))), tf.zerosLike(a));
          return reduceTo(tf.mul(dy as G, tf.mul(y, safeLog)), b.shape);
        },
      };
    },
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const mm = (x: G, y: G): G => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D);
      const T = transposeLast2;
      const d = dy as G;
      if (a.rank !== 2 || b.rank !== 2) {
        // batched: fall back to the flag form (correct; rank > 2 products are not on the hot path)
        if (!transposeA && !transposeB) return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
        if (!transposeA && transposeB) return { a: () => tf.matMul(d, b, false, false), b: () => tf.matMul(d, a, true, false) };
        if (transposeA && !transposeB) return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d, false, false) };
        return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) };
      }
      if (!transposeA && !transposeB) return { a: () => mm(d, T(b)), b: () => mm(T(a), d) };
      if (!transposeA && transposeB) return { a: () => mm(d, b), b: () => mm(T(d), a) };
      if (transposeA && !transposeB) return { a: () => mm(b, T(d)), b: () => mm(a, d) };
      return { a: () => mm(T(b), T(d)), b: () => mm(T(d), T(a)) };
    },
  },
  ...(['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'] as const).map(k =>
    zeroGrad(k, ['a', 'b']),
  ),
  zeroGrad('LogicalNot', ['x']),
];

/**
 * Conv2D (NHWC, stride 1, 'valid', dilation 1 — the form the model ops emit) with both gradients
 * written as forward convolutions, so every order of differentiation stays on conv2d, pad, reverse
 * and transpose (stock TF.js uses Conv2DBackpropFilter, which has no gradient and no wasm kernel):
 *   ∂x = conv2d(pad(dy, k−1), reverse(W) with in/out swapped)            (full correlation)
 *   ∂W = conv2d(xᵀ as [I,H,W,N], dyᵀ as [Ho,Wo,N,O])ᵀ                        (batch ↔ channel)
 * Other configurations fall back to the stock gradient.
 */
function conv2dGradient(stock: tf.GradConfig | undefined): tf.GradConfig {
  return {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as { strides: number | number[]; pad: unknown; dilations?: number | number[]; dataFormat?: string };
      const one = (v: number | number[] | undefined) => v === undefined || v === 1 || (Array.isArray(v) && v.every(q => q === 1));
      if (!(one(a.strides) && one(a.dilations) && a.pad === 'valid' && (a.dataFormat ?? 'NHWC') === 'NHWC')) {
        if (!stock) throw new Error('Conv2D: no gradient for this configuration');
        return stock.gradFunc(dy, saved, attrs);
      }
      const d = dy as tf.Tensor4D;
      const [kh, kw] = filter.shape;
      return {
        x: () =>
          tf.conv2d(
            tf.pad(d, [
              [0, 0],
              [kh - 1, kh - 1],
              [kw - 1, kw - 1],
              [0, 0],
            ]),
            tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D,
            1,
            'valid',
          ),
        filter: () =>
          tf.transpose(
            tf.conv2d(tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(d, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'),
            [1, 2, 0, 3],
          ),
      };
    },
  };
}

let registered = false;
/** Install the exact gradients (idempotent). Must run after the stock gradients are registered. */
export function registerExactGradients(): void {
  if (registered) return;
  registered = true;
  const stockConv = tf.getGradient('Conv2D');
  for (const g of EXACT_GRADIENTS) tf.registerGradient(g);
  tf.registerGradient(conv2dGradient(stockConv));
}
