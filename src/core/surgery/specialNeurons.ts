/**
 * Special neurons (Kawaguchi & Kaelbling, "Elimination of all bad local minima in deep learning",
 * AISTATS 2020). For every output unit k one neuron fed by the flattened network input is added to
 * the pre-activation output:
 *     f̃_k(x) = f_k(x; θ) + a_k · exp(w_kᵀ vec(x) + b_k),   L̃(θ, a, w, b) = L(f̃) + (λ/2) Σ_k a_k²
 * (when the network ends in softmax/sigmoid, f are its logits and the activation is applied after
 * the sum). The paper's theorem (losses convex and differentiable in the outputs — squared error,
 * cross-entropy, logistic; λ > 0; any architecture f): at every local minimum of L̃, a_k = 0 for all
 * k and θ is a global minimum of L. Note: where L has no global minimum reachable by θ (a network that
 * cannot fit the data), L̃ has no local minimum at all — training drives a → 0 while b or w grow.
 *
 * Initialisation a = w = b = 0 (so the outputs equal the original's exactly: a·exp(0) = 0).
 * Written as: TF.js layers — a functional model with a `SpecialNeurons` layer (config {units, lambda};
 * weights <name>/kernel [D, K], <name>/bias [K], <name>/a [K]; inputs [network input, outputs]) that
 * kerasConfig.ts reads; ONNX — standard nodes Flatten, MatMul, Add, Exp, Mul, Add before the final
 * Softmax/Sigmoid, with λ and the initializer names in metadata_props (onnx.ts reads them). Both
 * readers set GraphModel.penalty, so every diagnostic's loss includes (λ/2)‖a‖².
 */
import * as tf from '@tensorflow/tfjs-core';
import { readCheckpoint, detectFormat } from '../formats';
import { decodeOnnxModel, SPECIAL_NEURONS_KEY } from '../formats/onnx';
import {
  planWrite,
  defaultOutput,
  writeTfjsLayers,
  readModelJson,
  writeOnnx,
  onnxNode,
  onnxFloatTensor,
  WritePlan,
} from '../formats/writers';
import type { GraphModel, ParamSpec } from '../model/graph';
import { forward } from '../model/execute';
import { UnsupportedError, UserInputError } from '../errors';
import { Rng } from '../rng';
import * as path from 'path';
import { readRegularFile } from '../safeFs';

export const DEFAULT_LAMBDA = 0.01;

export interface AddSpecialOptions {
  lambda?: number;
  out?: string;
}
export interface AddSpecialResult {
  checkpoint: string;
  outFile: string;
  files: string[];
  format: string;
  /** Why this format was written. */
  reason: string;
  lambda: number;
  /** K special neurons (one per output unit), each over D flattened inputs. */
  units: number;
  inputDim: number;
  addedParams: number;
  /** max |f̃ − f| over seeded random inputs, read back from the written file (0 at a = w = b = 0). */
  check: { maxAbsDiff: number; inputs: number };
  notices: string[];
}

const prod = (a: number[]): number => a.reduce((p, q) => p * q, 1);

/** Static per-sample input shape of the model (error for unknown dimensions). */
function inputShape(model: GraphModel, file: string): number[] {
  const s = model.inputs[0]?.shape.slice(1) ?? [];
  if (s.length === 0 || s.some(d => d === null || d === undefined || d < 0))
    throw new UserInputError(
      `the model's input shape (${(model.inputs[0]?.shape ?? []).map(d => d ?? '?').join('×')}) ` +
        `is not static; special neurons need the flattened input size`,
      { file },
    );
  return s as number[];
}

/** Number of outputs per sample (forward pass on one zero input). */
function outputSize(model: GraphModel, inShape: number[]): number {
  return tf.tidy(() => prod(forward(model, tf.tensor1d(model.theta), tf.zeros([1, ...inShape])).shape.slice(1)));
}

/** Flattened input size D and outputs per sample K of a model (a forward pass; needs a backend). */
export function modelDims(model: GraphModel, file: string): { D: number; K: number } {
  const s = inputShape(model, file);
  return { D: prod(s), K: outputSize(model, s) };
}

const FOLDABLE = new Set(['softmax', 'sigmoid']);
type KLayer = { class_name: string; config: Record<string, unknown>; name?: string; inbound_nodes?: unknown[] };

/** The TF.js/Keras model config with a SpecialNeurons layer before the final softmax/sigmoid (Sequential becomes Functional). */
export function augmentKerasTopology(
  topology: unknown,
  o: { units: number; lambda: number; file: string },
): { topology: unknown; layerName: string } {
  const topo = JSON.parse(JSON.stringify(topology)) as Record<string, unknown>;
  const wrapped = 'model_config' in topo;
  const mc = (wrapped ? topo.model_config : topo) as { class_name: string; config: unknown };
  const where = { file: o.file, where: 'modelTopology' };
  let layers: KLayer[];
  let inputName: string, outputName: string;
  const cfg = mc.config as Record<string, unknown>;
  const names = new Set<string>();
  const allLayers = (Array.isArray(cfg) ? cfg : (cfg.layers as KLayer[])) ?? [];
  for (const l of allLayers) names.add(String(l.config?.name ?? l.name));
  const unique = (base: string): string => {
    let n = base,
      i = 1;
    while (names.has(n)) n = `${base}_${++i}`;
    names.add(n);
    return n;
  };
  if (mc.class_name === 'Sequential') {
    const ls = allLayers;
    layers = [];
    let prev: string;
    let rest = ls;
    if (ls[0]?.class_name === 'InputLayer') {
      prev = String(ls[0].config.name);
      layers.push({ ...ls[0], name: prev, inbound_nodes: [] });
      rest = ls.slice(1);
    } else {
      const bis = ls[0]?.config.batch_input_shape ?? ls[0]?.config.batch_shape;
      if (!bis) throw new UserInputError('the first layer has no batch_input_shape', where);
      prev = unique('input_1');
      layers.push({
        class_name: 'InputLayer',
        name: prev,
        config: { batch_input_shape: bis, dtype: 'float32', sparse: false, name: prev },
        inbound_nodes: [],
      });
    }
    inputName = prev;
    for (const l0 of rest) {
      const { batch_input_shape: _b, batch_shape: _s, input_shape: _i, ...c } = l0.config;
      const name = String(c.name);
      layers.push({ class_name: l0.class_name, config: c, name, inbound_nodes: [[[prev, 0, 0, {}]]] });
      prev = name;
    }
    outputName = prev;
  } else if (mc.class_name === 'Functional' || mc.class_name === 'Model') {
    layers = allLayers;
    const il = cfg.input_layers as unknown[][],
      ol = cfg.output_layers as unknown[][];
    if (!Array.isArray(il) || il.length !== 1 || !Array.isArray(ol) || ol.length !== 1)
      throw new UnsupportedError('special neurons need a model with exactly one input and one output', where);
    inputName = String(Array.isArray(il[0]) ? il[0][0] : il[0]);
    outputName = String(Array.isArray(ol[0]) ? ol[0][0] : ol[0]);
  } else throw new UnsupportedError(`model class '${mc.class_name}' (expected Sequential or Functional)`, where);

  const sn = unique('special_neurons');
  const ref = (n: string) => [n, 0, 0, {}];
  const snLayer = (pre: string): KLayer => ({
    class_name: 'SpecialNeurons',
    name: sn,
    config: { name: sn, units: o.units, lambda: o.lambda, trainable: true, dtype: 'float32' },
    inbound_nodes: [[ref(inputName), ref(pre)]],
  });
  const li = layers.findIndex(l => String(l.config?.name ?? l.name) === outputName);
  const L = layers[li];
  if (!L) throw new UserInputError(`output layer '${outputName}' not found`, where);
  const act = (l: KLayer): string | undefined =>
    l.class_name === 'Softmax' ? 'softmax' : typeof l.config.activation === 'string' ? l.config.activation : undefined;
  let finalOut: string;
  if ((L.class_name === 'Activation' || L.class_name === 'Softmax') && FOLDABLE.has(act(L) ?? '')) {
    const inb = L.inbound_nodes?.[0];
    const pre = Array.isArray(inb) && Array.isArray(inb[0]) ? String(inb[0][0]) : undefined;
    if (!pre)
      throw new UnsupportedError(
        `cannot read the inbound layer of '${outputName}' (Keras 3 node format); convert with TF.js or export ONNX`,
        where,
      );
    layers.splice(li, 0, snLayer(pre));
    L.inbound_nodes = [[ref(sn)]];
    finalOut = outputName;
  } else if (FOLDABLE.has(act(L) ?? '')) {
    const a = act(L)!;
    L.config = { ...L.config, activation: 'linear' };
    const actName = unique(`${sn}_activation`);
    layers.push(snLayer(outputName));
    layers.push({
      class_name: 'Activation',
      name: actName,
      config: { name: actName, activation: a, trainable: true, dtype: 'float32' },
      inbound_nodes: [[ref(sn)]],
    });
    finalOut = actName;
  } else {
    layers.push(snLayer(outputName));
    finalOut = sn;
  }
  const fcfg = {
    name: String((cfg as { name?: unknown }).name ?? 'model'),
    layers,
    input_layers: [[inputName, 0, 0]],
    output_layers: [[finalOut, 0, 0]],
  };
  const newMc = { class_name: 'Functional', config: fcfg };
  if (wrapped) return { topology: { ...topo, model_config: newMc }, layerName: sn };
  return { topology: { ...topo, ...newMc }, layerName: sn };
}

/** The model with three parameters appended (W [D, K], b [K], a [K], zeros); used by the TF.js writer. */
function appendParams(model: GraphModel, layer: string, D: number, K: number): { model: GraphModel; theta: Float32Array } {
  const specs: [string, ParamSpec['role'], number[], number | undefined][] = [
    [`${layer}/kernel`, 'kernel', [D, K], 1],
    [`${layer}/bias`, 'bias', [K], undefined],
    [`${layer}/a`, 'other', [K], undefined],
  ];
  let offset = model.numParams;
  const params = model.params.slice();
  for (const [name, role, shape, outAxis] of specs) {
    const size = prod(shape);
    params.push({ name, layer, role, shape, offset, size, outAxis });
    offset += size;
  }
  const theta = new Float32Array(offset);
  theta.set(model.theta);
  return { model: { ...model, params, numParams: offset, theta }, theta };
}

function writeAugmentedOnnx(
  plan: WritePlan,
  model: GraphModel,
  out: string,
  D: number,
  K: number,
  lambda: number,
  inputs: string[],
): string[] {
  const mp = decodeOnnxModel(new Uint8Array(readRegularFile(plan.source, { what: 'checkpoint' })), plan.source);
  const g = mp.graph!;
  const nodes = g.node ?? [];
  const used = new Set<string>([
    ...(g.initializer ?? []).map(t => t.name ?? ''),
    ...nodes.flatMap(n => [...(n.output ?? []), n.name ?? '']),
  ]);
  const uniq = (b: string): string => {
    let n = b,
      i = 1;
    while (used.has(n)) n = `${b}_${++i}`;
    used.add(n);
    return n;
  };
  const inits = new Set((g.initializer ?? []).map(t => t.name));
  const x = (g.input ?? []).map(i => i.name).find(n => !inits.has(n));
  const y = g.output?.[0]?.name;
  if (!x || !y) throw new UserInputError('the ONNX graph has no input or output', { file: plan.source });
  const fi = nodes.findIndex(n => n.output?.includes(y));
  if (fi < 0) throw new UserInputError(`no node produces the output '${y}'`, { file: plan.source });
  const final = nodes[fi];
  const p = 'special_neurons';
  const [wN, bN, aN] = [uniq(`${p}.w`), uniq(`${p}.b`), uniq(`${p}.a`)];
  const [flat, z, zb, e, ae, sum] = ['flat', 'z', 'zb', 'exp', 'a_exp', 'out'].map(s => uniq(`${p}/${s}`));
  let pre: string, insertBefore: number, rename: { node: number; field: 1 | 2; from: string; to: string }, target: string;
  if (final.opType === 'Softmax' || final.opType === 'Sigmoid') {
    pre = final.input![0];
    target = sum;
    insertBefore = fi;
    rename = { node: fi, field: 1, from: pre, to: sum };
  } else {
    pre = uniq(`${y}_before_special_neurons`);
    target = y;
    insertBefore = fi + 1;
    rename = { node: fi, field: 2, from: y, to: pre };
  }
  const newNodes = [
    onnxNode('Flatten', [x], [flat], uniq(`${p}/Flatten`), { axis: 1 }),
    onnxNode('MatMul', [flat, wN], [z], uniq(`${p}/MatMul`)),
    onnxNode('Add', [z, bN], [zb], uniq(`${p}/AddBias`)),
    onnxNode('Exp', [zb], [e], uniq(`${p}/Exp`)),
    onnxNode('Mul', [e, aN], [ae], uniq(`${p}/Mul`)),
    onnxNode('Add', [pre, ae], [target], uniq(`${p}/Add`)),
  ];
  const newInits = [
    onnxFloatTensor(wN, [D, K], new Float32Array(D * K)),
    onnxFloatTensor(bN, [K], new Float32Array(K)),
    onnxFloatTensor(aN, [K], new Float32Array(K)),
  ];
  const meta: [string, string][] = [
    [SPECIAL_NEURONS_KEY, JSON.stringify({ lambda, a: aN, w: wN, b: bN, node: p, paper: 'Kawaguchi & Kaelbling, AISTATS 2020' })],
  ];
  for (const f of inputs)
    if (path.resolve(f) === path.resolve(out)) throw new UserInputError('the output would replace an input file; refused', { file: out });
  return writeOnnx(plan.source, model, model.theta, out, { insertBefore, nodes: newNodes, initializers: newInits, rename, metadata: meta });
}

/** Write a new checkpoint with special neurons (a = w = b = 0) beside `checkpoint`. Needs an initialised TF.js backend. */
export function addSpecialNeurons(checkpoint: string, o: AddSpecialOptions = {}): AddSpecialResult {
  const lambda = o.lambda ?? DEFAULT_LAMBDA;
  if (!(lambda > 0) || !Number.isFinite(lambda))
    throw new UserInputError(`lambda must be a positive number, got ${o.lambda}`, { where: '--lambda' });
  const model = readCheckpoint(checkpoint);
  if (model.specialNeurons)
    throw new UserInputError(
      `the model already has special neurons (layer '${model.specialNeurons.node}', λ = ${model.specialNeurons.lambda})`,
      { file: checkpoint },
    );
  const plan = planWrite(checkpoint, true);
  const inShape = inputShape(model, checkpoint);
  const D = prod(inShape),
    K = outputSize(model, inShape);
  const out = o.out ?? defaultOutput(checkpoint, plan, 'special');
  const inputs = [checkpoint, plan.source];
  let files: string[];
  if (plan.format === 'tfjs-layers') {
    const j = readModelJson(plan.source);
    const { modelTopology, weightsManifest: _w, ...base } = j;
    const aug = augmentKerasTopology(modelTopology, { units: K, lambda, file: plan.source });
    const m2 = appendParams(model, aug.layerName, D, K);
    files = writeTfjsLayers({
      topology: aug.topology,
      model: m2.model,
      theta: m2.theta,
      out,
      base: {
        ...base,
        userDefinedMetadata: {
          ...((base.userDefinedMetadata as object) ?? {}),
          specialNeurons: { lambda, layer: aug.layerName, paper: 'Kawaguchi & Kaelbling, AISTATS 2020' },
        },
      },
      inputs,
    });
  } else if (plan.format === 'onnx') {
    files = writeAugmentedOnnx(plan, model, out, D, K, lambda, inputs);
  } else throw new UnsupportedError('internal: no architecture writer', { file: checkpoint });
  // read back and compare outputs on seeded random inputs
  const aug = readCheckpoint(out);
  const rng = new Rng(0),
    n = 8;
  const xs = Float32Array.from({ length: n * D }, () => rng.normal());
  const maxAbsDiff = tf.tidy(() => {
    const x = tf.tensor(xs, [n, ...inShape]);
    const a = forward(model, tf.tensor1d(model.theta), x),
      b = forward(aug, tf.tensor1d(aug.theta), x);
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  });
  const notices: string[] = [];
  if (detectFormat(checkpoint) !== plan.format) notices.push(`written as ${plan.format}: ${plan.reason}`);
  if (plan.format === 'tfjs-layers')
    notices.push("TF.js runtime: register the SpecialNeurons layer class before tf.loadLayersModel (see 'Copy code', TF.js snippet)");
  return {
    checkpoint,
    outFile: out,
    files,
    format: plan.format,
    reason: plan.reason,
    lambda,
    units: K,
    inputDim: D,
    addedParams: D * K + 2 * K,
    check: { maxAbsDiff, inputs: n },
    notices,
  };
}

/**
 * The same construction in memory (no file): a copy of `model` with the SpecialNeurons node before
 * its final softmax/sigmoid (or after its output) and parameters W, b, a (zeros) appended to θ.
 */
export function augmentGraphModel(model: GraphModel, lambda: number, outputs: number): GraphModel {
  const inShape = inputShape(model, 'model');
  const D = prod(inShape),
    K = outputs;
  const layer = 'special_neurons';
  const { model: m, theta } = appendParams(model, layer, D, K);
  const nodes = m.nodes.slice();
  const y = model.outputs[0];
  const fi = nodes.findIndex(n => n.outputs.includes(y));
  const fin = nodes[fi];
  const act = String(fin.attrs.activation ?? '');
  const [w, b, a] = [`${layer}/kernel`, `${layer}/bias`, `${layer}/a`];
  let out = y;
  if (FOLDABLE.has(act)) {
    const pre = `${y}:pre`;
    if (fin.op === 'activation') {
      nodes.splice(fi, 0, {
        op: 'specialNeurons',
        inputs: [model.inputs[0].name, fin.inputs[0], w, b, a],
        outputs: [pre],
        attrs: {},
        name: layer,
      });
      nodes[fi + 1] = { ...fin, inputs: [pre] };
    } else {
      const lin = `${y}:linear`;
      nodes[fi] = { ...fin, outputs: [lin], attrs: { ...fin.attrs, activation: 'linear' } };
      nodes.splice(
        fi + 1,
        0,
        { op: 'specialNeurons', inputs: [model.inputs[0].name, lin, w, b, a], outputs: [pre], attrs: {}, name: layer },
        { op: 'activation', inputs: [pre], outputs: [y], attrs: { activation: act }, name: `${layer}_activation` },
      );
    }
  } else {
    out = `${y}:special`;
    nodes.splice(fi + 1, 0, { op: 'specialNeurons', inputs: [model.inputs[0].name, y, w, b, a], outputs: [out], attrs: {}, name: layer });
  }
  return {
    ...m,
    theta,
    nodes,
    outputs: [out],
    specialNeurons: { a, w, b, lambda, node: layer },
    penalty: [{ param: a, lambda }],
    layers: [...m.layers, { name: layer, kind: 'SpecialNeurons', units: K, params: D * K + 2 * K }],
  };
}
