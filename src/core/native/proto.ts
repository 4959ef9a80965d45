/**
 * Serialise a native IR graph to an ONNX ModelProto (opset 17, IR version 8) with protobufjs,
 * in memory: sessions are created from the buffer, nothing is written to disk. Field numbers
 * from onnx/onnx.proto.
 */
import * as protobuf from 'protobufjs/light';
import type { Graph, AttrValue, DType } from './ir';

export const OPSET = 17;
const SCHEMA = {
  nested: {
    ModelProto: {
      fields: {
        irVersion: { type: 'int64', id: 1 },
        producerName: { type: 'string', id: 2 },
        graph: { type: 'GraphProto', id: 7 },
        opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
      },
    },
    OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
    GraphProto: {
      fields: {
        node: { rule: 'repeated', type: 'NodeProto', id: 1 },
        name: { type: 'string', id: 2 },
        initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
        input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
        output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
      },
    },
    NodeProto: {
      fields: {
        input: { rule: 'repeated', type: 'string', id: 1 },
        output: { rule: 'repeated', type: 'string', id: 2 },
        name: { type: 'string', id: 3 },
        opType: { type: 'string', id: 4 },
        attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
      },
    },
    AttributeProto: {
      fields: {
        name: { type: 'string', id: 1 },
        f: { type: 'float', id: 2 },
        i: { type: 'int64', id: 3 },
        s: { type: 'bytes', id: 4 },
        floats: { rule: 'repeated', type: 'float', id: 7 },
        ints: { rule: 'repeated', type: 'int64', id: 8 },
        type: { type: 'int32', id: 20 },
      },
    },
    TensorProto: {
      fields: {
        dims: { rule: 'repeated', type: 'int64', id: 1 },
        dataType: { type: 'int32', id: 2 },
        name: { type: 'string', id: 8 },
        rawData: { type: 'bytes', id: 9 },
      },
    },
    ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
    TypeProto: { fields: { tensorType: { type: 'TypeTensor', id: 1 } } },
    TypeTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
    TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
    Dimension: { fields: { dimValue: { type: 'int64', id: 1 } } },
  },
};
let modelType: protobuf.Type | undefined;
const ELEM: Record<DType, number> = { float: 1, int64: 7, bool: 9 };

function attr(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: 3, s: Buffer.from(v, 'utf8') };
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  return { name, type: 1, f: v.f };
}

export function toModelProto(g: Graph): Uint8Array {
  modelType ??= protobuf.Root.fromJSON(SCHEMA).lookupType('ModelProto');
  const vi = (name: string) => {
    const t = g.info.get(name)!;
    return { name, type: { tensorType: { elemType: ELEM[t.dtype], shape: { dim: t.shape.map(d => ({ dimValue: d })) } } } };
  };
  const initializer = [...g.inits].map(([name, t]) => {
    const raw =
      t.dtype === 'float'
        ? new Uint8Array((t.data as Float32Array).buffer, (t.data as Float32Array).byteOffset, (t.data as Float32Array).byteLength)
        : new Uint8Array(BigInt64Array.from((t.data as number[]).map(v => BigInt(v))).buffer);
    return { name, dims: t.shape, dataType: ELEM[t.dtype], rawData: raw };
  });
  const msg = {
    irVersion: 8,
    producerName: 'landscape-lens',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'landscape',
      initializer,
      node: g.nodes.map((n, k) => ({
        input: n.inputs,
        output: n.outputs,
        name: `n${k}_${n.op}`,
        opType: n.op,
        attribute: Object.entries(n.attrs).map(([a, v]) => attr(a, v)),
      })),
      input: g.inputs.map(vi),
      output: g.outputs.map(vi),
    },
  };
  return modelType.encode(modelType.fromObject(msg)).finish();
}
