/**
 * Serialise a native IR graph to an ONNX ModelProto (opset 17, IR version 8) with protobufjs,
 * in memory: sessions are created from the buffer, nothing is written to disk. The schema is the
 * reader's (formats/onnxSchema.ts).
 */
import { modelProtoType } from '../formats/onnxSchema';
import type { Graph, AttrValue, DType } from './ir';

export const OPSET = 17;
const ELEM: Record<DType, number> = { float: 1, int64: 7, bool: 9 };

function attr(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: 3, s: Buffer.from(v, 'utf8') };
  if (typeof v === 'number') return { name, type: 2, i: v };
  if (Array.isArray(v)) return { name, type: 7, ints: v };
  return { name, type: 1, f: v.f };
}

export function toModelProto(g: Graph): Uint8Array {
  const modelType = modelProtoType();
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
