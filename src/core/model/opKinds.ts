/**
 * Normalised op kinds: one view of a GraphModel's nodes that every reader produces the same way,
 * so structural rules (src/core/diagnostics/theory.ts) read ONNX graphs (`onnx.Relu`, `onnx.Add`,
 * `onnx.Mul`, `onnx.Pow`, …) exactly as they read Keras / TF.js layer graphs (`dense` with a fused
 * activation, `activation`, `merge` with a mode):
 *  - family: what the node does (weight layer, activation, elementwise arithmetic, normalisation, …);
 *  - activation: the canonical element-wise non-linearity it applies (relu, leaky_relu, tanh, …,
 *    `square` for a quadratic activation), for fused Keras activations too; `linear` when none;
 *  - residual: an add of two computed tensors one of which is an ancestor of the other — a skip
 *    connection h + F(h) (an add of two parallel branches of the same input is not one);
 *  - quadratic: z ⊙ z (`Mul(h, h)`, Keras/TF.js `Multiply()([h, h])`) or z² (`Pow(h, 2)`).
 */
import type { GraphModel, GraphNode } from './graph';
import { onnxOpEntry, type OpFamily } from './onnxOps';

export type { OpFamily };

export interface OpKind {
  family: OpFamily;
  /** canonical activation the node applies (fused or standalone); 'linear' for none */
  activation?: string;
  /** an add forming a skip connection */
  residual?: boolean;
  /** a quadratic activation: h ⊙ h or h² */
  quadratic?: boolean;
}

// the ONNX ops' families and activations: the one ONNX op table (./onnxOps.ts)
const KERAS_FAMILIES: Record<string, OpFamily> = {
  dense: 'dense',
  conv1d: 'conv',
  conv2d: 'conv',
  depthwiseconv2d: 'conv',
  separableconv2d: 'conv',
  activation: 'activation',
  batchnorm: 'norm',
  layernorm: 'norm',
  pool1d: 'pool',
  pool2d: 'pool',
  globalpool1d: 'pool',
  globalpool2d: 'pool',
  embedding: 'embedding',
  identity: 'shape',
  flatten: 'shape',
  reshape: 'shape',
  permute: 'shape',
  concat: 'shape',
  zeropad2d: 'shape',
  upsample2d: 'shape',
  specialNeurons: 'special',
};
const MERGE_FAMILIES: Record<string, OpFamily> = { add: 'add', subtract: 'sub', multiply: 'mul' };
const CANONICAL: Record<string, string> = {
  leakyrelu: 'leaky_relu',
  leakyRelu: 'leaky_relu',
  hardSigmoid: 'hard_sigmoid',
  silu: 'swish',
  identity: 'linear',
  logsoftmax: 'log_softmax',
};

const canonical = (a: string): string => CANONICAL[a] ?? a.toLowerCase();

/** The normalised kind of every node of the model (same order as model.nodes). */
export function opKinds(model: GraphModel): OpKind[] {
  const paramNames = new Set(model.params.map(p => p.name));
  const isComputed = (t: string) => !paramNames.has(t) && !model.constants.has(t);
  // ancestors of every tensor (the models here are small: sets of tensor names)
  const producer = new Map<string, GraphNode>();
  for (const n of model.nodes) for (const o of n.outputs) producer.set(o, n);
  const memo = new Map<string, Set<string>>();
  const ancestors = (t: string): Set<string> => {
    const m = memo.get(t);
    if (m) return m;
    const s = new Set<string>();
    memo.set(t, s);
    const p = producer.get(t);
    if (p)
      for (const i of p.inputs)
        if (isComputed(i)) {
          s.add(i);
          for (const a of ancestors(i)) s.add(a);
        }
    return s;
  };
  const constScalar = (t: string): number | undefined => {
    const c = model.constants.get(t);
    return c && c.values.length === 1 ? Number(c.values[0]) : undefined;
  };
  return model.nodes.map(n => {
    let family: OpFamily;
    let activation: string | undefined;
    if (n.op.startsWith('onnx.')) {
      const t = n.op.slice(5),
        e = onnxOpEntry(t);
      activation = e?.activation;
      family = t === 'Gather' && paramNames.has(n.inputs[0]) ? 'embedding' : (e?.family ?? 'other');
    } else if (n.op === 'merge') family = MERGE_FAMILIES[String(n.attrs.mode ?? '')] ?? 'other';
    else family = KERAS_FAMILIES[n.op] ?? 'other';
    if (typeof n.attrs.activation === 'string' && !n.op.startsWith('onnx.')) activation = canonical(n.attrs.activation);
    if (family === 'activation' && !activation) activation = 'linear';
    const computed = n.inputs.filter(isComputed);
    const kind: OpKind = { family, ...(activation ? { activation } : {}) };
    if (family === 'add' && computed.length >= 2 && computed.length === n.inputs.length) {
      kind.residual = computed.some((a, i) => computed.some((b, j) => i !== j && a !== b && ancestors(b).has(a)));
    }
    const square =
      (family === 'mul' && n.inputs.length === 2 && n.inputs[0] === n.inputs[1] && isComputed(n.inputs[0])) ||
      (family === 'pow' && ((n.inputs.length >= 2 && constScalar(n.inputs[1]) === 2) || Number(n.attrs.exponent) === 2));
    if (square) {
      kind.quadratic = true;
      kind.activation = 'square';
    }
    return kind;
  });
}
