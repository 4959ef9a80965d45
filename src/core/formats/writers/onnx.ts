/**
 * ONNX writer: a copy of the source ModelProto in which only the data of the initializers that are
 * parameters θ is replaced (raw_data in the tensor's own data type: FLOAT, DOUBLE or FLOAT16; external
 * data is inlined). Every other byte — nodes, attributes, opsets, doc strings, unknown fields — is
 * copied as is (protobuf wire-level copy, protowire.ts). Optionally nodes and initializers are
 * inserted (special neurons) and metadata_props appended. New files only.
 */
import { UserInputError, UnsupportedError } from '../../errors';
import type { GraphModel } from '../../model/graph';
import { checkNew, float32ToHalf, writeNewFile } from './common';
import { wireFields, lenField, strField, intField, concatBytes, fieldString, WireField } from './protowire';
import { readRegularFile } from '../../safeFs';

export interface OnnxAugment {
  /** Encoded NodeProto messages inserted before the graph node with this index (file order, Constant nodes included); -1 appends. */
  insertBefore: number;
  nodes: Uint8Array[];
  /** Encoded TensorProto messages appended to the graph's initializers. */
  initializers: Uint8Array[];
  /** Rename one input (field 1) or output (field 2) of one existing node. */
  rename?: { node: number; field: 1 | 2; from: string; to: string };
  metadata?: [string, string][];
}

function encodeData(values: Float32Array, dataType: number, name: string, file: string): Uint8Array {
  switch (dataType) {
    case 1:
      return new Uint8Array(values.slice().buffer);
    case 11:
      return new Uint8Array(Float64Array.from(values).buffer);
    case 10:
      return new Uint8Array(float32ToHalf(values).buffer);
    default:
      throw new UnsupportedError(
        `initializer '${name}' has ONNX data type ${dataType}; the writer handles FLOAT, DOUBLE and FLOAT16 parameters`,
        { file, where: `initializer '${name}'` },
      );
  }
}

/** A TensorProto with its data replaced by `values` (raw_data at the place of the first data field). */
function rewriteTensor(b: Uint8Array, values: Float32Array, file: string): Uint8Array {
  const fields = wireFields(b);
  const name = fields.filter(f => f.no === 8).map(f => fieldString(b, f))[0] ?? '';
  const dataType = fields.find(f => f.no === 2)?.value ?? 1;
  const raw = lenField(9, encodeData(values, dataType, name, file));
  const parts: Uint8Array[] = [];
  let emitted = false;
  for (const f of fields) {
    if (f.no === 9 || f.no === 4 || f.no === 5 || f.no === 10 || f.no === 13 || f.no === 14) {
      if (!emitted) {
        parts.push(raw);
        emitted = true;
      }
      continue;
    }
    parts.push(b.subarray(f.start, f.end));
  }
  if (!emitted) parts.push(raw);
  return concatBytes(parts);
}

/** A NodeProto with one input or output renamed. */
function renameInNode(b: Uint8Array, field: 1 | 2, from: string, to: string): Uint8Array {
  let done = false;
  const parts = wireFields(b).map(f => {
    if (!done && f.no === field && fieldString(b, f) === from) {
      done = true;
      return strField(field, to);
    }
    return b.subarray(f.start, f.end);
  });
  if (!done) throw new Error(`internal: node has no ${field === 1 ? 'input' : 'output'} '${from}'`);
  return concatBytes(parts);
}

function rewriteGraph(
  g: Uint8Array,
  params: Map<string, Float32Array>,
  file: string,
  aug: OnnxAugment | undefined,
  model: GraphModel,
): { bytes: Uint8Array; replaced: Set<string> } {
  const parts: Uint8Array[] = [];
  const replaced = new Set<string>();
  // FLOAT initializers of the file: an Identity(initializer) → name that the reader untied (torch.onnx.export's
  // deduplication of equal-valued tensors) is written as its own initializer, so that writing θ into the
  // kept initializer does not also change the tensors that shared it
  const floatInits = new Set<string>();
  for (const f of wireFields(g))
    if (f.no === 5 && f.wt === 2) {
      const t = wireFields(g.subarray(f.dataStart, f.dataEnd));
      const name = t.filter(x => x.no === 8).map(x => fieldString(g.subarray(f.dataStart, f.dataEnd), x))[0] ?? '';
      if ((t.find(x => x.no === 2)?.value ?? 0) === 1) floatInits.add(name);
    }
  const shapes = new Map(model.params.map(p => [p.name, p.shape] as [string, number[]]));
  const untied: Uint8Array[] = [];
  let nodeIndex = 0;
  for (const f of wireFields(g)) {
    const sub = g.subarray(f.dataStart, f.dataEnd);
    if (f.no === 1 && f.wt === 2) {
      if (aug && aug.insertBefore === nodeIndex) for (const n of aug.nodes) parts.push(lenField(1, n));
      const nf = wireFields(sub);
      const str = (no: number) => nf.filter(x => x.no === no).map(x => fieldString(sub, x));
      const [ins, outs] = [str(1), str(2)];
      if (
        str(4)[0] === 'Identity' &&
        ins.length === 1 &&
        outs.length === 1 &&
        floatInits.has(ins[0]) &&
        !floatInits.has(outs[0]) &&
        aug?.rename?.node !== nodeIndex
      ) {
        const o = outs[0],
          v = params.get(o),
          c = model.constants.get(o);
        if (v) {
          untied.push(onnxFloatTensor(o, shapes.get(o)!, v));
          replaced.add(o);
          nodeIndex++;
          continue;
        }
        if (c && c.dtype === 'float32') {
          untied.push(onnxFloatTensor(o, c.shape, c.values as Float32Array));
          nodeIndex++;
          continue;
        }
      }
      if (aug?.rename && aug.rename.node === nodeIndex)
        parts.push(lenField(1, renameInNode(sub, aug.rename.field, aug.rename.from, aug.rename.to)));
      else parts.push(g.subarray(f.start, f.end));
      nodeIndex++;
      continue;
    }
    if (f.no === 5 && f.wt === 2) {
      const tf = wireFields(sub).find(x => x.no === 8);
      const name = tf ? fieldString(sub, tf) : '';
      const v = params.get(name);
      if (v) {
        parts.push(lenField(5, rewriteTensor(sub, v, file)));
        replaced.add(name);
        continue;
      }
    }
    parts.push(g.subarray(f.start, f.end));
  }
  if (aug && (aug.insertBefore < 0 || aug.insertBefore >= nodeIndex)) for (const n of aug.nodes) parts.push(lenField(1, n));
  for (const t of untied) parts.push(lenField(5, t));
  if (aug) for (const t of aug.initializers) parts.push(lenField(5, t));
  return { bytes: concatBytes(parts), replaced };
}

/** The bytes of the source ModelProto with θ written into its parameter initializers. */
export function onnxBytes(source: string, model: GraphModel, theta: Float32Array, aug?: OnnxAugment): Uint8Array {
  const buf: Uint8Array = new Uint8Array(readRegularFile(source, { what: 'checkpoint' }));
  const params = new Map(model.params.map(p => [p.name, theta.subarray(p.offset, p.offset + p.size)] as [string, Float32Array]));
  const parts: Uint8Array[] = [];
  let graphs = 0;
  let fields: WireField[];
  try {
    fields = wireFields(buf);
  } catch (e) {
    throw new UserInputError(`not an ONNX ModelProto: ${(e as Error).message}`, { file: source });
  }
  for (const f of fields) {
    if (f.no === 7 && f.wt === 2) {
      const { bytes, replaced } = rewriteGraph(buf.subarray(f.dataStart, f.dataEnd), params, source, aug, model);
      const missing = [...params.keys()].filter(n => !replaced.has(n));
      if (missing.length)
        throw new UnsupportedError(
          `parameters not stored as graph initializers (cannot write them back): ${missing.slice(0, 5).join(', ')}`,
          { file: source },
        );
      parts.push(lenField(7, bytes));
      graphs++;
    } else parts.push(buf.subarray(f.start, f.end));
  }
  if (graphs !== 1) throw new UserInputError(`expected one graph in the ModelProto, found ${graphs}`, { file: source });
  for (const [k, v] of aug?.metadata ?? []) parts.push(lenField(14, concatBytes([strField(1, k), strField(2, v)])));
  return concatBytes(parts);
}

export function writeOnnx(source: string, model: GraphModel, theta: Float32Array, out: string, aug?: OnnxAugment): string[] {
  if (theta.length !== model.numParams) throw new Error(`internal: θ has ${theta.length} values, the model ${model.numParams}`);
  checkNew([out], [source]);
  writeNewFile(out, onnxBytes(source, model, theta, aug));
  return [out];
}

/** Encoders for the nodes and initializers that surgery appends. */
export function onnxNode(op: string, inputs: string[], outputs: string[], name: string, intAttrs: Record<string, number> = {}): Uint8Array {
  const attrs = Object.entries(intAttrs).map(([k, v]) => lenField(5, concatBytes([strField(1, k), intField(3, v), intField(20, 2)])));
  return concatBytes([
    ...inputs.map(i => strField(1, i)),
    ...outputs.map(o => strField(2, o)),
    strField(3, name),
    strField(4, op),
    ...attrs,
  ]);
}

export function onnxFloatTensor(name: string, dims: number[], values: Float32Array): Uint8Array {
  return concatBytes([
    ...dims.map(d => intField(1, d)),
    intField(2, 1),
    strField(8, name),
    lenField(9, new Uint8Array(values.slice().buffer)),
  ]);
}
