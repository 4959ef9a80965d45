/**
 * Training losses, mean over samples, built from double-differentiable ops:
 *  - mse: (1/(m·d)) Σ (f(x) − y)²  (Keras "mse": mean over outputs, then samples)
 *  - ce:  −(1/m) Σ log softmax(z)_y  for integer labels, −(1/m) Σ_k y_k log softmax(z)_k for one-hot /
 *         probability targets. When the model ends in softmax, z is the pre-softmax value
 *         (the same loss as Keras' categorical cross-entropy on probabilities, computed stably).
 *  - bce: −(1/m) Σ y log σ(z) + (1−y) log(1−σ(z)); z pre-sigmoid when the model ends in sigmoid.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserInputError } from './errors';
import { lossAdvice } from './lossAdvice';
import type { GraphModel } from './model/graph';
import type { Dataset } from './data/dataset';
import { meanSquaredError, softmaxCrossEntropyWithLogits, sigmoidBinaryCrossEntropyWithLogits } from './autodiff/ops';

export type LossKind = 'mse' | 'ce' | 'bce';

export interface LossSpec {
  kind: LossKind;
  /** The model's final softmax/sigmoid is folded into the loss (the graph is evaluated up to logits). */
  foldedActivation?: 'softmax' | 'sigmoid';
  /** Why this loss was chosen (shown to the user). */
  reason: string;
}

export function resolveLoss(model: GraphModel, data: Dataset, requested?: string): LossSpec {
  const last = model.outputActivation;
  let kind: LossKind;
  let reason: string;
  if (requested) {
    if (requested !== 'mse' && requested !== 'ce' && requested !== 'bce')
      throw new UserInputError(`unknown loss '${requested}' (expected mse, ce or bce)`, { where: '--loss' });
    kind = requested;
    reason = 'requested';
  } else if (last === 'softmax') {
    kind = 'ce';
    reason = 'the model ends in softmax';
  } else if (last === 'sigmoid') {
    kind = 'bce';
    reason = 'the model ends in sigmoid';
  } else if (data.y.kind === 'labels') {
    kind = 'ce';
    reason = 'integer labels and no output activation (logits)';
  } else {
    kind = 'mse';
    reason = 'float targets';
  }
  const spec: LossSpec = { kind, reason };
  if (kind === 'ce' && last === 'softmax') spec.foldedActivation = 'softmax';
  if (kind === 'bce' && last === 'sigmoid') spec.foldedActivation = 'sigmoid';
  if (kind === 'ce' && last === 'sigmoid')
    throw new UserInputError("loss 'ce' needs logits or a softmax output, but the model ends in sigmoid; use --loss bce");
  if (kind === 'bce' && last === 'softmax')
    throw new UserInputError("loss 'bce' needs a sigmoid or linear output, but the model ends in softmax; use --loss ce");
  return spec;
}

/** A copy of the model whose final softmax/sigmoid is removed, so its output is the logits. */
export function logitsModel(model: GraphModel, spec: LossSpec): GraphModel {
  if (!spec.foldedActivation) return model;
  const nodes = model.nodes.slice();
  const i = nodes.findIndex(n => n.outputs.includes(model.outputs[0]));
  const n = nodes[i];
  if (!n || n.attrs.activation !== spec.foldedActivation) throw new Error(`internal: cannot find the final ${spec.foldedActivation}`);
  nodes[i] = n.op === 'activation' ? { ...n, op: 'identity', attrs: {} } : { ...n, attrs: { ...n.attrs, activation: 'linear' } };
  return { ...model, nodes };
}

/** Check that targets fit the model's output shape, before any computation. */
export function checkTargets(outShape: number[], data: Dataset, spec: LossSpec): void {
  const outDim = outShape.slice(1).reduce((a, b) => a * b, 1);
  if (data.y.kind === 'labels') {
    if (spec.kind === 'ce') {
      if (data.y.numClasses > outDim)
        throw new UserInputError(`label ${data.y.numClasses - 1} is out of range for a model with ${outDim} outputs`, {
          file: data.file,
          where: `key '${data.yKey}'`,
        });
      return;
    }
  }
  if (data.y.kind === 'values') checkFiniteTargets(data, spec);
  const yDim = data.y.kind === 'labels' ? 1 : data.y.data.length / data.m;
  if (yDim !== outDim) {
    // mse on class labels: say that cross-entropy fits (lossAdvice.ts), never switch silently
    const advice = lossAdvice(spec.kind, spec.reason === 'requested', data.y, outDim);
    throw new UserInputError(
      `targets have ${yDim} values per sample but the model has ${outDim} outputs (loss ${spec.kind})${advice ? `; ${advice}` : ''}`,
      {
        file: data.file,
        where: `key '${data.yKey}'`,
      },
    );
  }
}

/**
 * Targets are checked like inputs: a NaN/Inf target, or one so large that the squared error
 * overflows float32 (|y| > 1.8e19, since (f − y)² must stay below 3.4e38), would make the loss, the
 * gradient and every eigenvalue NaN or Inf. The error names the sample (its row in the file).
 */
const MAX_TARGET = 1.8e19;
function checkFiniteTargets(data: Dataset, spec: LossSpec): void {
  if (data.y.kind !== 'values') return;
  const v = data.y.data,
    per = v.length / Math.max(1, data.m);
  for (let i = 0; i < v.length; i++) {
    const y = v[i];
    if (Number.isFinite(y) && (spec.kind !== 'mse' || Math.abs(y) <= MAX_TARGET)) continue;
    const row = Math.floor(i / per),
      sample = data.indices ? data.indices[row] : row;
    const what = Number.isFinite(y) ? `${y}, whose squared error overflows float32 (|y| > ${MAX_TARGET})` : String(y);
    throw new UserInputError(`target of sample ${sample}${per > 1 ? ` (output ${i % per})` : ''} is ${what}`, {
      file: data.file,
      where: `key '${data.yKey}'`,
    });
  }
}

/** Mean loss over the rows of one chunk. `out` are logits when an activation is folded. */
export function chunkLoss(spec: LossSpec, out: tf.Tensor, y: tf.Tensor): tf.Scalar {
  switch (spec.kind) {
    case 'mse':
      return meanSquaredError(tf.reshape(out, [out.shape[0], -1]), tf.reshape(y, [out.shape[0], -1]));
    case 'ce':
      return softmaxCrossEntropyWithLogits(tf.reshape(out, [out.shape[0], -1]) as tf.Tensor2D, y);
    case 'bce':
      return sigmoidBinaryCrossEntropyWithLogits(tf.reshape(out, [out.shape[0], -1]), tf.reshape(y, [out.shape[0], -1]));
  }
}
