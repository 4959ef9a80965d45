/**
 * Layer names users wrote (issue 24 item 9): an ONNX model exported from PyTorch names each layer by
 * its module path (src/core/formats/moduleNames.ts), checked against PyTorch's own answer on a real
 * torchvision ResNet-18 generated at test time by test/fixtures/module-names/make.py with
 * /usr/bin/python3 (random weights, no downloads; cached in the temp folder by the script's content):
 * exported as the README's helper exports it (every parameter keeps its name: its layer is the
 * module that owns it in named_modules()) and by a plain torch.onnx.export (BatchNorm folded into the
 * convolutions, parameters renamed onnx::Conv_N: the layers are the Conv/Linear modules whose forward
 * ran, as forward hooks record them).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readOnnxModel } from '../../src/core/formats/onnx';
import { moduleOfNodeName, moduleOfParameter, pytorchModuleName } from '../../src/core/formats/moduleNames';
import { lossAndGradient } from '../../src/core/diagnostics/basic';
import type { Objective } from '../../src/core/objective';

const ROOT = path.resolve(__dirname, '../../..');
const PY = '/usr/bin/python3';
const SCRIPT = path.join(ROOT, 'test/fixtures/module-names/make.py');
const HELPER = path.join(ROOT, 'media/pytorch/landscape_lens.py');

function generated(): string {
  const h = crypto.createHash('sha256').update(fs.readFileSync(SCRIPT)).update(fs.readFileSync(HELPER)).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `landscape-module-names-${h}`);
  if (fs.existsSync(path.join(dir, 'names.json'))) return dir;
  const env = { ...process.env, OMP_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-module-names-tmp-'));
  const r = spawnSync(PY, [SCRIPT, tmp], { env, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, `${PY} ${SCRIPT}: ${(r.stderr ?? '').slice(-4000)}`);
  fs.renameSync(tmp, dir);
  return dir;
}

describe('layer names users wrote: module paths of PyTorch exports', function () {
  this.timeout(600000);

  it('derives the module from a parameter name or a PyTorch node name', () => {
    assert.strictEqual(moduleOfParameter('conv1.weight'), 'conv1');
    assert.strictEqual(moduleOfParameter('layer1.0.conv2.weight'), 'layer1.0.conv2');
    assert.strictEqual(moduleOfParameter('0.bias'), '0');
    assert.strictEqual(moduleOfParameter('onnx::Conv_193'), undefined);
    assert.strictEqual(moduleOfParameter('scale'), undefined);
    assert.strictEqual(moduleOfNodeName('/layer1/layer1.0/conv2/Conv'), 'layer1.0.conv2');
    assert.strictEqual(moduleOfNodeName('/layer2/layer2.0/downsample/downsample.0/Conv'), 'layer2.0.downsample.0');
    assert.strictEqual(moduleOfNodeName('/features/features.0/features.0.0/Conv_1'), 'features.0.0');
    // torch 1.13's names for torchvision mobilenet_v2's convolutions features.1.conv.0.0 and features.2.conv.1.0
    assert.strictEqual(moduleOfNodeName('/features/features.1/conv/conv.0/conv.0.0/Conv'), 'features.1.conv.0.0');
    assert.strictEqual(moduleOfNodeName('/features/features.2/conv/conv.1/conv.1.0/Conv'), 'features.2.conv.1.0');
    assert.strictEqual(moduleOfNodeName('/fc/Gemm'), 'fc');
    assert.strictEqual(moduleOfNodeName('/Add'), undefined);
    assert.strictEqual(moduleOfNodeName('Identity_0'), undefined);
    assert.strictEqual(moduleOfNodeName(''), undefined);
    // the parameters' module first; the node's scope when they are renamed or disagree (a tied weight); nothing for other producers
    assert.strictEqual(pytorchModuleName({ name: '/fc/Gemm' }, ['fc.weight', 'fc.bias'], 'pytorch'), 'fc');
    assert.strictEqual(pytorchModuleName({ name: '/conv1/Conv' }, ['onnx::Conv_193', 'onnx::Conv_194'], 'pytorch'), 'conv1');
    assert.strictEqual(pytorchModuleName({ name: '/decoder/MatMul' }, ['embed.weight', 'decoder.bias'], 'pytorch'), 'decoder');
    assert.strictEqual(pytorchModuleName({ name: '/fc/Gemm' }, ['fc.weight'], 'tf2onnx'), undefined);
  });

  it('ResNet-18 exported by the helper: every parameter is in the layer of the module that owns it (PyTorch named_modules)', () => {
    const dir = generated();
    const names = JSON.parse(fs.readFileSync(path.join(dir, 'names.json'), 'utf8')) as { owner: Record<string, string> };
    const model = readOnnxModel(path.join(dir, 'helper', 'model.onnx'));
    assert.strictEqual(model.params.length, Object.keys(names.owner).length);
    for (const p of model.params) assert.strictEqual(p.layer, names.owner[p.name], `${p.name}: layer ${p.layer}`);
    const layers = new Set(model.params.map(p => p.layer));
    assert.deepStrictEqual([...layers].sort(), [...new Set(Object.values(names.owner))].sort());
    assert.ok(layers.has('conv1') && layers.has('layer1.0.conv2') && layers.has('layer2.0.downsample.0') && layers.has('fc'));
    // the per-layer gradient norms (the dashboard's chart, the tree, hovers) are named by those layers
    const g = new Float32Array(model.numParams).fill(1);
    const obj = { valueAndGradient: async () => ({ loss: 0, gradient: g }) } as unknown as Objective;
    return lossAndGradient(model, obj, model.theta).then(b => {
      assert.deepStrictEqual(b.layers.map(l => l.name).sort(), [...layers].sort());
      // all-ones gradient: each layer's norm is √(its parameter count), the closed form
      for (const l of b.layers) assert.ok(Math.abs(l.gradNorm - Math.sqrt(l.params)) < 1e-9 * l.gradNorm, JSON.stringify(l));
    });
  });

  it('ResNet-18 by a plain torch.onnx.export (BatchNorm folded, parameters renamed): the layers are the Conv/Linear modules that ran', () => {
    const dir = generated();
    const names = JSON.parse(fs.readFileSync(path.join(dir, 'names.json'), 'utf8')) as { modules: string[]; convLinearCalls: string[] };
    const model = readOnnxModel(path.join(dir, 'plain.onnx'));
    assert.ok(
      model.params.some(p => p.name.startsWith('onnx::Conv_')),
      'constant folding renamed the convolutions’ parameters (the case this test is for)',
    );
    const kernels = model.params.filter(p => p.role === 'kernel').map(p => p.layer);
    assert.deepStrictEqual(kernels.slice().sort(), names.convLinearCalls.slice().sort());
    const modules = new Set(names.modules);
    for (const p of model.params) assert.ok(modules.has(p.layer), `${p.name}: layer ${p.layer} is a module of the model`);
  });

  it('a model from another producer keeps its node names', () => {
    const model = readOnnxModel(path.join(ROOT, 'test/fixtures/onnx/gelu20/model.onnx'));
    const nodeNames = new Set(model.nodes.map(n => n.name));
    for (const p of model.params) assert.ok(nodeNames.has(p.layer), `${p.name}: layer ${p.layer}`);
  });
});
