/**
 * Keras model config (as stored in TF.js model.json `modelTopology`, Keras .keras
 * `config.json` and legacy .h5 `model_config`) → GraphModel.
 * Sequential: `config.layers` (or a bare list, Keras 2.0) applied in order.
 * Functional: `config.layers[].inbound_nodes` wiring, `input_layers` / `output_layers`.
 * Each supported layer class maps to internal ops (src/core/model/ops); trainable weights
 * become slices of θ in layer order, non-trainable ones become constants.
 */
import { UnsupportedError, UserInputError } from '../errors';
import type { GraphModel, GraphNode, ParamSpec } from '../model/graph';

export interface WeightTensor { name: string; shape: number[]; values: Float32Array }
export interface KerasLayerConfig { class_name: string; config: Record<string, unknown>; name?: string; inbound_nodes?: unknown[] }

interface Ctx { file: string; format: string }

/** Activations with a verified exact second-order path (src/core/autodiff/ops.ts). */
export const SUPPORTED_ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'silu', 'tanh', 'sigmoid', 'hard_sigmoid', 'hardSigmoid', 'softplus', 'softsign', 'softmax', 'exponential', 'leaky_relu', 'leakyRelu']);

function normActivation(a: unknown, ctx: Ctx, layer: string): string {
  let name: string;
  if (a === undefined || a === null) name = 'linear';
  else if (typeof a === 'string') name = a;
  else if (typeof a === 'object' && a !== null && typeof (a as { config?: { name?: string } }).config?.name === 'string') name = (a as { config: { name: string } }).config.name;
  else if (typeof a === 'object' && a !== null && typeof (a as { class_name?: string }).class_name === 'string') name = (a as { class_name: string }).class_name;
  else throw new UserInputError(`layer '${layer}': cannot read activation ${JSON.stringify(a)}`, { file: ctx.file, where: `layer ${layer}` });
  const canonical: Record<string, string> = { hardSigmoid: 'hard_sigmoid', leakyRelu: 'leaky_relu', silu: 'swish' };
  name = canonical[name] ?? name;
  if (!SUPPORTED_ACTIVATIONS.has(name)) throw new UnsupportedError(`activation '${name}' in layer '${layer}' has no verified exact second-order path`, { file: ctx.file, where: `layer ${layer}` });
  return name;
}

/** Structural check of a model config before it is interpreted (mutated or hand-edited files). */
export function checkKerasConfig(cfg: unknown, file: string, where: string): void {
  const c = cfg as { class_name?: unknown; config?: { layers?: unknown } } | null;
  if (!c || typeof c !== 'object' || typeof c.class_name !== 'string') throw new UserInputError('model config has no class_name', { file, where });
  const layers = Array.isArray(c.config) ? c.config : c.config && typeof c.config === 'object' ? c.config.layers : undefined;
  if (!Array.isArray(layers)) throw new UserInputError('model config has no layer list', { file, where: `${where}.config.layers` });
  layers.forEach((l, i) => {
    if (!l || typeof l !== 'object' || typeof (l as { class_name?: unknown }).class_name !== 'string') throw new UserInputError(`layer ${i} has no class_name`, { file, where: `${where}.config.layers[${i}]` });
    const lc = (l as { config?: unknown }).config;
    if (lc !== undefined && (lc === null || typeof lc !== 'object')) throw new UserInputError(`layer ${i} has a config that is not an object`, { file, where: `${where}.config.layers[${i}]` });
  });
}

export function buildKerasGraph(model: { class_name: string; config: unknown }, weights: Map<string, WeightTensor>, ctx: Ctx): GraphModel {
  checkKerasConfig(model, ctx.file, 'model config');
  try { return buildKerasGraphUnchecked(model, weights, ctx); } catch (e) {
    // a config that passed the structural check can still hold wrongly typed fields
    if (e instanceof TypeError || e instanceof RangeError) throw new UserInputError(`malformed model config: ${e.message}`, { file: ctx.file, where: 'model config' });
    throw e;
  }
}

function buildKerasGraphUnchecked(model: { class_name: string; config: unknown }, weights: Map<string, WeightTensor>, ctx: Ctx): GraphModel {
  const cls = model.class_name;
  const cfg = model.config as Record<string, unknown> | unknown[];
  let layers: KerasLayerConfig[];
  let functional = false;
  if (cls === 'Sequential') layers = (Array.isArray(cfg) ? cfg : (cfg as { layers: KerasLayerConfig[] }).layers) as KerasLayerConfig[];
  else if (cls === 'Functional' || cls === 'Model') { layers = (cfg as { layers: KerasLayerConfig[] }).layers; functional = true; }
  else throw new UnsupportedError(`model class '${cls}' is not supported (expected Sequential, Functional or Model)`, { file: ctx.file, where: 'modelTopology.class_name' });
  if (!Array.isArray(layers)) throw new UserInputError('model config has no layer list', { file: ctx.file, where: 'config.layers' });
  if (!layers.some(l => l && typeof l === 'object' && l.class_name !== 'InputLayer')) throw new UserInputError(`the ${cls} model has no layers; there is nothing to diagnose`, { file: ctx.file, where: 'config.layers' });

  const params: ParamSpec[] = [];
  const thetaParts: Float32Array[] = [];
  const constants: GraphModel['constants'] = new Map();
  const nodes: GraphNode[] = [];
  const layerInfo: GraphModel['layers'] = [];
  const used = new Set<string>();
  let offset = 0;
  let inputShape: (number | null)[] | undefined;
  let lastActivation: string | undefined;
  let special: GraphModel['specialNeurons'];

  const findWeight = (layer: string, role: string, required: boolean): WeightTensor | undefined => {
    for (const [name, w] of weights) {
      const clean = name.replace(/:0$/, '');
      const parts = clean.split('/');
      if (parts[parts.length - 1] === role && (parts.includes(layer) || clean.startsWith(layer + '/'))) { used.add(name); return w; }
    }
    if (required) throw new UserInputError(`no weight '${layer}/${role}' in the checkpoint (weights: ${[...weights.keys()].slice(0, 8).join(', ')}${weights.size > 8 ? ', …' : ''})`, { file: ctx.file, where: `layer ${layer}` });
    return undefined;
  };
  const addParam = (layer: string, role: ParamSpec['role'], w: WeightTensor, outAxis?: number, key?: string): string => {
    const size = w.values.length;
    const expected = w.shape.reduce((a, b) => a * b, 1);
    if (size !== expected) throw new UserInputError(`weight '${w.name}' has ${size} values but shape (${w.shape.join(', ')})`, { file: ctx.file, where: `layer ${layer}` });
    const name = `${layer}/${key ?? role}`;
    params.push({ name, layer, role, shape: w.shape.slice(), offset, size, outAxis });
    thetaParts.push(w.values);
    offset += size;
    return name;
  };

  // tensor name produced by each layer
  const produced = new Map<string, string>();
  let prev = 'input';
  const inputs: GraphModel['inputs'] = [];

  const inboundOf = (l: KerasLayerConfig): string[] => {
    if (!functional) return [prev];
    const inb = l.inbound_nodes as unknown[] | undefined;
    if (!inb || inb.length === 0) return [];
    const first = inb[0];
    const refs: string[] = [];
    if (Array.isArray(first)) {
      for (const r of first) if (Array.isArray(r) && typeof r[0] === 'string') refs.push(r[0]);
    } else if (first && typeof first === 'object' && Array.isArray((first as { args?: unknown[] }).args)) {
      const walk = (a: unknown): void => {
        if (Array.isArray(a)) a.forEach(walk);
        else if (a && typeof a === 'object') {
          const h = (a as { config?: { keras_history?: unknown[] } }).config?.keras_history;
          if (Array.isArray(h) && typeof h[0] === 'string') refs.push(h[0]);
        }
      };
      walk((first as { args: unknown[] }).args);
    }
    return refs.map(r => {
      const t = produced.get(r);
      if (!t) throw new UserInputError(`layer '${l.config.name}' takes input from '${r}', which is not defined before it`, { file: ctx.file, where: `layer ${String(l.config.name)}` });
      return t;
    });
  };

  layers.forEach((l, idx) => {
    const c = (l.config ?? {}) as Record<string, unknown>;
    const name = String(c.name ?? l.name ?? `layer_${idx}`);
    const where = { file: ctx.file, where: `layer ${name}` };
    const bis = (c.batch_input_shape ?? c.batch_shape) as (number | null)[] | undefined;
    if (l.class_name === 'InputLayer') {
      inputShape = bis ?? [null, ...((c.input_shape as number[]) ?? [])];
      inputs.push({ name: name, shape: inputShape, dtype: 'float32' });
      produced.set(name, name);
      prev = name;
      layerInfo.push({ name, kind: 'InputLayer', params: 0 });
      return;
    }
    if (!functional && idx === 0 && inputs.length === 0) {
      if (!bis) throw new UserInputError('the first layer has no batch_input_shape; cannot infer the input shape', where);
      inputs.push({ name: 'input', shape: bis, dtype: 'float32' });
      prev = 'input';
    }
    const ins = inboundOf(l);
    const out = `${name}:out`;
    const before = offset;
    switch (l.class_name) {
      case 'Dense': {
        const act = normActivation(c.activation, ctx, name);
        const k = addParam(name, 'kernel', findWeight(name, 'kernel', true)!, 1);
        const useBias = c.use_bias !== false;
        const b = useBias ? addParam(name, 'bias', findWeight(name, 'bias', true)!) : undefined;
        nodes.push({ op: 'dense', inputs: b ? [ins[0], k, b] : [ins[0], k], outputs: [out], attrs: { activation: act }, name });
        layerInfo.push({ name, kind: 'Dense', activation: act, units: Number(c.units), params: offset - before });
        lastActivation = act;
        break;
      }
      case 'Activation': {
        const act = normActivation(c.activation, ctx, name);
        nodes.push({ op: 'activation', inputs: [ins[0]], outputs: [out], attrs: { activation: act }, name });
        layerInfo.push({ name, kind: 'Activation', activation: act, params: 0 });
        lastActivation = act;
        break;
      }
      case 'Softmax': case 'ReLU': {
        const act = l.class_name === 'Softmax' ? 'softmax' : 'relu';
        if (l.class_name === 'ReLU' && (c.max_value != null || (c.negative_slope != null && Number(c.negative_slope) !== 0) || (c.threshold != null && Number(c.threshold) !== 0))) {
          throw new UnsupportedError(`ReLU layer '${name}' with max_value/negative_slope/threshold is not supported yet`, where);
        }
        nodes.push({ op: 'activation', inputs: [ins[0]], outputs: [out], attrs: { activation: act }, name });
        layerInfo.push({ name, kind: l.class_name, activation: act, params: 0 });
        lastActivation = act;
        break;
      }
      case 'Dropout': case 'SpatialDropout1D': case 'SpatialDropout2D': case 'GaussianNoise': case 'GaussianDropout': case 'AlphaDropout':
        nodes.push({ op: 'identity', inputs: [ins[0]], outputs: [out], attrs: {}, name });
        layerInfo.push({ name, kind: l.class_name, params: 0 });
        break;
      case 'Flatten':
        nodes.push({ op: 'flatten', inputs: [ins[0]], outputs: [out], attrs: {}, name });
        layerInfo.push({ name, kind: 'Flatten', params: 0 });
        break;
      case 'Add': case 'Subtract': case 'Multiply': case 'Average': case 'Maximum': case 'Minimum': {
        if (l.class_name === 'Maximum' || l.class_name === 'Minimum') throw new UnsupportedError(`layer class '${l.class_name}' (layer '${name}') is not supported yet`, where);
        nodes.push({ op: 'merge', inputs: ins, outputs: [out], attrs: { mode: l.class_name.toLowerCase() }, name });
        layerInfo.push({ name, kind: l.class_name, params: 0 });
        lastActivation = undefined;
        break;
      }
      case 'Concatenate':
        nodes.push({ op: 'concat', inputs: ins, outputs: [out], attrs: { axis: Number(c.axis ?? -1) }, name });
        layerInfo.push({ name, kind: 'Concatenate', params: 0 });
        lastActivation = undefined;
        break;
      case 'BatchNormalization': case 'LayerNormalization': {
        const axis = c.axis;
        const ax = Array.isArray(axis) ? axis : [axis ?? -1];
        if (ax.length !== 1) throw new UnsupportedError(`${l.class_name} '${name}' over axes ${JSON.stringify(axis)}: only the last (channel) axis is supported`, where);
        const bnIns = [ins[0]];
        const g = c.scale !== false ? findWeight(name, 'gamma', true)! : undefined;
        const b = c.center !== false ? findWeight(name, 'beta', true)! : undefined;
        const gName = g ? addParam(name, 'gamma', g) : '';
        const bName = b ? addParam(name, 'beta', b) : '';
        bnIns.push(gName, bName);
        if (l.class_name === 'BatchNormalization') {
          for (const stat of ['moving_mean', 'moving_variance']) {
            const w = findWeight(name, stat, true)!;
            constants.set(`${name}/${stat}`, { shape: w.shape, dtype: 'float32', values: w.values });
            bnIns.push(`${name}/${stat}`);
          }
        }
        nodes.push({ op: l.class_name === 'BatchNormalization' ? 'batchnorm' : 'layernorm', inputs: bnIns, outputs: [out], attrs: { epsilon: Number(c.epsilon ?? 1e-3), axis: Number(ax[0]) }, name });
        layerInfo.push({ name, kind: l.class_name, params: offset - before });
        lastActivation = undefined;
        break;
      }
      case 'Conv1D': case 'Conv2D': case 'DepthwiseConv2D': case 'SeparableConv2D': {
        const act = normActivation(c.activation, ctx, name);
        const rank = l.class_name === 'Conv1D' ? 1 : 2;
        const asList = (v: unknown, d: number): number[] => (v == null ? new Array(rank).fill(d) : Array.isArray(v) ? v.map(Number) : new Array(rank).fill(Number(v)));
        const strides = asList(c.strides, 1), dil = asList(c.dilation_rate, 1);
        if (dil.some(v => v !== 1) && strides.some(v => v !== 1)) throw new UnsupportedError(`${l.class_name} '${name}' with both dilation and strides is not supported (Keras forbids it too)`, where);
        if ((c.data_format ?? 'channels_last') !== 'channels_last') throw new UnsupportedError(`${l.class_name} '${name}' with data_format ${c.data_format}: channels_last only`, where);
        if (Number(c.groups ?? 1) !== 1) throw new UnsupportedError(`${l.class_name} '${name}' with groups ${c.groups} is not supported`, where);
        const padding = String(c.padding ?? 'valid');
        if (padding !== 'valid' && padding !== 'same') throw new UnsupportedError(`${l.class_name} '${name}' with padding '${padding}' is not supported`, where);
        const ins2 = [ins[0]];
        if (l.class_name === 'DepthwiseConv2D') ins2.push(addParam(name, 'kernel', findWeight(name, 'depthwise_kernel', true)!, 2, 'depthwise_kernel'));
        else if (l.class_name === 'SeparableConv2D') { ins2.push(addParam(name, 'kernel', findWeight(name, 'depthwise_kernel', true)!, 2, 'depthwise_kernel')); ins2.push(addParam(name, 'kernel', findWeight(name, 'pointwise_kernel', true)!, 3, 'pointwise_kernel')); }
        else ins2.push(addParam(name, 'kernel', findWeight(name, 'kernel', true)!, rank + 1));
        if (c.use_bias !== false) ins2.push(addParam(name, 'bias', findWeight(name, 'bias', true)!));
        const op = { Conv1D: 'conv1d', Conv2D: 'conv2d', DepthwiseConv2D: 'depthwiseconv2d', SeparableConv2D: 'separableconv2d' }[l.class_name]!;
        nodes.push({ op, inputs: ins2, outputs: [out], attrs: { padding, activation: act, strides, dilation: dil }, name });
        layerInfo.push({ name, kind: l.class_name, activation: act, units: Number(c.filters ?? 0) || undefined, params: offset - before });
        lastActivation = act;
        break;
      }
      case 'SpecialNeurons': {
        // Kawaguchi & Kaelbling (2020) special neurons: inputs [network input, pre-activation outputs]
        if (ins.length !== 2) throw new UserInputError(`SpecialNeurons layer '${name}' needs 2 inputs (the network input and the outputs), found ${ins.length}`, where);
        const w = addParam(name, 'kernel', findWeight(name, 'kernel', true)!, 1);
        const b = addParam(name, 'bias', findWeight(name, 'bias', true)!);
        const a = addParam(name, 'other', findWeight(name, 'a', true)!, undefined, 'a');
        const lambda = Number(c.lambda ?? 0);
        if (!(lambda >= 0)) throw new UserInputError(`SpecialNeurons layer '${name}': lambda must be ≥ 0, got ${String(c.lambda)}`, where);
        nodes.push({ op: 'specialNeurons', inputs: [ins[0], ins[1], w, b, a], outputs: [out], attrs: {}, name });
        layerInfo.push({ name, kind: 'SpecialNeurons', units: Number(c.units), params: offset - before });
        special = { a, w, b, lambda, node: name };
        lastActivation = undefined;
        break;
      }
      case 'Permute':
        nodes.push({ op: 'permute', inputs: [ins[0]], outputs: [out], attrs: { dims: c.dims }, name });
        layerInfo.push({ name, kind: 'Permute', params: 0 });
        break;
      case 'Embedding': {
        const e = addParam(name, 'embedding', findWeight(name, 'embeddings', true)!);
        nodes.push({ op: 'embedding', inputs: [ins[0], e], outputs: [out], attrs: {}, name });
        layerInfo.push({ name, kind: 'Embedding', units: Number(c.output_dim), params: offset - before });
        lastActivation = undefined;
        break;
      }
      case 'MaxPooling2D': case 'AveragePooling2D': {
        const ps = (c.pool_size as number[] | number | undefined) ?? [2, 2];
        const pool = Array.isArray(ps) ? ps.map(Number) : [Number(ps), Number(ps)];
        const st = c.strides == null ? pool : Array.isArray(c.strides) ? (c.strides as number[]).map(Number) : [Number(c.strides), Number(c.strides)];
        const padding = String(c.padding ?? 'valid');
        if (padding !== 'valid' && padding !== 'same') throw new UnsupportedError(`${l.class_name} '${name}' with padding '${padding}'`, where);
        nodes.push({ op: 'pool2d', inputs: [ins[0]], outputs: [out], attrs: { kind: l.class_name === 'MaxPooling2D' ? 'max' : 'avg', pool, strides: st, padding }, name });
        layerInfo.push({ name, kind: l.class_name, params: 0 });
        break;
      }
      case 'MaxPooling1D': case 'AveragePooling1D': {
        const k = Array.isArray(c.pool_size) ? Number((c.pool_size as number[])[0]) : Number(c.pool_size ?? 2);
        const st = c.strides == null ? k : Array.isArray(c.strides) ? Number((c.strides as number[])[0]) : Number(c.strides);
        if (st !== k) throw new UnsupportedError(`${l.class_name} '${name}' with strides ${st} ≠ pool size ${k}: only non-overlapping windows are supported`, where);
        if (String(c.padding ?? 'valid') !== 'valid') throw new UnsupportedError(`${l.class_name} '${name}' with padding '${c.padding}': only 'valid'`, where);
        nodes.push({ op: 'pool1d', inputs: [ins[0]], outputs: [out], attrs: { kind: l.class_name === 'MaxPooling1D' ? 'max' : 'avg', pool: k }, name });
        layerInfo.push({ name, kind: l.class_name, params: 0 });
        break;
      }
      case 'GlobalAveragePooling1D': case 'GlobalMaxPooling1D':
        nodes.push({ op: 'globalpool1d', inputs: [ins[0]], outputs: [out], attrs: { kind: l.class_name === 'GlobalMaxPooling1D' ? 'max' : 'avg', keepdims: Boolean(c.keepdims) }, name });
        layerInfo.push({ name, kind: l.class_name, params: 0 });
        break;
      case 'UpSampling2D': {
        if (String(c.interpolation ?? 'nearest') !== 'nearest') throw new UnsupportedError(`UpSampling2D '${name}' with interpolation '${c.interpolation}': only 'nearest'`, where);
        const sz = c.size ?? [2, 2];
        const size = Array.isArray(sz) ? (sz as number[]).map(Number) : [Number(sz), Number(sz)];
        nodes.push({ op: 'upsample2d', inputs: [ins[0]], outputs: [out], attrs: { size }, name });
        layerInfo.push({ name, kind: 'UpSampling2D', params: 0 });
        break;
      }
      case 'GlobalAveragePooling2D': case 'GlobalMaxPooling2D':
        nodes.push({ op: 'globalpool2d', inputs: [ins[0]], outputs: [out], attrs: { kind: l.class_name === 'GlobalMaxPooling2D' ? 'max' : 'avg', keepdims: Boolean(c.keepdims) }, name });
        layerInfo.push({ name, kind: l.class_name, params: 0 });
        break;
      case 'Reshape':
        nodes.push({ op: 'reshape', inputs: [ins[0]], outputs: [out], attrs: { shape: c.target_shape }, name });
        layerInfo.push({ name, kind: 'Reshape', params: 0 });
        break;
      case 'ZeroPadding2D': {
        const p0 = c.padding ?? [[1, 1], [1, 1]];
        const pads = typeof p0 === 'number' ? [[p0, p0], [p0, p0]] : (p0 as unknown[]).map(v => (Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)]));
        nodes.push({ op: 'zeropad2d', inputs: [ins[0]], outputs: [out], attrs: { pads }, name });
        layerInfo.push({ name, kind: 'ZeroPadding2D', params: 0 });
        break;
      }
      default:
        throw new UnsupportedError(`layer class '${l.class_name}' (layer '${name}') is not supported yet`, where);
    }
    produced.set(name, out);
    prev = out;
  });

  let outputs: string[];
  if (functional) {
    const ol = (cfg as { output_layers?: unknown[] }).output_layers;
    const names: string[] = Array.isArray(ol) ? (Array.isArray(ol[0]) ? (ol as unknown[][]).map(o => String(o[0])) : [String(ol[0])]) : [];
    outputs = names.map(n => produced.get(n) ?? n);
    if (outputs.length !== 1) throw new UnsupportedError(`models with ${outputs.length} outputs are not supported (expected 1)`, { file: ctx.file, where: 'config.output_layers' });
  } else outputs = [prev];
  const unused = [...weights.keys()].filter(k => !used.has(k));
  const notices: string[] = [];
  if (unused.length) notices.push(`weights not used by any supported layer: ${unused.join(', ')}`);
  const theta = new Float32Array(offset);
  let o = 0; for (const p of thetaParts) { theta.set(p, o); o += p.length; }
  let nonFinite = 0; for (let i = 0; i < theta.length; i++) if (!Number.isFinite(theta[i])) nonFinite++;
  if (nonFinite) notices.push(`${nonFinite} weights are NaN or Inf`);
  return { format: ctx.format, inputs, outputs, params, numParams: offset, theta, constants, nodes, outputActivation: lastActivation, layers: layerInfo, notices, ...(special ? { specialNeurons: special, penalty: [{ param: special.a, lambda: special.lambda }] } : {}) };
}
