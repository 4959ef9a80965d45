/**
 * ONNX reader (what PyTorch users export with torch.onnx.export): the ModelProto is decoded with
 * protobufjs from the subset of onnx.proto below (field numbers from onnx/onnx.proto, IR ≥ 3).
 * Initializers that feed a trainable input slot (Gemm B/C, MatMul, Conv W/B, BatchNormalization
 * scale/B, LayerNormalization scale/B, and a float initializer added to / multiplied with an
 * activation) are the parameters θ, also when they reach the slot through value-preserving ops
 * (Identity, Transpose, Reshape, float Cast, Squeeze, Unsqueeze, Flatten: a bias-free nn.Linear
 * exported without constant folding reads `Transpose(fc.weight)`); all other initializers and
 * Constant nodes are constants. torch.onnx.export merges equal-valued tensors into one initializer
 * reached through `Identity → <PyTorch name>` nodes (at initialisation: zero biases, BatchNorm
 * weight 1 / running var 1 / bias 0 / mean 0); those are untied (each name its own tensor), and a
 * BatchNormalization running statistic is never a parameter, whatever tensor stores it.
 * External-data tensors are read from files next to the model (paths that leave its folder are
 * refused). Layout stays NCHW as exported; convolutions transpose to TF.js's NHWC internally.
 * Nothing in the file is executed: the graph is rebuilt from an allow-list of ops, and an
 * unsupported op is an error naming the op, the node and the opset.
 */
import * as fs from 'fs';
import * as path from 'path';
import { modelProtoType } from './onnxSchema';
import { UserInputError, UnsupportedError } from '../errors';
import { halfToFloat32 } from '../data/npy';
import { openContained, readAt, readRegularFile } from '../safeFs';
import type { GraphModel, GraphNode, ParamSpec } from '../model/graph';
import { validateOnnxGraph } from './onnxValidate';
import { onnxLayerName } from './moduleNames';
import { ONNX_OP_TYPES } from '../model/onnxOps';

type Long = { toNumber(): number };
const num = (v: unknown): number =>
  typeof v === 'number' ? v : v && typeof (v as Long).toNumber === 'function' ? (v as Long).toNumber() : Number(v ?? 0);

interface TensorP {
  dims?: unknown[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: unknown[];
  name?: string;
  rawData?: Uint8Array;
  doubleData?: number[];
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
}
interface AttrP {
  name: string;
  type?: number;
  f?: number;
  i?: unknown;
  s?: Uint8Array;
  t?: TensorP;
  floats?: number[];
  ints?: unknown[];
  strings?: Uint8Array[];
}
interface NodeP {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  attribute?: AttrP[];
  domain?: string;
}
interface ModelP {
  metadataProps?: { key: string; value: string }[];
  irVersion?: unknown;
  producerName?: string;
  producerVersion?: string;
  opsetImport?: { domain?: string; version?: unknown }[];
  graph?: {
    node?: NodeP[];
    name?: string;
    initializer?: TensorP[];
    input?: {
      name: string;
      type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } };
    }[];
    output?: { name: string }[];
  };
}

export interface OnnxTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
  dataType: number;
}

const DT: Record<number, string> = {
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
};

export function decodeOnnxModel(buf: Uint8Array, file: string): ModelP {
  if (buf.length < 2) throw new UserInputError(`file is ${buf.length} bytes; not an ONNX model`, { file });
  try {
    return modelProtoType().decode(buf) as unknown as ModelP;
  } catch (e) {
    throw new UserInputError(`not an ONNX ModelProto: ${(e as Error).message}`, { file });
  }
}

export function tensorFromProto(t: TensorP, file: string, modelDir: string): OnnxTensor {
  const name = t.name ?? '';
  const shape = (t.dims ?? []).map(num);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count < 0)
    throw new UserInputError(`tensor '${name}': bad dims (${shape.join(', ')})`, { file, where: `initializer '${name}'` });
  const dt = t.dataType ?? 0;
  let raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  if (t.dataLocation === 1) {
    const kv = Object.fromEntries((t.externalData ?? []).map(e => [e.key, e.value]));
    if (!kv.location)
      throw new UserInputError(`tensor '${name}': external data without a location`, { file, where: `initializer '${name}'` });
    // contained in the model's real folder (symlinks resolved), a regular file, opened without blocking
    const { fd, size } = openContained(modelDir, kv.location, `tensor '${name}': external data`, {
      file,
      where: `initializer '${name}'`,
      folderLabel: "the model's folder",
    });
    try {
      const offset = Number(kv.offset ?? 0),
        length = kv.length !== undefined ? Number(kv.length) : size - offset;
      if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size))
        throw new UserInputError(
          `tensor '${name}': external data range [${offset}, ${offset + length}) is outside '${kv.location}' (${size} bytes)`,
          { file, where: `initializer '${name}'` },
        );
      raw = readAt(fd, offset, length);
    } finally {
      fs.closeSync(fd);
    }
  }
  const need = (bytes: number): Uint8Array => {
    if (!raw) throw new UserInputError(`tensor '${name}' has no data`, { file, where: `initializer '${name}'` });
    if (raw.length !== count * bytes)
      throw new UserInputError(`tensor '${name}': shape (${shape.join(', ')}) needs ${count * bytes} bytes, raw_data has ${raw.length}`, {
        file,
        where: `initializer '${name}'`,
      });
    const copy = new Uint8Array(raw.length); // a fresh, aligned ArrayBuffer (raw may be a view of a pooled Buffer)
    copy.set(raw);
    return copy;
  };
  switch (dt) {
    case 1:
      return {
        name,
        shape,
        dtype: 'float32',
        dataType: dt,
        values: raw ? new Float32Array(need(4).buffer) : checkLen(Float32Array.from(t.floatData ?? []), count, name, file),
      };
    case 11:
      return {
        name,
        shape,
        dtype: 'float32',
        dataType: dt,
        values: Float32Array.from(
          raw ? new Float64Array(need(8).buffer) : checkLen(Float64Array.from(t.doubleData ?? []), count, name, file),
        ),
      };
    case 10:
      return {
        name,
        shape,
        dtype: 'float32',
        dataType: dt,
        values: raw
          ? halfToFloat32(new Uint16Array(need(2).buffer))
          : checkLen(halfToFloat32(Uint16Array.from(t.int32Data ?? [])), count, name, file),
      };
    case 6:
      return {
        name,
        shape,
        dtype: 'int32',
        dataType: dt,
        values: raw ? new Int32Array(need(4).buffer) : checkLen(Int32Array.from(t.int32Data ?? []), count, name, file),
      };
    case 7: {
      const vals = raw ? Array.from(new BigInt64Array(need(8).buffer), v => Number(v)) : (t.int64Data ?? []).map(num);
      return {
        name,
        shape,
        dtype: 'int32',
        dataType: dt,
        values: checkLen(
          Int32Array.from(vals, v => Math.max(-2147483648, Math.min(2147483647, v))),
          count,
          name,
          file,
        ),
      };
    }
    case 2:
    case 3:
    case 9: {
      const b = need(1);
      return { name, shape, dtype: 'int32', dataType: dt, values: Int32Array.from(dt === 3 ? new Int8Array(b.buffer) : b) };
    }
    default:
      throw new UnsupportedError(`tensor '${name}' has ONNX data type ${DT[dt] ?? dt}, which is not supported`, {
        file,
        where: `initializer '${name}'`,
      });
  }
}

function checkLen<T extends { length: number }>(a: T, count: number, name: string, file: string): T {
  if (a.length !== count)
    throw new UserInputError(`tensor '${name}': expected ${count} values, found ${a.length}`, { file, where: `initializer '${name}'` });
  return a;
}

/** Attribute values by their declared type (AttributeProto.type: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7). */
function attrs(n: NodeP): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of n.attribute ?? []) {
    switch (a.type) {
      case 1:
        out[a.name] = a.f ?? 0;
        break;
      case 2:
        out[a.name] = num(a.i);
        break;
      case 3:
        out[a.name] = new TextDecoder().decode(a.s ?? new Uint8Array(0));
        break;
      case 4:
        out[a.name] = a.t;
        break;
      case 6:
        out[a.name] = a.floats ?? [];
        break;
      case 7:
        out[a.name] = (a.ints ?? []).map(num);
        break;
      case 8:
        out[a.name] = (a.strings ?? []).map((b: Uint8Array) => new TextDecoder().decode(b)); // e.g. RNN activations
        break;
      default:
        out[a.name] = undefined; // graphs, sparse tensors, type protos: no supported op uses them
    }
  }
  return out;
}

/** Which input slots of which ops hold trainable parameters when fed by a float initializer. */
const PARAM_SLOTS: Record<string, number[]> = {
  Gemm: [0, 1, 2],
  MatMul: [0, 1],
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  BatchNormalization: [1, 2],
  LayerNormalization: [1, 2],
  Add: [0, 1],
  Sub: [0, 1],
  Mul: [0, 1],
  PRelu: [1],
  Gather: [0],
};

/**
 * Ops that only move or relabel a tensor's values: an initializer read through them into a trainable slot is a parameter
 * (Slice: learned positions cut to the sequence length, nn.MultiheadAttention's in_proj_weight cut into q, k, v).
 */
const PASS_THROUGH = new Set(['Identity', 'Transpose', 'Reshape', 'Cast', 'Squeeze', 'Unsqueeze', 'Flatten', 'Slice']);

/** A PyTorch state-dict name (e.g. `fc2.bias`, `bn1.running_var`), not an exporter-made value name (`/fc2/…`, `onnx::…`). */
export const isProducerName = (name: string): boolean => name !== '' && !name.startsWith('/') && !name.startsWith('onnx::');

/**
 * torch.onnx.export (deduplicate_initializers) keeps one initializer per set of equal-valued tensors and
 * gives the others back their names through `Identity(kept) → name`. Each such Identity output with a
 * producer-side name becomes its own initializer (a copy), and the node is dropped, so distinct
 * parameters are distinct slices of θ and buffers are constants again.
 */
function untieDeduplicated(
  nodes: NodeP[],
  inits: Map<string, OnnxTensor>,
  constNode: Set<string>,
  graphOutputs: Set<string>,
): { dropped: Set<NodeP>; untied: string[] } {
  const dropped = new Set<NodeP>(),
    untied: string[] = [];
  for (const n of nodes) {
    if (n.opType !== 'Identity') continue;
    const src = n.input?.[0] ?? '',
      out = n.output?.[0] ?? '';
    const t = inits.get(src);
    if (!t || constNode.has(src) || !isProducerName(out) || inits.has(out) || graphOutputs.has(out)) continue;
    inits.set(out, { ...t, name: out, values: t.values.slice() });
    dropped.add(n);
    untied.push(`${out} (was ${src})`);
  }
  return { dropped, untied };
}

/** LSTM, GRU and RNN: their weight inputs W, R, B (slots 1–3) are parameters, read through the exporter's gate reordering. */
const RECURRENT_OPS = new Set(['LSTM', 'GRU', 'RNN']);
const RECURRENT_WEIGHT_PATH = new Set(['Slice', 'Concat', 'Unsqueeze', 'Identity', 'Reshape', 'Transpose', 'Squeeze']);
/** A float tensor holding an infinite value: an additive mask (PyTorch's causal masks hold −∞), never a trainable weight. */
const isMask = (v: ArrayLike<number>): boolean => {
  for (let i = 0; i < v.length; i++) if (v[i] === Infinity || v[i] === -Infinity) return true;
  return false;
};

/** The ONNX op types the reader accepts: the one op table's (model/onnxOps.ts). */
export const SUPPORTED_ONNX_OPS: ReadonlySet<string> = new Set<string>(ONNX_OP_TYPES);

export function readOnnxModel(file: string): GraphModel {
  // the one bounded, regular-file-only read (safeFs.ts), charged to the resource budget
  const buf: Buffer = readRegularFile(file, { what: 'checkpoint' });
  const model = decodeOnnxModel(buf, file);
  const g = model.graph;
  if (!g || !g.node || g.node.length === 0) throw new UserInputError('the ONNX model has no graph nodes', { file, where: 'field graph' });
  const opset = num(model.opsetImport?.find(o => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  const dir = path.dirname(path.resolve(file));
  const inits = new Map<string, OnnxTensor>();
  for (const t of g.initializer ?? []) inits.set(t.name ?? '', tensorFromProto(t, file, dir));
  // Constant nodes become constants too
  for (const n of g.node)
    if (n.opType === 'Constant') {
      const a = attrs(n);
      let t: OnnxTensor;
      if (a.value) t = tensorFromProto(a.value as TensorP, file, dir);
      else if (a.value_float !== undefined)
        t = { name: '', shape: [], dtype: 'float32', dataType: 1, values: Float32Array.of(Number(a.value_float)) };
      else if (a.value_floats)
        t = {
          name: '',
          shape: [(a.value_floats as number[]).length],
          dtype: 'float32',
          dataType: 1,
          values: Float32Array.from(a.value_floats as number[]),
        };
      else if (a.value_int !== undefined)
        t = { name: '', shape: [], dtype: 'int32', dataType: 7, values: Int32Array.of(Number(a.value_int)) };
      else if (a.value_ints)
        t = {
          name: '',
          shape: [(a.value_ints as number[]).length],
          dtype: 'int32',
          dataType: 7,
          values: Int32Array.from(a.value_ints as number[]),
        };
      else throw new UnsupportedError(`Constant node '${n.name}' has an unsupported value attribute`, { file, where: `node '${n.name}'` });
      inits.set(n.output![0], { ...t, name: n.output![0] });
    }
  // one definition per name, every input defined, topological order, initializer dims, static shapes
  g.node = validateOnnxGraph(g, inits, { file, opset });
  const constNode = new Set(g.node.filter(n => n.opType === 'Constant').map(n => n.output?.[0] ?? ''));
  // torch.onnx.export merges initializers with equal values (zero biases, BatchNorm weight 1 / running
  // var 1, …) into one, reached through Identity nodes whose outputs carry the PyTorch names: untie them
  const { dropped, untied } = untieDeduplicated(g.node, inits, constNode, new Set((g.output ?? []).map(o => o.name)));
  const live = g.node.filter(n => !dropped.has(n));
  const producer = new Map<string, NodeP>();
  for (const n of live) for (const o of n.output ?? []) producer.set(o, n);
  /** The initializer a value is read from through value-preserving ops (Identity, Transpose, Reshape, float Cast, …). */
  const source = (name: string): { init: string; path: NodeP[] } | undefined => {
    const path: NodeP[] = [];
    for (let cur = name, k = 0; k < 32; k++) {
      if (inits.has(cur)) return constNode.has(cur) ? undefined : { init: cur, path };
      const p = producer.get(cur);
      if (!p || !PASS_THROUGH.has(p.opType ?? '') || !p.input?.[0]) return undefined;
      if (p.opType === 'Cast' && ![1, 10, 11, 16].includes(Number(attrs(p).to))) return undefined;
      path.push(p);
      cur = p.input[0];
    }
    return undefined;
  };
  // parameters: float initializers in trainable slots (directly or through such a chain) whose other operand is computed
  const isParam = new Set<string>();
  const use = new Map<string, { node: NodeP; slot: number; path: NodeP[] }>();
  for (const n of live) {
    const slots = PARAM_SLOTS[n.opType ?? ''];
    if (!slots) continue;
    const ins = n.input ?? [];
    for (const s of slots) {
      const src = ins[s] ? source(ins[s]) : undefined;
      const t = src ? inits.get(src.init) : undefined;
      if (!src || !t || t.dtype !== 'float32') continue;
      if (isMask(t.values)) continue; // an additive attention mask (−∞ above the diagonal) is a constant, never a parameter
      if (
        (n.opType === 'Add' || n.opType === 'Sub' || n.opType === 'Mul' || n.opType === 'MatMul') &&
        ins.every(i => inits.has(i) || source(i))
      )
        continue;
      if (n.opType === 'BatchNormalization' && s > 2) continue;
      isParam.add(src.init);
      if (!use.has(src.init)) use.set(src.init, { node: n, slot: s, path: src.path });
    }
  }
  // recurrent weights (LSTM/GRU/RNN W, R, B): PyTorch's exporter reorders the gates with Slice → Concat → Unsqueeze
  // chains of weight_ih_l*, weight_hh_l*, bias_*: every float initializer such a chain reads is a parameter
  for (const n of live) {
    if (!RECURRENT_OPS.has(n.opType ?? '')) continue;
    for (const slot of [1, 2, 3]) {
      const stack = n.input?.[slot] ? [n.input[slot]] : [];
      for (let k = 0; stack.length && k < 256; k++) {
        const cur = stack.pop()!;
        const t = inits.get(cur);
        if (t) {
          if (!constNode.has(cur) && t.dtype === 'float32' && !isParam.has(cur)) {
            isParam.add(cur);
            use.set(cur, { node: n, slot, path: [] });
          }
          continue;
        }
        const p = producer.get(cur);
        if (!p || !RECURRENT_WEIGHT_PATH.has(p.opType ?? '')) continue;
        if (p.opType === 'Concat') stack.push(...(p.input ?? []).filter(i => i !== ''));
        else if (p.input?.[0]) stack.push(p.input[0]);
      }
    }
  }
  // a buffer (BatchNormalization running mean / variance) is never differentiated, even when the exporter
  // stored it as the same tensor as a parameter: it reads a constant copy
  const buffersCopied: string[] = [];
  for (const n of live)
    if (n.opType === 'BatchNormalization')
      for (const s of [3, 4]) {
        const name = n.input?.[s];
        const src = name ? source(name) : undefined;
        if (!name || !src || !isParam.has(src.init)) continue;
        const copy = `${name}#buffer(${n.name || 'BatchNormalization'})`;
        const t = inits.get(src.init)!;
        inits.set(copy, { ...t, name: copy, values: t.values.slice() });
        n.input![s] = copy;
        buffersCopied.push(name);
      }
  const params: ParamSpec[] = [];
  const constants: GraphModel['constants'] = new Map();
  let offset = 0;
  const thetaParts: Float32Array[] = [];
  const renamed: string[] = [];
  for (const [name, t] of inits) {
    if (isParam.has(name)) {
      const size = t.values.length;
      const { node: consumer, slot, path: chain } = use.get(name)!;
      const op = consumer.opType ?? '';
      const role: ParamSpec['role'] =
        (['Gemm', 'MatMul', 'Conv', 'ConvTranspose'].includes(op) && (slot === 1 || (op === 'MatMul' && slot === 0))) ||
        (RECURRENT_OPS.has(op) && slot < 3)
          ? 'kernel'
          : op === 'BatchNormalization' || op === 'LayerNormalization'
            ? slot === 1
              ? 'gamma'
              : 'beta'
            : 'bias';
      let outAxis: number | undefined;
      if (role === 'kernel') {
        const r = t.shape.length; // Transpose, Identity and Cast keep the rank; after a Reshape the axis is not tracked (0)
        outAxis =
          (op === 'Gemm' && !consumer.attribute?.some(a => a.name === 'transB' && num(a.i) === 1)) || (op === 'MatMul' && slot === 1)
            ? r - 1
            : op === 'ConvTranspose'
              ? 1
              : 0;
        // back through the chain to the stored tensor's axes (Transpose: output axis a is input axis perm[a])
        for (const c of chain) {
          if (c.opType === 'Transpose') {
            const perm = (attrs(c).perm as number[] | undefined) ?? [...Array(t.shape.length).keys()].reverse();
            outAxis = perm[outAxis] ?? 0;
          } else if (c.opType !== 'Identity' && c.opType !== 'Cast') {
            outAxis = 0;
            break;
          }
        }
      }
      const layer = onnxLayerName(consumer, use, model.producerName) ?? (consumer.name || op || name); // PyTorch: the module path
      params.push({ name, layer, role, shape: t.shape, offset, size, outAxis });
      if (name.startsWith('onnx::'))
        renamed.push(
          `'${name}' (${t.shape.join('×')}, ${op} ${consumer.name || ''}` +
            `${chain.length ? ` via ${chain.map(c => c.opType).join('→')}` : ''})`,
        );
      thetaParts.push(t.values as Float32Array);
      offset += size;
    } else constants.set(name, { shape: t.shape, dtype: t.dtype, values: t.values });
  }
  const theta = new Float32Array(offset);
  {
    let o = 0;
    for (const p of thetaParts) {
      theta.set(p, o);
      o += p.length;
    }
  }
  const nodes: GraphNode[] = [];
  const layers: GraphModel['layers'] = [];
  for (const n of live) {
    const op = n.opType ?? '';
    if (op === 'Constant') continue;
    if (n.domain && n.domain !== 'ai.onnx' && n.domain !== '')
      throw new UnsupportedError(`op '${n.domain}.${op}' (node '${n.name}', opset ${opset}) is from a custom domain`, {
        file,
        where: `node '${n.name}'`,
      });
    if (!SUPPORTED_ONNX_OPS.has(op))
      throw new UnsupportedError(
        `ONNX op '${op}' (node '${n.name}', opset ${opset}) is not supported (supported: ${[...SUPPORTED_ONNX_OPS].sort().join(', ')})`,
        { file, where: `node '${n.name}'` },
      );
    const a = attrs(n);
    if (op === 'ConstantOfShape') {
      // the fill value (a one-element tensor attribute, float 0 by default) as a number and its type
      const v = a.value ? tensorFromProto(a.value as TensorP, file, dir) : undefined;
      a.value = v ? Number(v.values[0] ?? 0) : 0;
      a.valueDtype = v ? (v.dataType === 9 ? 'bool' : v.dtype) : 'float32';
    }
    const inputs = (n.input ?? []).filter(i => i !== '');
    nodes.push({
      op: `onnx.${op}`,
      inputs,
      outputs: n.output ?? [],
      attrs: { ...a, opset, optionalInputs: n.input ?? [] },
      name: n.name || `${op}_${nodes.length}`,
    });
    const pcount = [...use].filter(([, u]) => u.node === n).reduce((s, [i]) => s + (inits.get(i)?.values.length ?? 0), 0);
    layers.push({ name: n.name || op, kind: op, params: pcount });
  }
  const graphInputs = (g.input ?? []).filter(i => !inits.has(i.name));
  if (graphInputs.length !== 1)
    throw new UnsupportedError(
      `the model has ${graphInputs.length} graph inputs (${graphInputs.map(i => i.name).join(', ')}); exactly one is supported`,
      { file, where: 'field graph.input' },
    );
  const inDims = graphInputs[0].type?.tensorType?.shape?.dim ?? [];
  const outputs = (g.output ?? []).map(o => o.name);
  if (outputs.length < 1) throw new UserInputError('the ONNX graph has no outputs', { file, where: 'field graph.output' });
  const last = nodes.find(n => n.outputs.includes(outputs[0]));
  const outputActivation = last?.op === 'onnx.Softmax' ? 'softmax' : last?.op === 'onnx.Sigmoid' ? 'sigmoid' : undefined;
  // the loss folds a final softmax/sigmoid; express it as an internal activation node so logitsModel can remove it
  if (last && outputActivation) {
    last.op = 'activation';
    last.attrs = { activation: outputActivation };
  }
  const notices: string[] = [];
  if (untied.length)
    notices.push(
      `${untied.length} tensors the exporter had merged with an equal-valued ` +
        `initializer (Identity nodes) are read as their own tensors: ${untied.join(', ')}`,
    );
  if (buffersCopied.length)
    notices.push(
      `BatchNormalization running statistics stored as the same tensor as a parameter ` +
        `are read as constants (never differentiated): ${buffersCopied.join(', ')}`,
    );
  if (renamed.length)
    notices.push(
      `${renamed.length} parameter${renamed.length > 1 ? 's were' : ' was'} renamed ` +
        `by the exporter's constant folding (a MatMul weight is stored transposed, a ` +
        `BatchNorm folded into a Conv changes the parameters): ${renamed.join(', ')}; ` +
        `a .pt/.safetensors beside this file is matched to them by graph position and shape`,
    );
  for (const p of params) {
    const v = theta.subarray(p.offset, p.offset + p.size);
    let bad = 0;
    for (const x of v) if (!Number.isFinite(x)) bad++;
    if (bad) notices.push(`parameter '${p.name}' has ${bad} NaN/Inf values`);
  }
  const special = specialNeuronsMeta(model, params, file);
  return {
    ...(special ? { specialNeurons: special, penalty: [{ param: special.a, lambda: special.lambda }] } : {}),
    format: 'onnx',
    source: file,
    inputs: [
      {
        name: graphInputs[0].name,
        shape: inDims.map(d => (d.dimParam || d.dimValue === undefined ? null : num(d.dimValue))),
        dtype: 'float32',
      },
    ],
    outputs,
    params,
    numParams: offset,
    theta,
    constants,
    nodes,
    outputActivation,
    layers,
    notices: [
      `ONNX opset ${opset}${model.producerName ? `, produced by ${model.producerName} ${model.producerVersion ?? ''}`.trimEnd() : ''}`,
      ...notices,
    ],
  };
}

/** Metadata key under which `landscape special-neurons` records λ and the special neurons' initializer names. */
export const SPECIAL_NEURONS_KEY = 'landscape.special_neurons';

function specialNeuronsMeta(model: ModelP, params: ParamSpec[], file: string): GraphModel['specialNeurons'] {
  const e = model.metadataProps?.find(m => m.key === SPECIAL_NEURONS_KEY);
  if (!e) return undefined;
  let j: { lambda?: unknown; a?: unknown; w?: unknown; b?: unknown; node?: unknown };
  try {
    j = JSON.parse(e.value);
  } catch (err) {
    throw new UserInputError(`metadata '${SPECIAL_NEURONS_KEY}' is not valid JSON: ${(err as Error).message}`, {
      file,
      where: 'metadata_props',
    });
  }
  const names = [j.a, j.w, j.b].map(String);
  const lambda = Number(j.lambda);
  if (!(lambda >= 0) || names.some(n => !params.some(p => p.name === n)))
    throw new UserInputError(
      `metadata '${SPECIAL_NEURONS_KEY}' must name the trainable initializers a, w, b and lambda ≥ 0 (found ${e.value})`,
      { file, where: 'metadata_props' },
    );
  return { a: names[0], w: names[1], b: names[2], lambda, node: String(j.node ?? 'special_neurons') };
}
