import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readCheckpoint } from '../../src/core/formats';
import { loadDataset } from '../../src/core/data/dataset';
import { resolveLoss } from '../../src/core/loss';
import { TfObjective } from '../../src/core/objective';
import { initBackend } from '../../src/core/backend';
import { diagnose } from '../../src/core/diagnose';
import { readDenseNet, lossAndGrad64 } from './reference/denseNet64';

const FX = path.resolve(__dirname, '../../../test/fixtures/tfjs');
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
};

const CASES: { dir: string; loss: 'ce' | 'mse' | 'bce' }[] = [
  { dir: 'mlp-softmax', loss: 'ce' }, // relu, softmax output, int64 labels
  { dir: 'mlp-logits', loss: 'ce' }, // tanh, logits output, int32 labels
  { dir: 'mlp-regression', loss: 'mse' }, // tanh + sigmoid, float64 inputs, 2 targets
  { dir: 'mlp-sigmoid', loss: 'bce' }, // elu, sigmoid output
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`loss and gradient vs float64 reference (${backend})`, function () {
    this.timeout(120000);
    before(async () => {
      await initBackend(backend);
    });

    for (const c of CASES) {
      it(`${c.dir}: loss and full gradient to 1e-5 relative`, async () => {
        const ckpt = path.join(FX, c.dir, 'model.json');
        const model = readCheckpoint(ckpt);
        const data = loadDataset(path.join(FX, c.dir, 'data.npz'));
        const spec = resolveLoss(model, data);
        assert.strictEqual(spec.kind, c.loss);
        const obj = new TfObjective(model, data, spec, { chunkSize: 64 }); // several chunks on purpose
        const { loss, gradient } = await obj.valueAndGradient(model.theta);
        obj.dispose();
        const ref = lossAndGrad64(readDenseNet(ckpt), data.x, data.m, data.y.data, c.loss);
        assert.strictEqual(gradient.length, ref.grad.length);
        assert.ok(Math.abs(loss - ref.loss) / Math.abs(ref.loss) < 1e-5, `loss ${loss} vs float64 ${ref.loss}`);
        const e = relErr(gradient, ref.grad);
        assert.ok(e < 1e-5, `gradient rel. error ${e}`);
        const prod = path.join(FX, c.dir, 'producer.json');
        if (fs.existsSync(prod)) {
          const p = JSON.parse(fs.readFileSync(prod, 'utf8'));
          assert.ok(Math.abs(loss - p.value) / p.value < 1e-5, `loss ${loss} vs the producer's own ${p.value} (${p.producer})`);
        }
      });
    }

    it('diagnose() returns the documented JSON fields', async () => {
      const r = await diagnose({
        checkpoint: path.join(FX, 'mlp-softmax', 'model.json'),
        data: path.join(FX, 'mlp-softmax', 'data.npz'),
        backend,
      });
      for (const k of ['checkpoint', 'format', 'backend', 'params', 'samples', 'loss', 'gradNorm', 'timings'])
        assert.ok(k in r, `missing ${k}`);
      assert.strictEqual(r.format, 'tfjs-layers');
      assert.ok(r.backend.startsWith(backend));
      assert.strictEqual(r.params, 5 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3);
      assert.strictEqual(r.samples, 200);
      assert.ok(Number.isFinite(r.timings.totalMs) && r.timings.totalMs >= 0, `timings.totalMs ${r.timings.totalMs}`); // measured, not judged
      const ref = lossAndGrad64(readDenseNet(r.checkpoint), loadDataset(r.data.file).x, 200, loadDataset(r.data.file).y.data, 'ce');
      let n = 0;
      for (const g of ref.grad) n += g * g;
      assert.ok(Math.abs(r.gradNorm - Math.sqrt(n)) / Math.sqrt(n) < 1e-5, `gradNorm ${r.gradNorm} vs ${Math.sqrt(n)}`);
      const layerSq = r.layers.reduce((s, l) => s + l.gradNorm ** 2, 0);
      assert.ok(Math.abs(Math.sqrt(layerSq) - r.gradNorm) < 1e-6 * r.gradNorm);
    });

    it('a seeded subset gives the float64 loss of exactly those samples', async () => {
      const ckpt = path.join(FX, 'mlp-softmax', 'model.json');
      const r = await diagnose({ checkpoint: ckpt, data: path.join(FX, 'mlp-softmax', 'data.npz'), samples: 50, seed: 3, backend });
      const sub = loadDataset(path.join(FX, 'mlp-softmax', 'data.npz'), { samples: 50, seed: 3 });
      const ref = lossAndGrad64(readDenseNet(ckpt), sub.x, 50, sub.y.data, 'ce');
      assert.strictEqual(r.samples, 50);
      assert.ok(Math.abs(r.loss - ref.loss) / ref.loss < 1e-5);
    });
  });
}
