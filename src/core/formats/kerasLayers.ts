/**
 * Keras layers → internal ops (src/core/model/ops): one builder per layer class, in a table keyed
 * by the Keras class name (`KERAS_LAYERS`). A builder checks the layer's config, takes its weights
 * (trainable ones become slices of θ in layer order, statistics become constants) and returns the
 * node; `buildKerasGraph` (kerasConfig.ts) wires the nodes. A class not in the table is refused.
 */
import { UnsupportedError, UserInputError } from '../errors';
import type { GraphModel, ParamSpec } from '../model/graph';

export interface WeightTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

interface Ctx {
  file: string;
  format: string;
}
type Where = { file: string; where: string };

/** Activations with a verified exact second-order path (src/core/autodiff/ops.ts). */
export const SUPPORTED_ACTIVATIONS = new Set([
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'gelu',
  'swish',
  'silu',
  'tanh',
  'sigmoid',
  'hard_sigmoid',
  'hardSigmoid',
  'softplus',
  'softsign',
  'softmax',
  'exponential',
  'leaky_relu',
  'leakyRelu',
]);

const CANONICAL_ACTIVATION: Record<string, string> = { hardSigmoid: 'hard_sigmoid', leakyRelu: 'leaky_relu', silu: 'swish' };

/** The activation of a layer config (a name, or a serialized activation object), canonical and supported. */
export function normActivation(a: unknown, ctx: Ctx, layer: string): string {
  const where = { file: ctx.file, where: `layer ${layer}` };
  const o = a as { config?: { name?: unknown }; class_name?: unknown } | null | undefined;
  let name: string;
  if (o === undefined || o === null) name = 'linear';
  else if (typeof o === 'string') name = o;
  else if (typeof o === 'object' && typeof o.config?.name === 'string') name = o.config.name;
  else if (typeof o === 'object' && typeof o.class_name === 'string') name = o.class_name;
  else throw new UserInputError(`layer '${layer}': cannot read activation ${JSON.stringify(a)}`, where);
  name = CANONICAL_ACTIVATION[name] ?? name;
  if (!SUPPORTED_ACTIVATIONS.has(name))
    throw new UnsupportedError(`activation '${name}' in layer '${layer}' has no verified exact second-order path`, where);
  return name;
}

/** θ, constants and weight lookup of the graph being built (shared by all layers). */
export class KerasWeights {
  readonly params: ParamSpec[] = [];
  readonly thetaParts: Float32Array[] = [];
  readonly constants: GraphModel['constants'] = new Map();
  readonly used = new Set<string>();
  offset = 0;
  special: GraphModel['specialNeurons'];

  constructor(
    readonly weights: Map<string, WeightTensor>,
    readonly ctx: Ctx,
  ) {}

  /** The checkpoint's weight `role` of `layer` (`…/layer/role[:0]`); a missing required one is a UserInputError. */
  find(layer: string, role: string, required: true): WeightTensor;
  find(layer: string, role: string, required: boolean): WeightTensor | undefined;
  find(layer: string, role: string, required: boolean): WeightTensor | undefined {
    for (const [name, w] of this.weights) {
      const clean = name.replace(/:0$/, '');
      const parts = clean.split('/');
      if (parts[parts.length - 1] === role && (parts.includes(layer) || clean.startsWith(layer + '/'))) {
        this.used.add(name);
        return w;
      }
    }
    if (!required) return undefined;
    const some = `${[...this.weights.keys()].slice(0, 8).join(', ')}${this.weights.size > 8 ? ', …' : ''}`;
    throw new UserInputError(`no weight '${layer}/${role}' in the checkpoint (weights: ${some})`, {
      file: this.ctx.file,
      where: `layer ${layer}`,
    });
  }

  /** `w` as the next slice of θ; returns the parameter's name `layer/(key ?? role)`. */
  addParam(layer: string, role: ParamSpec['role'], w: WeightTensor, outAxis?: number, key?: string): string {
    const size = w.values.length;
    const expected = w.shape.reduce((a, b) => a * b, 1);
    if (size !== expected)
      throw new UserInputError(`weight '${w.name}' has ${size} values but shape (${w.shape.join(', ')})`, {
        file: this.ctx.file,
        where: `layer ${layer}`,
      });
    const name = `${layer}/${key ?? role}`;
    this.params.push({ name, layer, role, shape: w.shape.slice(), offset: this.offset, size, outAxis });
    this.thetaParts.push(w.values);
    this.offset += size;
    return name;
  }

  /** The checkpoint's weight `role` of `layer` as the next slice of θ. */
  param(layer: string, role: ParamSpec['role'], outAxis?: number, weightRole: string = role, key?: string): string {
    return this.addParam(layer, role, this.find(layer, weightRole, true), outAxis, key);
  }

  /** The checkpoint's weight `role` of `layer` as a constant named `layer/role`. */
  constant(layer: string, role: string): string {
    const w = this.find(layer, role, true);
    this.constants.set(`${layer}/${role}`, { shape: w.shape, dtype: 'float32', values: w.values });
    return `${layer}/${role}`;
  }
}

/** One layer as a builder sees it. */
export interface KerasLayer {
  cls: string;
  name: string;
  config: Record<string, unknown>;
  /** input tensor names */
  ins: string[];
  where: Where;
  ctx: Ctx;
  w: KerasWeights;
}

/** What a builder returns: the node (its output and name are the layer's) and what the layer list shows. */
export interface BuiltLayer {
  op: string;
  inputs: string[];
  attrs: Record<string, unknown>;
  /** `activation` / `units` for the layer list (in this order) */
  info?: { activation?: string; units?: number };
  /** the activation now at the output: a name, `null` for none; absent when the layer keeps it (shape-only layers) */
  outputActivation?: string | null;
}

export type LayerBuilder = (l: KerasLayer) => BuiltLayer;

// ── shared parts ─────────────────────────────────────────────────────────────────────────────

const unsupported = (l: KerasLayer, what: string) => new UnsupportedError(`${l.cls} '${l.name}' ${what}`, l.where);
/** A layer whose output is its first input's, transformed by `op` (no weights; the output activation is kept). */
const shapeOnly =
  (op: string, attrs: (l: KerasLayer) => Record<string, unknown> = () => ({})): LayerBuilder =>
  l => ({ op, inputs: [l.ins[0]], attrs: attrs(l) });
/** An activation layer. */
const activationNode = (l: KerasLayer, act: string): BuiltLayer => ({
  op: 'activation',
  inputs: [l.ins[0]],
  attrs: { activation: act },
  info: { activation: act },
  outputActivation: act,
});
/** 'max' for the Max… classes, else 'avg'. */
const poolKind = (l: KerasLayer) => (l.cls.startsWith('Max') || l.cls.startsWith('GlobalMax') ? 'max' : 'avg');
/** 'valid' or 'same' (else unsupported). */
function padding(l: KerasLayer, what = (p: string) => `with padding '${p}' is not supported`): string {
  const p = String(l.config.padding ?? 'valid');
  if (p !== 'valid' && p !== 'same') throw unsupported(l, what(p));
  return p;
}
/** A pair of numbers from a number, a list, or `d` when absent. */
const pair = (v: unknown, d: number[]): number[] => (v == null ? d : Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)]);

// ── the layers ───────────────────────────────────────────────────────────────────────────────

const dense: LayerBuilder = l => {
  const act = normActivation(l.config.activation, l.ctx, l.name);
  const k = l.w.param(l.name, 'kernel', 1);
  const b = l.config.use_bias !== false ? l.w.param(l.name, 'bias') : undefined;
  return {
    op: 'dense',
    inputs: b ? [l.ins[0], k, b] : [l.ins[0], k],
    attrs: { activation: act },
    info: { activation: act, units: Number(l.config.units) },
    outputActivation: act,
  };
};

const relu: LayerBuilder = l => {
  const c = l.config;
  if (
    c.max_value != null ||
    (c.negative_slope != null && Number(c.negative_slope) !== 0) ||
    (c.threshold != null && Number(c.threshold) !== 0)
  ) {
    throw new UnsupportedError(`ReLU layer '${l.name}' with max_value/negative_slope/threshold is not supported yet`, l.where);
  }
  return activationNode(l, 'relu');
};

const merge: LayerBuilder = l => ({ op: 'merge', inputs: l.ins, attrs: { mode: l.cls.toLowerCase() }, outputActivation: null });

const normalization: LayerBuilder = l => {
  const c = l.config;
  const ax = Array.isArray(c.axis) ? c.axis : [c.axis ?? -1];
  if (ax.length !== 1) throw unsupported(l, `over axes ${JSON.stringify(c.axis)}: only the last (channel) axis is supported`);
  const g = c.scale !== false ? l.w.find(l.name, 'gamma', true) : undefined;
  const b = c.center !== false ? l.w.find(l.name, 'beta', true) : undefined;
  const inputs = [l.ins[0], g ? l.w.addParam(l.name, 'gamma', g) : '', b ? l.w.addParam(l.name, 'beta', b) : ''];
  const batch = l.cls === 'BatchNormalization';
  if (batch) inputs.push(l.w.constant(l.name, 'moving_mean'), l.w.constant(l.name, 'moving_variance'));
  return {
    op: batch ? 'batchnorm' : 'layernorm',
    inputs,
    attrs: { epsilon: Number(c.epsilon ?? 1e-3), axis: Number(ax[0]) },
    outputActivation: null,
  };
};

const CONV_OPS: Record<string, string> = {
  Conv1D: 'conv1d',
  Conv2D: 'conv2d',
  DepthwiseConv2D: 'depthwiseconv2d',
  SeparableConv2D: 'separableconv2d',
};
const conv: LayerBuilder = l => {
  const c = l.config;
  const act = normActivation(c.activation, l.ctx, l.name);
  const rank = l.cls === 'Conv1D' ? 1 : 2;
  const asList = (v: unknown, d: number): number[] =>
    v == null ? new Array(rank).fill(d) : Array.isArray(v) ? v.map(Number) : new Array(rank).fill(Number(v));
  const strides = asList(c.strides, 1),
    dilation = asList(c.dilation_rate, 1);
  if (dilation.some(v => v !== 1) && strides.some(v => v !== 1))
    throw unsupported(l, 'with both dilation and strides is not supported (Keras forbids it too)');
  if ((c.data_format ?? 'channels_last') !== 'channels_last') throw unsupported(l, `with data_format ${c.data_format}: channels_last only`);
  if (Number(c.groups ?? 1) !== 1) throw unsupported(l, `with groups ${c.groups} is not supported`);
  const pad = padding(l);
  const inputs = [l.ins[0]];
  if (l.cls === 'DepthwiseConv2D' || l.cls === 'SeparableConv2D')
    inputs.push(l.w.param(l.name, 'kernel', 2, 'depthwise_kernel', 'depthwise_kernel'));
  if (l.cls === 'SeparableConv2D') inputs.push(l.w.param(l.name, 'kernel', 3, 'pointwise_kernel', 'pointwise_kernel'));
  if (l.cls === 'Conv1D' || l.cls === 'Conv2D') inputs.push(l.w.param(l.name, 'kernel', rank + 1));
  if (c.use_bias !== false) inputs.push(l.w.param(l.name, 'bias'));
  return {
    op: CONV_OPS[l.cls],
    inputs,
    attrs: { padding: pad, activation: act, strides, dilation },
    info: { activation: act, units: Number(c.filters ?? 0) || undefined },
    outputActivation: act,
  };
};

/** Kawaguchi & Kaelbling (2020) special neurons: inputs [network input, pre-activation outputs]. */
const specialNeurons: LayerBuilder = l => {
  const { name, ins, w: g } = l;
  if (ins.length !== 2)
    throw new UserInputError(
      `SpecialNeurons layer '${name}' needs 2 inputs (the network input and the outputs), found ${ins.length}`,
      l.where,
    );
  const w = g.param(name, 'kernel', 1);
  const b = g.param(name, 'bias');
  const a = g.param(name, 'other', undefined, 'a', 'a');
  const lambda = Number(l.config.lambda ?? 0);
  if (!(lambda >= 0))
    throw new UserInputError(`SpecialNeurons layer '${name}': lambda must be ≥ 0, got ${String(l.config.lambda)}`, l.where);
  g.special = { a, w, b, lambda, node: name };
  return {
    op: 'specialNeurons',
    inputs: [ins[0], ins[1], w, b, a],
    attrs: {},
    info: { units: Number(l.config.units) },
    outputActivation: null,
  };
};

const embedding: LayerBuilder = l => {
  const e = l.w.param(l.name, 'embedding', undefined, 'embeddings');
  return { op: 'embedding', inputs: [l.ins[0], e], attrs: {}, info: { units: Number(l.config.output_dim) }, outputActivation: null };
};

const pool2d: LayerBuilder = l => {
  const pool = pair(l.config.pool_size, [2, 2]);
  const strides = pair(l.config.strides, pool);
  const pad = padding(l, p => `with padding '${p}'`);
  return { op: 'pool2d', inputs: [l.ins[0]], attrs: { kind: poolKind(l), pool, strides, padding: pad } };
};

const pool1d: LayerBuilder = l => {
  const c = l.config;
  const first = (v: unknown) => Number(Array.isArray(v) ? v[0] : v);
  const k = c.pool_size == null ? 2 : first(c.pool_size);
  const st = c.strides == null ? k : first(c.strides);
  if (st !== k) throw unsupported(l, `with strides ${st} ≠ pool size ${k}: only non-overlapping windows are supported`);
  if (String(c.padding ?? 'valid') !== 'valid') throw unsupported(l, `with padding '${c.padding}': only 'valid'`);
  return { op: 'pool1d', inputs: [l.ins[0]], attrs: { kind: poolKind(l), pool: k } };
};

const globalPool = (op: string): LayerBuilder => shapeOnly(op, l => ({ kind: poolKind(l), keepdims: Boolean(l.config.keepdims) }));

const upSampling2d: LayerBuilder = l => {
  if (String(l.config.interpolation ?? 'nearest') !== 'nearest')
    throw unsupported(l, `with interpolation '${l.config.interpolation}': only 'nearest'`);
  return { op: 'upsample2d', inputs: [l.ins[0]], attrs: { size: pair(l.config.size, [2, 2]) } };
};

const zeroPadding2d: LayerBuilder = l => {
  const p0 = l.config.padding ?? [
    [1, 1],
    [1, 1],
  ];
  const pads =
    typeof p0 === 'number'
      ? [
          [p0, p0],
          [p0, p0],
        ]
      : (p0 as unknown[]).map(v => (Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)]));
  return { op: 'zeropad2d', inputs: [l.ins[0]], attrs: { pads } };
};

const identity = shapeOnly('identity');

/**
 * Every supported Keras layer class. Maximum and Minimum merges are not here (no verified
 * second-order path yet): they are refused like any other class not in the table.
 */
export const KERAS_LAYERS: ReadonlyMap<string, LayerBuilder> = new Map<string, LayerBuilder>([
  ['Dense', dense],
  ['Activation', l => activationNode(l, normActivation(l.config.activation, l.ctx, l.name))],
  ['Softmax', l => activationNode(l, 'softmax')],
  ['ReLU', relu],
  ['Dropout', identity],
  ['SpatialDropout1D', identity],
  ['SpatialDropout2D', identity],
  ['GaussianNoise', identity],
  ['GaussianDropout', identity],
  ['AlphaDropout', identity],
  ['Flatten', shapeOnly('flatten')],
  ['Add', merge],
  ['Subtract', merge],
  ['Multiply', merge],
  ['Average', merge],
  ['Concatenate', l => ({ op: 'concat', inputs: l.ins, attrs: { axis: Number(l.config.axis ?? -1) }, outputActivation: null })],
  ['BatchNormalization', normalization],
  ['LayerNormalization', normalization],
  ['Conv1D', conv],
  ['Conv2D', conv],
  ['DepthwiseConv2D', conv],
  ['SeparableConv2D', conv],
  ['SpecialNeurons', specialNeurons],
  ['Permute', shapeOnly('permute', l => ({ dims: l.config.dims }))],
  ['Embedding', embedding],
  ['MaxPooling2D', pool2d],
  ['AveragePooling2D', pool2d],
  ['MaxPooling1D', pool1d],
  ['AveragePooling1D', pool1d],
  ['GlobalAveragePooling1D', globalPool('globalpool1d')],
  ['GlobalMaxPooling1D', globalPool('globalpool1d')],
  ['GlobalAveragePooling2D', globalPool('globalpool2d')],
  ['GlobalMaxPooling2D', globalPool('globalpool2d')],
  ['UpSampling2D', upSampling2d],
  ['Reshape', shapeOnly('reshape', l => ({ shape: l.config.target_shape }))],
  ['ZeroPadding2D', zeroPadding2d],
]);
