/**
 * The one ONNX op table (src/core/model/onnxOps.ts): every ONNX op the reader accepts is one entry, and everything
 * else about ONNX ops derives from it or is checked against it — the reader's supported set, the validator's shape
 * rules and input counts, the theory kinds, the TF.js kernels and the native lowerings (the last two are typed
 * `satisfies Record<OnnxNodeOp, …>`; this checks the same at run time, both ways: no op without a kernel or a
 * lowering, no kernel or lowering of an op the table does not list).
 */
import * as assert from 'assert';
import { ONNX_OP_TABLE, ONNX_OP_TYPES, ONNX_NODE_OPS, onnxOpEntry, type OnnxOpEntry } from '../../src/core/model/onnxOps';
import { SUPPORTED_ONNX_OPS } from '../../src/core/formats/onnx';
import { SHAPE_RULES } from '../../src/core/formats/onnxValidate';
import { OPS } from '../../src/core/model/ops';
import { LOWER } from '../../src/core/native/lower';
import { COMPILED_ONNX_OPS } from '../../src/core/native/lower/opList';
import { opKinds } from '../../src/core/model/opKinds';
import type { GraphModel } from '../../src/core/model/graph';

const entries = (): [string, OnnxOpEntry][] => ONNX_OP_TYPES.map(op => [op, ONNX_OP_TABLE[op]]);

describe('the one ONNX op table', () => {
  it('the reader accepts exactly the table', () => {
    assert.deepStrictEqual([...SUPPORTED_ONNX_OPS].sort(), [...ONNX_OP_TYPES].sort());
    assert.ok(ONNX_OP_TYPES.length >= 60, `${ONNX_OP_TYPES.length} ops`);
  });

  it('every computed op has a TF.js kernel, a native lowering, a shape rule and a theory kind', () => {
    for (const [op, e] of entries()) {
      assert.ok(e.shape in SHAPE_RULES, `${op}: shape rule '${e.shape}'`);
      assert.ok(e.family, `${op}: family`);
      assert.strictEqual(e.family === 'activation', e.activation !== undefined, `${op}: an activation names its non-linearity`);
      if (e.folded) {
        assert.ok(!OPS[`onnx.${op}`] && !LOWER[`onnx.${op}`], `${op} is folded by the reader: no kernel, no lowering`);
        continue;
      }
      assert.strictEqual(typeof OPS[`onnx.${op}`], 'function', `${op}: TF.js kernel`);
      assert.strictEqual(typeof LOWER[`onnx.${op}`], 'function', `${op}: native lowering`);
    }
    assert.deepStrictEqual([...COMPILED_ONNX_OPS].sort(), ONNX_NODE_OPS.map(o => o.slice(5)).sort(), 'the README list: every computed op');
  });

  it('no kernel or lowering of an ONNX op outside the table', () => {
    for (const k of [...Object.keys(OPS), ...Object.keys(LOWER)].filter(k => k.startsWith('onnx.')))
      assert.ok(onnxOpEntry(k.slice(5)) && !onnxOpEntry(k.slice(5))?.folded, `${k} is not a computed op of the table`);
  });

  it('the theory kinds are the table’s (Gather of a parameter: an embedding)', () => {
    const computed = entries().filter(([, e]) => !e.folded);
    const model = {
      params: [{ name: 'W', shape: [4, 2], offset: 0, size: 8, layer: 'e', role: 'embedding' }],
      constants: new Map(),
      nodes: computed.map(([op], i) => ({ op: `onnx.${op}`, inputs: [`t${i}`, 'u'], outputs: [`y${i}`], attrs: {}, name: `n${i}` })),
    } as unknown as GraphModel;
    const kinds = opKinds(model);
    computed.forEach(([op, e], i) => {
      assert.strictEqual(kinds[i].family, e.family, op);
      assert.strictEqual(kinds[i].activation, e.activation, op);
    });
    const emb = opKinds({ ...model, nodes: [{ op: 'onnx.Gather', inputs: ['W', 'ids'], outputs: ['y'], attrs: {}, name: 'g' }] });
    assert.strictEqual(emb[0].family, 'embedding');
  });
});
