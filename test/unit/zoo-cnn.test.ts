/**
 * The CNN half of the model zoo (issue 22): real torchvision architectures (ResNet-18's topology,
 * MobileNetV2, MobileNetV3-Small, EfficientNet-B0's blocks, ShuffleNetV2, SqueezeNet 1.1, DenseNet,
 * ConvNeXt blocks, and a CNN with every activation torch exports), generated at test time by
 * test/fixtures/zoo/make_cnn.py with /usr/bin/python3 (random weights, no downloads) into a temp
 * folder cached by the script's content, exported exactly as the README's helper exports them.
 * Each runs on the native engine (ONNX Runtime, CPU provider) with no fallback: a model that does
 * not compile fails. Loss, the whole gradient and H·v for a seeded v (per parameter name) are
 * compared with PyTorch's float64 double backward at the PyTorch-export tolerances.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../../src/core/formats';
import { loadDataset } from '../../src/core/data/dataset';
import { resolveLoss } from '../../src/core/loss';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { TfObjective } from '../../src/core/objective';
import { initBackend } from '../../src/core/backend';
import { makeObjective } from '../../src/core/engine';
import { LOWER } from '../../src/core/native/lower';
import { fallbackAdvice } from '../../src/core/engineAdvice';
import { isUserInputError } from '../../src/core/errors';
import { firstUnsupported } from '../../src/core/native/compile';
import { relErr } from '../../src/core/hvpSelfTest';
import type { GraphModel } from '../../src/core/model/graph';

const ROOT = path.resolve(__dirname, '../../..');
const PY = '/usr/bin/python3';
const SCRIPT = path.join(ROOT, 'test/fixtures/zoo/make_cnn.py');
const HELPER = path.join(ROOT, 'media/pytorch/landscape_lens.py');
export const ZOO_CNN = [
  'resnet18',
  'mobilenet_v2',
  'mobilenet_v3',
  'efficientnet',
  'shufflenet',
  'squeezenet',
  'densenet',
  'convnext',
  'activations',
  'grouped',
];
const TOL = 1e-4;

interface Ref {
  params: number;
  names: string[];
  loss: number;
  gradNorm: number;
  grad: Record<string, number[]>;
  v: Record<string, number[]>;
  hv: Record<string, number[]>;
}

/** The zoo folder: generated once per content of the generator and the helper. */
export function zooCnnDir(): string {
  const h = crypto.createHash('sha256').update(fs.readFileSync(SCRIPT)).update(fs.readFileSync(HELPER)).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `landscape-zoo-cnn-${h}`);
  if (fs.existsSync(path.join(dir, 'reference.json'))) return dir;
  const env = { ...process.env, OMP_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' };
  if (spawnSync(PY, ['-c', 'import torch, torchvision, onnx'], { env }).status !== 0)
    throw new Error(`${PY} cannot import torch, torchvision and onnx: apt-get install python3-torch python3-torchvision python3-onnx`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-zoo-cnn-tmp-'));
  const r = spawnSync(PY, [SCRIPT, tmp], { env, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr.slice(-4000));
  fs.renameSync(tmp, dir);
  return dir;
}

function byName(model: GraphModel, m: Record<string, number[]>): Float64Array {
  const out = new Float64Array(model.numParams);
  for (const p of model.params) {
    const v = m[p.name];
    assert.ok(v && v.length === p.size, `parameter ${p.name} (${p.size}) has no PyTorch counterpart of that size`);
    out.set(v, p.offset);
  }
  return out;
}

describe('Model zoo (CNN): torchvision architectures on the native engine = float64 PyTorch', function () {
  this.timeout(600000);
  let dir: string;
  let refs: Record<string, Ref>;
  const worst: Record<string, number> = {};
  before(function () {
    dir = zooCnnDir();
    refs = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
  });
  after(() => {
    console.log(
      `      zoo-cnn, worst relative errors vs float64 PyTorch: ${Object.entries(worst)
        .map(([k, v]) => `${k} ${v.toExponential(1)}`)
        .join(', ')}`,
    );
  });
  for (const name of ZOO_CNN)
    it(`${name}: compiles natively (no fallback); loss, gradient, H·v = PyTorch float64`, async () => {
      const r = refs[name];
      const model = readCheckpoint(path.join(dir, name, 'model.onnx'));
      assert.strictEqual(model.numParams, r.params, `${name}: ${model.numParams} parameters, PyTorch has ${r.params}`);
      const missing = firstUnsupported(model);
      assert.strictEqual(missing, undefined, `${name}: no native lowering for ${JSON.stringify(missing)}`);
      const data = loadDataset(path.join(dir, name, 'data.npz'));
      const obj = new OrtObjective(model, data, resolveLoss(model, data), { chunkSize: 8, ep: 'cpu' });
      try {
        const { loss, gradient } = await obj.valueAndGradient(model.theta);
        const e = {
          loss: Math.abs(loss - r.loss) / Math.abs(r.loss),
          grad: relErr(gradient, byName(model, r.grad)),
          hv: relErr(await obj.hvp(model.theta, Float32Array.from(byName(model, r.v))), byName(model, r.hv)),
        };
        for (const [k, v] of Object.entries(e)) worst[k] = Math.max(worst[k] ?? 0, v);
        assert.ok(obj.backend.startsWith('onnxruntime'), obj.backend);
        assert.ok(e.loss < 1e-5, `${name}: loss ${loss} vs PyTorch float64 ${r.loss}`);
        assert.ok(e.grad < TOL, `${name}: gradient rel. err ${e.grad}`);
        assert.ok(e.hv < TOL, `${name}: H·v rel. err ${e.hv}`);
      } finally {
        obj.dispose();
      }
    });
});

describe('Model zoo (CNN): the activation family and ceil_mode pooling on TF.js stay exact', function () {
  this.timeout(600000);
  before(async () => {
    await initBackend('cpu');
  });
  it('activations (Mish, Softplus(β), Softsign, ELU, SELU, CELU, LeakyReLU, PReLU, Hardtanh, HardSwish, HardSigmoid, SiLU, ReLU6, …, ceil_mode pools) on TF.js cpu = PyTorch float64', async () => {
    const dir = zooCnnDir();
    const r: Ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')).activations;
    const model = readCheckpoint(path.join(dir, 'activations', 'model.onnx'));
    const data = loadDataset(path.join(dir, 'activations', 'data.npz'));
    const obj = new TfObjective(model, data, resolveLoss(model, data), { chunkSize: 8 });
    const { loss, gradient } = await obj.valueAndGradient(model.theta);
    assert.ok(Math.abs(loss - r.loss) / r.loss < 1e-5, `loss ${loss} vs ${r.loss}`);
    const eg = relErr(gradient, byName(model, r.grad)),
      eh = relErr(await obj.hvp(model.theta, Float32Array.from(byName(model, r.v))), byName(model, r.hv));
    assert.ok(eg < TOL, `gradient rel. err ${eg}`);
    assert.ok(eh < TOL, `H·v rel. err ${eh}`);
  });
});

describe('No silent slow paths: what the native engine cannot run is named, with what happens and what to do', function () {
  this.timeout(120000);
  it('auto: notice names op and layer, says TF.js is exact but slower and why here; ort: refusal says what to do', async () => {
    const dir = zooCnnDir();
    const model = readCheckpoint(path.join(dir, 'mobilenet_v2', 'model.onnx'));
    const data = loadDataset(path.join(dir, 'mobilenet_v2', 'data.npz'));
    const advice = fallbackAdvice(model);
    const depthwise = model.nodes.filter(n => n.op === 'onnx.Conv' && Number(n.attrs.group ?? 1) > 1);
    assert.ok(depthwise.length > 10, 'MobileNetV2 has depthwise convolutions');
    assert.match(advice, new RegExp(`${depthwise.length} grouped/depthwise convolutions one group at a time`));
    assert.match(advice, /exact, but typically an order of magnitude slower/);
    assert.match(advice, /--backend wasm/);
    // an op the native engine has no rule for (its lowering taken away for this test): auto falls back with the advice, ort refuses
    const clip = LOWER['onnx.Clip'];
    delete LOWER['onnx.Clip'];
    try {
      const node = model.nodes.find(n => n.op === 'onnx.Clip')!;
      const e = await makeObjective(model, data, resolveLoss(model, data), { backend: 'auto' });
      assert.strictEqual(e.engine, 'tfjs');
      assert.ok(
        e.notices.some(
          n =>
            n.includes(`op 'onnx.Clip' (layer '${node.name}')`) &&
            n.includes('computed with TF.js instead') &&
            /one group at a time/.test(n),
        ),
        e.notices.join('\n'),
      );
      e.obj.dispose?.();
      await assert.rejects(
        makeObjective(model, data, resolveLoss(model, data), { backend: 'ort' }),
        (err: Error) => isUserInputError(err) && /onnx\.Clip/.test(err.message) && /--backend wasm/.test(err.message),
      );
    } finally {
      LOWER['onnx.Clip'] = clip;
    }
  });
});
