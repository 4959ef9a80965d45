/**
 * Pure forward pass of a GraphModel: outputs = f(x; θ). θ is one flat float32 tensor that
 * is split into the parameter tensors (tf.split, whose gradient is concat — exact at all
 * orders), so the loss is a differentiable function of θ alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from './graph';
import { OPS } from './ops';
import { UnsupportedError } from '../errors';

export function forward(model: GraphModel, theta: tf.Tensor1D, x: tf.Tensor): tf.Tensor {
  const env = new Map<string, tf.Tensor>();
  if (model.params.length > 0) {
    const parts = model.params.length === 1 ? [theta] : tf.split(theta, model.params.map(p => p.size));
    model.params.forEach((p, i) => env.set(p.name, tf.reshape(parts[i], p.shape)));
  }
  for (const [name, c] of model.constants) env.set(name, tf.tensor(c.values, c.shape, c.dtype));
  env.set(model.inputs[0].name, x);
  for (const node of model.nodes) {
    const fn = OPS[node.op];
    if (!fn) throw new UnsupportedError(`op '${node.op}' (node '${node.name}') has no implementation`);
    const ins = node.inputs.map(n => {
      if (n === '') return undefined as unknown as tf.Tensor; // an optional input that is absent
      const t = env.get(n);
      if (!t) throw new Error(`internal: tensor '${n}' needed by node '${node.name}' is not defined`);
      return t;
    });
    const outs = fn(ins, node.attrs, node);
    node.outputs.forEach((o, i) => env.set(o, outs[i]));
  }
  const out = env.get(model.outputs[0]);
  if (!out) throw new Error(`internal: output '${model.outputs[0]}' not produced`);
  return out;
}
