/**
 * ONNX models exported by PyTorch: loss equals PyTorch's own (1e-5 relative); gradient and exact
 * H·v equal PyTorch float64 autograd (double backward) through an independent interpreter of the
 * same graph (test/fixtures/onnx/make_hvp_reference.py), on cpu and wasm — conv, max/avg pooling,
 * Gemm, tanh/relu/sigmoid/softplus/erf-GELU covered. Errors name op, node, opset; fuzzing.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { ENGINES, useEngine, objectiveOn } from './reference/engines';
import { readOnnxModel } from '../../src/core/formats/onnx';
import { readCheckpoint } from '../../src/core/formats';
import { loadDataset } from '../../src/core/data/dataset';
import { resolveLoss } from '../../src/core/loss';
import { relErr } from '../../src/core/hvpSelfTest';
import { isUserInputError } from '../../src/core/errors';
import { mutate } from './reference/mutate';
import { scaled } from '../harness/speed';

const FX = path.resolve(__dirname, '../../../test/fixtures/onnx');
const producer = JSON.parse(fs.readFileSync(path.join(FX, 'producer.json'), 'utf8'));
const ref = JSON.parse(fs.readFileSync(path.join(FX, 'hvp_reference.json'), 'utf8'));

for (const backend of ENGINES) {
  describe(`ONNX models from PyTorch (${backend})`, function () {
    this.timeout(120000);
    before(async () => {
      await useEngine(backend);
    });
    for (const name of ['mlp', 'cnn', 'regression', 'external', 'cnn_stride', 'ops', 'pools', 'zoo', 'gelu20']) {
      it(`${name}: loss = PyTorch's, gradient and H·v = PyTorch float64 double backward`, async () => {
        await useEngine(backend);
        const model = readCheckpoint(path.join(FX, name, 'model.onnx'));
        const r = ref[name === 'external' ? 'mlp' : name];
        assert.deepStrictEqual(
          model.params.map(p => p.name),
          r.params,
        );
        const data = loadDataset(path.join(FX, name, 'data.npz'));
        const obj = objectiveOn(backend, model, data, resolveLoss(model, data), { chunkSize: 17 });
        try {
          const { loss, gradient } = await obj.valueAndGradient(model.theta);
          const p = producer[name === 'external' ? 'mlp' : name];
          assert.ok(Math.abs(loss - p.loss64) / p.loss64 < 1e-5, `loss ${loss} vs PyTorch ${p.loss64}`);
          assert.ok(relErr(gradient, r.grad) < 1e-5, `gradient rel. err ${relErr(gradient, r.grad)}`);
          const v = Float32Array.from({ length: model.numParams }, (_, i) => Math.sin(i));
          const hv = await obj.hvp(model.theta, v);
          assert.ok(relErr(hv, r.hv) < 1e-5, `H·v rel. err ${relErr(hv, r.hv)}`);
        } finally {
          obj.dispose();
        }
      });
    }
  });
}

describe('ONNX reader: structure and bad input', () => {
  it('initializers feeding trainable slots are parameters; a folded BatchNorm shows up as Conv weights', () => {
    const m = readOnnxModel(path.join(FX, 'cnn', 'model.onnx'));
    assert.strictEqual(m.numParams, 337);
    assert.ok(m.params.find(p => p.name === 'c2.weight' && p.role === 'kernel'));
    assert.ok(m.notices[0].startsWith('ONNX opset 17, produced by pytorch'));
    assert.ok(m.constants.size >= 1, 'the Pad constant is a constant, not a parameter');
  });

  it('an unsupported op names the op, the node and the opset', () => {
    assert.throws(
      () => readOnnxModel(path.join(FX, 'unsupported.onnx')),
      (e: Error) => isUserInputError(e) && /ONNX op 'Hardmax' \(node '[^']*', opset 17\) is not supported/.test(e.message),
    );
  });

  it('external data outside the model folder is refused; truncated and garbage files give clear errors', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-onnx-'));
    const text = fs.readFileSync(path.join(FX, 'external', 'model.onnx'));
    const evil = Buffer.from(text.toString('latin1').split('weights.bin').join('../x/ts.bin'), 'latin1');
    fs.writeFileSync(path.join(tmp, 'evil.onnx'), evil);
    assert.throws(() => readOnnxModel(path.join(tmp, 'evil.onnx')), /leaves the model's folder; refused/);
    const full = fs.readFileSync(path.join(FX, 'mlp', 'model.onnx'));
    fs.writeFileSync(path.join(tmp, 'trunc.onnx'), full.subarray(0, full.length - 100));
    assert.throws(
      () => readOnnxModel(path.join(tmp, 'trunc.onnx')),
      (e: Error) => isUserInputError(e),
    );
    fs.writeFileSync(path.join(tmp, 'junk.onnx'), Buffer.from('this is not a protobuf at all'));
    assert.throws(
      () => readOnnxModel(path.join(tmp, 'junk.onnx')),
      (e: Error) => isUserInputError(e),
    );
  });

  it('fuzz: 10,000 mutated models give a UserInputError or a model, never another exception or a hang', function () {
    this.timeout(scaled(120000)); // a hang is caught by the timeout, scaled by the machine's load
    const seeds = ['mlp', 'cnn'].map(n => new Uint8Array(fs.readFileSync(path.join(FX, n, 'model.onnx'))));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-onnxfuzz-'));
    const f = path.join(tmp, 'm.onnx');
    let n = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 6 }),
        (which, edits) => {
          n++;
          fs.writeFileSync(f, mutate(seeds[which], edits));
          try {
            readOnnxModel(f);
          } catch (e) {
            if (!isUserInputError(e)) throw e;
          }
          return true; // a hang is caught by the test's timeout (no wall-clock assertion: machines and CI are shared)
        },
      ),
      { numRuns: 10000, seed: 7 },
    );
    assert.ok(n >= 10000);
  });
});
