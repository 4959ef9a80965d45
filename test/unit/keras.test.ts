/**
 * Keras checkpoints written by real Keras 3.15 (torch backend): loss = Keras' model.evaluate;
 * gradient and exact H·v = PyTorch float64 double backward through an independent interpreter of
 * the saved config (test/fixtures/keras/make_hvp_reference.py), on cpu and wasm — Dense, Conv2D
 * ('same'/'valid', strided), DepthwiseConv2D, SeparableConv2D, Conv1D, Embedding, Permute,
 * MaxPooling2D, GlobalAveragePooling2D, Add, Concatenate, BatchNormalization,
 * Dropout. Also the TF.js Functional fixture, bad input and fuzzing of both Keras containers.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import fc from 'fast-check';
import { initBackend } from '../../src/core/backend';
import { ENGINES, useEngine, objectiveOn } from './reference/engines';
import { readCheckpoint } from '../../src/core/formats';
import { readKerasModel } from '../../src/core/formats/keras';
import { loadDataset } from '../../src/core/data/dataset';
import { resolveLoss } from '../../src/core/loss';
import { TfObjective } from '../../src/core/objective';
import { relErr } from '../../src/core/hvpSelfTest';
import { isUserInputError } from '../../src/core/errors';
import { mutate } from './reference/mutate';
import { scaled } from '../harness/speed';

const ROOT = path.resolve(__dirname, '../../..');
const FX = path.join(ROOT, 'test/fixtures/keras');
const producer = JSON.parse(fs.readFileSync(path.join(FX, 'producer.json'), 'utf8'));
const ref = JSON.parse(fs.readFileSync(path.join(FX, 'hvp_reference.json'), 'utf8'));

for (const backend of ENGINES) {
  describe(`Keras models from Keras 3 (${backend})`, function () {
    this.timeout(120000);
    before(async () => {
      await useEngine(backend);
    });
    for (const name of ['sequential', 'functional', 'cnn', 'cnn2', 'conv1d', 'misc', 'pools']) {
      it(`${name} (${producer[name].file}): loss = Keras' evaluate; gradient and H·v = PyTorch float64`, async () => {
        await useEngine(backend);
        const model = readCheckpoint(path.join(FX, name, producer[name].file));
        const data = loadDataset(path.join(FX, name, 'data.npz'));
        const obj = objectiveOn(backend, model, data, resolveLoss(model, data), { chunkSize: 23 });
        try {
          assert.strictEqual(model.numParams, ref[name].hv.length);
          const { loss, gradient } = await obj.valueAndGradient(model.theta);
          assert.ok(Math.abs(loss - producer[name].loss) / producer[name].loss < 1e-5, `loss ${loss} vs Keras ${producer[name].loss}`);
          assert.ok(relErr(gradient, ref[name].grad) < 1e-5, `gradient rel. err ${relErr(gradient, ref[name].grad)}`);
          const v = Float32Array.from({ length: model.numParams }, (_, i) => Math.sin(i));
          const hv = await obj.hvp(model.theta, v);
          assert.ok(relErr(hv, ref[name].hv) < 1e-5, `H·v rel. err ${relErr(hv, ref[name].hv)}`);
        } finally {
          obj.dispose();
        }
      });
    }
    for (const [fx, what] of [
      ['functional', 'Functional model (Add, BatchNormalization, Concatenate)'],
      ['cnn', 'CNN (Conv2D same, DepthwiseConv2D, BatchNormalization, MaxPooling2D, LayerNormalization, GlobalAveragePooling2D)'],
    ])
      it(`TF.js ${what}: loss = tfjs-layers evaluate`, async () => {
        await useEngine(backend);
        const dir = path.join(ROOT, 'test/fixtures/tfjs', fx);
        const model = readCheckpoint(path.join(dir, 'model.json'));
        const data = loadDataset(path.join(dir, 'data.npz'));
        const obj = objectiveOn(backend, model, data, resolveLoss(model, data));
        try {
          const p = JSON.parse(fs.readFileSync(path.join(dir, 'producer.json'), 'utf8')).value;
          const l = await obj.loss(model.theta);
          assert.ok(Math.abs(l - p) / p < 1e-5, `${l} vs ${p}`);
        } finally {
          obj.dispose();
        }
      });
  });
}

describe("inputs converted to the model's layout", function () {
  this.timeout(60000);
  it('channels-first and flattened data give the same loss as channels-last; a wrong size is a clear error', async () => {
    await initBackend('wasm');
    const { encodeNpz } = await import('../../src/core/data/npyWrite');
    const model = readCheckpoint(path.join(FX, 'cnn', 'model.keras'));
    const d = loadDataset(path.join(FX, 'cnn', 'data.npz'));
    const [m, H, W, C] = d.xShape;
    const nchw = new Float32Array(d.x.length);
    for (let i = 0; i < m; i++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) nchw[((i * C + c) * H + h) * W + w] = d.x[((i * H + h) * W + w) * C + c];
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-layout-'));
    const y = { shape: [m], data: d.y.data as Int32Array };
    fs.writeFileSync(path.join(tmp, 'nchw.npz'), encodeNpz({ x: { shape: [m, C, H, W], data: nchw }, y }));
    fs.writeFileSync(path.join(tmp, 'flat.npz'), encodeNpz({ x: { shape: [m, H * W * C], data: d.x }, y }));
    fs.writeFileSync(
      path.join(tmp, 'bad.npz'),
      encodeNpz({ x: { shape: [m, H * W * C - 1], data: d.x.subarray(0, m * (H * W * C - 1)) }, y }),
    );
    const lossOf = async (f: string) => {
      const data = loadDataset(f);
      const o = new TfObjective(model, data, resolveLoss(model, data));
      try {
        return { l: await o.loss(model.theta), note: o.inputNotice };
      } finally {
        o.dispose();
      }
    };
    const ref = await lossOf(path.join(FX, 'cnn', 'data.npz'));
    const a = await lossOf(path.join(tmp, 'nchw.npz')),
      b = await lossOf(path.join(tmp, 'flat.npz'));
    assert.strictEqual(ref.note, undefined);
    assert.ok(Math.abs(a.l - ref.l) < 1e-7 && /channels-first; transposed/.test(a.note!));
    assert.ok(Math.abs(b.l - ref.l) < 1e-7 && /reshaped/.test(b.note!));
    await assert.rejects(lossOf(path.join(tmp, 'bad.npz')), /inputs have \(63\) values per sample \(63\) but the model expects \(8×8×1\)/);
  });
});

describe('Keras readers: bad input and fuzzing', function () {
  // a hang is caught by the timeout; it grows with the machine's load (the stress rounds run beside busy loops)
  this.timeout(scaled(300000));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-keras-'));
  it('a .keras without config.json and a corrupt .h5 give clear errors', () => {
    fs.writeFileSync(path.join(tmp, 'x.keras'), zipSync({ 'metadata.json': new TextEncoder().encode('{}') }));
    assert.throws(() => readKerasModel(path.join(tmp, 'x.keras')), /no config\.json/);
    fs.writeFileSync(path.join(tmp, 'x.h5'), Buffer.from('not hdf5 at all'));
    assert.throws(() => readKerasModel(path.join(tmp, 'x.h5')), /not an HDF5 file/);
  });

  for (const [label, file, ext] of [
    ['.h5', 'functional/model.h5', '.h5'],
    ['.keras', 'sequential/model.keras', '.keras'],
  ] as const) {
    it(`fuzz ${label}: 10,000 mutated files give a UserInputError or a model, never another exception or a hang`, () => {
      const seed = new Uint8Array(fs.readFileSync(path.join(FX, file)));
      const f = path.join(tmp, `m${ext}`);
      let n = 0;
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 4 }),
          edits => {
            n++;
            fs.writeFileSync(f, mutate(seed, edits));
            try {
              readKerasModel(f);
            } catch (e) {
              if (!isUserInputError(e)) throw e;
            }
            return true; // a hang is caught by the test's timeout (no wall-clock assertion: machines and CI are shared)
          },
        ),
        { numRuns: 10000, seed: 3 },
      );
      assert.ok(n >= 10000, `${n} cases`);
    });
  }
});
