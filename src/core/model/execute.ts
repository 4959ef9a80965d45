/**
 * Pure forward pass of a GraphModel: outputs = f(x; θ). θ is one flat float32 tensor that
 * is split into the parameter tensors (tf.split, whose gradient is concat — exact at all
 * orders), so the loss is a differentiable function of θ alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from './graph';
import { OPS } from './ops';
import { UnsupportedError, UserInputError, isUserInputError } from '../errors';

export function forward(model: GraphModel, theta: tf.Tensor1D, x: tf.Tensor): tf.Tensor {
  const env = new Map<string, tf.Tensor>();
  if (model.params.length > 0) {
    const parts =
      model.params.length === 1
        ? [theta]
        : tf.split(
            theta,
            model.params.map(p => p.size),
          );
    model.params.forEach((p, i) => env.set(p.name, tf.reshape(parts[i], p.shape)));
  }
  for (const [name, c] of model.constants) env.set(name, tf.tensor(c.values, c.shape, c.dtype));
  env.set(model.inputs[0].name, x);
  for (const node of model.nodes) {
    const fn = OPS[node.op];
    if (!fn)
      throw new UnsupportedError(`op '${node.op}' (node '${node.name}') has no implementation`, {
        file: model.source,
        where: `node '${node.name}'`,
      });
    const ins = node.inputs.map(n => {
      if (n === '') return undefined as unknown as tf.Tensor; // an optional input that is absent
      const t = env.get(n);
      if (!t) throw new Error(`internal: tensor '${n}' needed by node '${node.name}' is not defined`);
      return t;
    });
    let outs: tf.Tensor[];
    try {
      outs = fn(ins, node.attrs, node);
    } catch (e) {
      throw nodeError(e, model, node);
    }
    node.outputs.forEach((o, i) => env.set(o, outs[i]));
  }
  const out = env.get(model.outputs[0]);
  if (!out) throw new Error(`internal: output '${model.outputs[0]}' not produced`);
  return out;
}

/**
 * An op that throws while running (TF.js's shape checks: a MatMul whose inner dimensions differ, a
 * Reshape that does not fit, an add that does not broadcast) was given a graph that does not fit
 * together (a missing operand or attribute, mismatched shapes) or data of the wrong shape: a
 * UserInputError naming the file, the node and its op (CLI exit 2), not an internal error. Errors
 * that already are UserInputErrors get the file and node if they lack them; cancellation passes
 * through unchanged.
 */
function nodeError(e: unknown, model: GraphModel, node: GraphModel['nodes'][number]): unknown {
  const opName = node.op.startsWith('onnx.') ? `ONNX op ${node.op.slice(5)}` : `op ${node.op}`;
  const where = `node '${node.name}'`;
  if (isUserInputError(e)) {
    if (e.file || !model.source) return e;
    const Ctor = e.name === 'UnsupportedError' ? UnsupportedError : UserInputError;
    return new Ctor(e.message, { file: model.source, where });
  }
  if (!(e instanceof Error) || e.name === 'AbortError') return e;
  return new UserInputError(`${opName} (${where}) failed on this graph's tensors: ${e.message.split('\n')[0]}`, {
    file: model.source,
    where,
  });
}
