/**
 * The README's list of what the native engine compiles is generated from the lowering table
 * (src/core/native/lower/opList.ts): this checks that README.md holds exactly the generated block, so a
 * new lowering (or a removed one) fails here until `node scripts/compiled-ops.js --write` is run.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { COMPILED_ONNX_OPS, COMPILED_LAYER_OPS, compiledOpsMarkdown, withCompiledOps } from '../../src/core/native/lower/opList';
import { SUPPORTED_ONNX_OPS } from '../../src/core/formats/onnx';

const ROOT = path.resolve(__dirname, '../../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('docs: the compiled-op list', () => {
  it('README.md holds the block generated from the lowering table (regenerate: node scripts/compiled-ops.js --write)', () => {
    const next = withCompiledOps(README);
    assert.ok(next !== undefined, 'README.md has the compiled-ops markers');
    assert.ok(README.includes(compiledOpsMarkdown()), `README.md's compiled-op list differs from:\n${compiledOpsMarkdown()}`);
  });
  it('the list is derived, not empty, and every compiled ONNX op is one the reader accepts', () => {
    assert.ok(COMPILED_ONNX_OPS.length > 40 && COMPILED_LAYER_OPS.length > 10);
    for (const op of ['MatMul', 'LSTM', 'GRU', 'RNN', 'Trilu', 'Where', 'ConstantOfShape']) assert.ok(COMPILED_ONNX_OPS.includes(op), op);
    const unread = COMPILED_ONNX_OPS.filter(op => !SUPPORTED_ONNX_OPS.has(op));
    assert.deepStrictEqual(unread, [], `compiled but refused by the ONNX reader: ${unread.join(', ')}`);
  });
});
