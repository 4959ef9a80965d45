/**
 * The sequence half of the PyTorch zoo (issue 22): real torch.onnx.export outputs of
 * nn.TransformerEncoder / nn.TransformerDecoder with nn.Embedding + learned positions and a causal
 * mask, a GPT-style block (multi-head causal attention written out, tanh-GELU, residuals, tied
 * input/output embedding), LSTM and GRU classifiers (uni- and bidirectional, 2 layers), a plain
 * nn.RNN and the encoder with a key-padding mask computed from the ids (Equal → Where on data) — random weights, exported as media/pytorch/landscape_lens.py exports (opset 17, eval(), no
 * constant folding), data = int64 token ids. Committed with their generator
 * (test/fixtures/zoo/make_seq.py; PyTorch 1.13, deterministic). On ONNX Runtime (the native engine,
 * no fallback: a model that does not compile fails here) every model must give PyTorch's parameter
 * count and, against float64 PyTorch double backward, the loss, the gradient norm and H·v for a
 * seeded v given per parameter name. The TF.js engine (cpu) runs the same models to the same tolerances.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { readCheckpoint } from '../../src/core/formats';
import { loadDataset } from '../../src/core/data/dataset';
import { resolveLoss } from '../../src/core/loss';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { TfObjective } from '../../src/core/objective';
import { initBackend } from '../../src/core/backend';
import { encodeNpz } from '../../src/core/data/npyWrite';
import { isUserInputError } from '../../src/core/errors';
import * as os from 'os';
import { opKinds } from '../../src/core/model/opKinds';
import { relErr } from '../../src/core/hvpSelfTest';

const ROOT = path.resolve(__dirname, '../../..');
const FX = path.join(ROOT, 'test/fixtures/zoo/seq');
interface Ref {
  params: number;
  names: string[];
  loss: number;
  gradNorm: number;
  v: Record<string, number[]>;
  hv: Record<string, number[]>;
}
const REF: Record<string, Ref> = JSON.parse(fs.readFileSync(path.join(FX, 'reference.json'), 'utf8'));
const MODELS: [string, string][] = [
  ['enc', 'nn.TransformerEncoder, Embedding + learned positions, causal mask'],
  ['dec', 'nn.TransformerDecoder, causal target mask'],
  ['gpt', 'GPT-style block, tied embeddings'],
  ['lstm', 'LSTM, 2 layers'],
  ['bilstm', 'bidirectional LSTM, 2 layers'],
  ['gru', 'GRU, 2 layers'],
  ['bigru', 'bidirectional GRU, 2 layers'],
  ['rnn', 'nn.RNN (tanh), 2 layers'],
  ['encpad', 'TransformerEncoder with a key-padding mask computed from the ids'],
];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

const worst: Record<string, number> = {};
after(() => {
  if (Object.keys(worst).length)
    console.log(
      `      zoo-seq, worst relative errors vs float64 PyTorch (ort): ${Object.entries(worst)
        .map(([k, v]) => `${k} ${v.toExponential(1)}`)
        .join(', ')}`,
    );
});

describe('PyTorch zoo, sequence models: native engine (onnxruntime) vs float64 PyTorch', function () {
  this.timeout(120000);
  for (const [name, what] of MODELS)
    it(`${name} (${what}): parameter count, loss, ‖g‖, H·v by name`, async () => {
      const r = REF[name];
      const model = readCheckpoint(path.join(FX, name, 'model.onnx'));
      assert.strictEqual(model.numParams, r.params, `${name}: ${model.numParams} parameters, PyTorch has ${r.params}`);
      assert.deepStrictEqual(model.params.map(p => p.name).sort(), r.names.slice().sort(), `${name}: parameter names`);
      const data = loadDataset(path.join(FX, name, 'data.npz'));
      // constructing the objective compiles the ONNX graphs: a model the native engine cannot compile throws here
      const obj = new OrtObjective(model, data, resolveLoss(model, data), { chunkSize: 16, ep: 'cpu' });
      try {
        const { loss, gradient } = await obj.valueAndGradient(model.theta);
        const v = new Float32Array(model.numParams),
          hvRef = new Float64Array(model.numParams);
        for (const p of model.params) {
          v.set(r.v[p.name], p.offset);
          hvRef.set(r.hv[p.name], p.offset);
        }
        const hv = await obj.hvp(model.theta, v);
        const e = { loss: rel(loss, r.loss), grad: rel(Math.hypot(...gradient), r.gradNorm), hv: relErr(hv, hvRef) };
        for (const [k, x] of Object.entries(e)) worst[k] = Math.max(worst[k] ?? 0, x);
        assert.ok(e.loss < 1e-5, `${name}: loss ${loss} vs PyTorch float64 ${r.loss}`);
        assert.ok(e.grad < 1e-4, `${name}: ‖g‖ ${Math.hypot(...gradient)} vs ${r.gradNorm}`);
        assert.ok(e.hv < 1e-4, `${name}: H·v rel. err ${e.hv}`);
        assert.strictEqual(obj.counts.hvp, 1, 'one HVP');
      } finally {
        obj.dispose();
      }
    });

  it('the -inf causal mask buffer is a constant, not a parameter; token ids load as data', () => {
    const model = readCheckpoint(path.join(FX, 'enc', 'model.onnx'));
    assert.ok(model.constants.has('mask'), 'mask is a constant');
    assert.ok(!model.params.some(p => p.name === 'mask'));
    const kinds = opKinds(model);
    const emb = model.nodes.findIndex(n => n.op === 'onnx.Gather' && n.inputs[0] === 'emb.weight');
    assert.strictEqual(kinds[emb].family, 'embedding', 'the token-id Gather of a parameter table is an embedding');
    const data = loadDataset(path.join(FX, 'enc', 'data.npz'));
    assert.ok(
      data.x.every(v => Number.isInteger(v) && v >= 0 && v < 12),
      'ids are exact integers',
    );
  });

  it('int64 ids above 2^24 (not exact in float32) are refused, naming the file, key and element', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-ids-'));
    const npz = (last: bigint) =>
      encodeNpz({ x: { shape: [2, 2], data: BigInt64Array.from([1n, 2n, 3n, last]) }, y: { shape: [2], data: Int32Array.from([0, 1]) } });
    try {
      const f = path.join(dir, 'data.npz');
      fs.writeFileSync(f, npz(16777217n));
      assert.throws(
        () => loadDataset(f),
        (e: Error) => isUserInputError(e) && /16777217 at element 3, above 2\^24/.test(e.message) && e.message.includes(f),
      );
      fs.writeFileSync(f, npz(16777216n));
      assert.strictEqual(loadDataset(f).x[3], 16777216);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PyTorch zoo, sequence models: TF.js engine (cpu) vs float64 PyTorch', function () {
  this.timeout(120000);
  before(async () => {
    await initBackend('cpu');
  });
  for (const [name, what] of MODELS)
    it(`${name} (${what}): loss, ‖g‖, H·v by name`, async () => {
      const r = REF[name];
      const model = readCheckpoint(path.join(FX, name, 'model.onnx'));
      const data = loadDataset(path.join(FX, name, 'data.npz'));
      const obj = new TfObjective(model, data, resolveLoss(model, data), { chunkSize: 24 });
      try {
        const { loss, gradient } = await obj.valueAndGradient(model.theta);
        const v = new Float32Array(model.numParams),
          hvRef = new Float64Array(model.numParams);
        for (const p of model.params) {
          v.set(r.v[p.name], p.offset);
          hvRef.set(r.hv[p.name], p.offset);
        }
        const hv = await obj.hvp(model.theta, v);
        assert.ok(rel(loss, r.loss) < 1e-5, `${name}: loss ${loss} vs PyTorch float64 ${r.loss}`);
        assert.ok(rel(Math.hypot(...gradient), r.gradNorm) < 1e-4, `${name}: ‖g‖ ${Math.hypot(...gradient)} vs ${r.gradNorm}`);
        assert.ok(relErr(hv, hvRef) < 1e-4, `${name}: H·v rel. err ${relErr(hv, hvRef)}`);
      } finally {
        obj.dispose();
      }
    });
});
