/**
 * Keras model config (as stored in TF.js model.json `modelTopology`, Keras .keras
 * `config.json` and legacy .h5 `model_config`) → GraphModel.
 * Sequential: `config.layers` (or a bare list, Keras 2.0) applied in order.
 * Functional: `config.layers[].inbound_nodes` wiring, `input_layers` / `output_layers`.
 * Each supported layer class maps to internal ops (src/core/model/ops) by its builder in the
 * table `KERAS_LAYERS` (kerasLayers.ts); trainable weights become slices of θ in layer order,
 * non-trainable ones become constants.
 */
import { UnsupportedError, UserInputError } from '../errors';
import type { GraphModel, GraphNode } from '../model/graph';
import { KERAS_LAYERS, KerasWeights, SUPPORTED_ACTIVATIONS, type WeightTensor } from './kerasLayers';

export type { WeightTensor };
export { SUPPORTED_ACTIVATIONS };
export interface KerasLayerConfig {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown[];
}

interface Ctx {
  file: string;
  format: string;
}

/** Structural check of a model config before it is interpreted (mutated or hand-edited files). */
export function checkKerasConfig(
  cfg: unknown,
  file: string,
  where: string,
): asserts cfg is { class_name: string; config: { layers: KerasLayerConfig[] } } {
  const c = cfg as { class_name?: unknown; config?: { layers?: unknown } } | null;
  if (!c || typeof c !== 'object' || typeof c.class_name !== 'string')
    throw new UserInputError('model config has no class_name', { file, where });
  const layers = Array.isArray(c.config) ? c.config : c.config && typeof c.config === 'object' ? c.config.layers : undefined;
  if (!Array.isArray(layers)) throw new UserInputError('model config has no layer list', { file, where: `${where}.config.layers` });
  layers.forEach((l, i) => {
    if (!l || typeof l !== 'object' || typeof (l as { class_name?: unknown }).class_name !== 'string')
      throw new UserInputError(`layer ${i} has no class_name`, { file, where: `${where}.config.layers[${i}]` });
    const lc = (l as { config?: unknown }).config;
    if (lc !== undefined && (lc === null || typeof lc !== 'object'))
      throw new UserInputError(`layer ${i} has a config that is not an object`, { file, where: `${where}.config.layers[${i}]` });
  });
}

export function buildKerasGraph(model: { class_name: string; config: unknown }, weights: Map<string, WeightTensor>, ctx: Ctx): GraphModel {
  checkKerasConfig(model, ctx.file, 'model config');
  try {
    return buildKerasGraphUnchecked(model, weights, ctx);
  } catch (e) {
    // a config that passed the structural check can still hold wrongly typed fields
    if (e instanceof TypeError || e instanceof RangeError)
      throw new UserInputError(`malformed model config: ${e.message}`, { file: ctx.file, where: 'model config' });
    throw e;
  }
}

function buildKerasGraphUnchecked(
  model: { class_name: string; config: unknown },
  weights: Map<string, WeightTensor>,
  ctx: Ctx,
): GraphModel {
  const cls = model.class_name;
  const cfg = model.config as Record<string, unknown> | unknown[];
  let layers: KerasLayerConfig[];
  let functional = false;
  if (cls === 'Sequential') layers = (Array.isArray(cfg) ? cfg : (cfg as { layers: KerasLayerConfig[] }).layers) as KerasLayerConfig[];
  else if (cls === 'Functional' || cls === 'Model') {
    layers = (cfg as { layers: KerasLayerConfig[] }).layers;
    functional = true;
  } else
    throw new UnsupportedError(`model class '${cls}' is not supported (expected Sequential, Functional or Model)`, {
      file: ctx.file,
      where: 'modelTopology.class_name',
    });
  if (!Array.isArray(layers)) throw new UserInputError('model config has no layer list', { file: ctx.file, where: 'config.layers' });
  if (!layers.some(l => l && typeof l === 'object' && l.class_name !== 'InputLayer'))
    throw new UserInputError(`the ${cls} model has no layers; there is nothing to diagnose`, { file: ctx.file, where: 'config.layers' });

  const w = new KerasWeights(weights, ctx);
  const nodes: GraphNode[] = [];
  const layerInfo: GraphModel['layers'] = [];
  let inputShape: (number | null)[] | undefined;
  let lastActivation: string | undefined;

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
      if (!t)
        throw new UserInputError(`layer '${l.config.name}' takes input from '${r}', which is not defined before it`, {
          file: ctx.file,
          where: `layer ${String(l.config.name)}`,
        });
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
    const before = w.offset;
    const build = KERAS_LAYERS.get(l.class_name);
    if (!build) throw new UnsupportedError(`layer class '${l.class_name}' (layer '${name}') is not supported yet`, where);
    const r = build({ cls: l.class_name, name, config: c, ins, where, ctx, w });
    nodes.push({ op: r.op, inputs: r.inputs, outputs: [out], attrs: r.attrs, name });
    layerInfo.push({ name, kind: l.class_name, ...r.info, params: w.offset - before });
    if (r.outputActivation !== undefined) lastActivation = r.outputActivation ?? undefined;
    produced.set(name, out);
    prev = out;
  });

  let outputs: string[];
  if (functional) {
    const ol = (cfg as { output_layers?: unknown[] }).output_layers;
    const names: string[] = Array.isArray(ol) ? (Array.isArray(ol[0]) ? (ol as unknown[][]).map(o => String(o[0])) : [String(ol[0])]) : [];
    outputs = names.map(n => produced.get(n) ?? n);
    if (outputs.length !== 1)
      throw new UnsupportedError(`models with ${outputs.length} outputs are not supported (expected 1)`, {
        file: ctx.file,
        where: 'config.output_layers',
      });
  } else outputs = [prev];
  const unused = [...weights.keys()].filter(k => !w.used.has(k));
  const notices: string[] = [];
  if (unused.length) notices.push(`weights not used by any supported layer: ${unused.join(', ')}`);
  const theta = new Float32Array(w.offset);
  let o = 0;
  for (const p of w.thetaParts) {
    theta.set(p, o);
    o += p.length;
  }
  let nonFinite = 0;
  for (let i = 0; i < theta.length; i++) if (!Number.isFinite(theta[i])) nonFinite++;
  if (nonFinite) notices.push(`${nonFinite} weights are NaN or Inf`);
  const special = w.special;
  return {
    format: ctx.format,
    inputs,
    outputs,
    params: w.params,
    numParams: w.offset,
    theta,
    constants: w.constants,
    nodes,
    outputActivation: lastActivation,
    layers: layerInfo,
    notices,
    ...(special ? { specialNeurons: special, penalty: [{ param: special.a, lambda: special.lambda }] } : {}),
  };
}
