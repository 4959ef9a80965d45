/**
 * Real torch.onnx.export outputs and their .pt / .safetensors checkpoints
 * (test/fixtures/pytorch-exports/make.py, PyTorch 1.13): an MLP with a bias-free nn.Linear, a CNN
 * with BatchNorm2d and a residual add, an MLP with LayerNorm and GELU — each at initialisation (the
 * exporter deduplicates equal-valued parameters and buffers) and after training steps, at opsets 13
 * and 17, with and without constant folding. Read through the CLI's path (readCheckpoint →
 * TfObjective), every variant must give PyTorch's parameter count, and float64 PyTorch's loss,
 * gradient norm, extreme Hessian eigenvalues (eigvalsh of the full double-backward Hessian) and H·v
 * for a seeded v given per parameter name. A checkpoint read with an ONNX beside it takes every
 * tensor it holds (BatchNorm running statistics included) from itself, also when the ONNX was
 * exported at another state; pairs that disagree are refused with the names.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint } from '../../src/core/formats';
import { readOnnxModel } from '../../src/core/formats/onnx';
import { readPytorchStateDict } from '../../src/core/formats/pytorch';
import { pairWithArchitecture } from '../../src/core/formats/pairing';
import { loadDataset } from '../../src/core/data/dataset';
import { resolveLoss } from '../../src/core/loss';
import { EngineName, objectiveOn } from './reference/engines';
import { hessianOperator } from '../../src/core/diagnostics/hessian';
import { lanczosExtremes } from '../../src/core/linalg/lanczos';
import { relErr } from '../../src/core/hvpSelfTest';
import { isUserInputError } from '../../src/core/errors';
import { inspectFile } from '../../src/core/inspect';
import type { GraphModel } from '../../src/core/model/graph';
import { writeOnnx } from '../../src/core/formats/writers/onnx';
import { writeSafetensors } from '../../src/core/formats/writers/safetensors';

const ROOT = path.resolve(__dirname, '../../..');
const FX = path.join(ROOT, 'test/fixtures/pytorch-exports');
const CLI = path.join(ROOT, 'dist', 'cli.js');
interface Ref {
  params: number;
  names: string[];
  buffers: string[];
  loss: number;
  gradNorm: number;
  lambdaMax: number;
  lambdaMin: number;
  v: Record<string, number[]>;
  hv: Record<string, number[]>;
}
const REF: Record<string, Ref> = JSON.parse(fs.readFileSync(path.join(FX, 'reference.json'), 'utf8'));
const MODELS = ['mlp', 'cnn', 'ln'];
const VARIANTS = ['opset13_fold', 'opset13_unfold', 'opset17_fold', 'opset17_unfold'];
const TOL = 1e-4;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** v and the reference H·v in this model's θ layout, when every parameter has its PyTorch name (transposed exports: undefined). */
function namedVectors(model: GraphModel, r: Ref): { v: Float32Array; hv: Float64Array } | undefined {
  if (!model.params.every(p => r.v[p.name] && r.v[p.name].length === p.size)) return undefined;
  const v = new Float32Array(model.numParams),
    hv = new Float64Array(model.numParams);
  for (const p of model.params) {
    v.set(r.v[p.name], p.offset);
    hv.set(r.hv[p.name], p.offset);
  }
  return { v, hv };
}

/** Checks one model against a reference; returns the measured relative errors. */
async function check(
  model: GraphModel,
  dataFile: string,
  r: Ref,
  label: string,
  eig: boolean,
  engine: EngineName = 'cpu',
): Promise<Record<string, number>> {
  assert.strictEqual(model.numParams, r.params, `${label}: ${model.numParams} parameters, PyTorch has ${r.params}`);
  const data = loadDataset(dataFile);
  const obj = objectiveOn(engine, model, data, resolveLoss(model, data), { chunkSize: 16 });
  const err: Record<string, number> = {};
  try {
    const { loss, gradient } = await obj.valueAndGradient(model.theta);
    err.loss = rel(loss, r.loss);
    err.grad = rel(Math.hypot(...gradient), r.gradNorm);
    assert.ok(err.loss < 1e-5, `${label}: loss ${loss} vs PyTorch float64 ${r.loss}`);
    assert.ok(err.grad < TOL, `${label}: ‖g‖ ${Math.hypot(...gradient)} vs ${r.gradNorm}`);
    const named = namedVectors(model, r);
    if (named) {
      err.hv = relErr(await obj.hvp(model.theta, named.v), named.hv);
      assert.ok(err.hv < TOL, `${label}: H·v rel. err ${err.hv}`);
    }
    if (eig) {
      const res = await lanczosExtremes(hessianOperator(obj, model.theta, { n: 0 }), {
        top: 1,
        bottom: 1,
        tol: 1e-7,
        maxIter: Math.min(model.numParams, 160),
        seed: 1,
      });
      err.lmax = rel(res.top[0].value, r.lambdaMax);
      err.lmin = rel(res.bottom[0].value, r.lambdaMin);
      assert.ok(err.lmax < TOL, `${label}: λmax ${res.top[0].value} vs ${r.lambdaMax}`);
      assert.ok(err.lmin < TOL, `${label}: λmin ${res.bottom[0].value} vs ${r.lambdaMin}`);
    }
  } finally {
    obj.dispose();
  }
  return err;
}

/** A folder holding `model.onnx` (the architecture) and `model.<ext>` (the checkpoint), as a user has them. */
function pairDir(archState: string, variant: string, ckptState: string, ext: 'pt' | 'safetensors'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-pair-'));
  fs.copyFileSync(path.join(FX, archState, `${variant}.onnx`), path.join(d, 'model.onnx'));
  fs.copyFileSync(path.join(FX, ckptState, `model.${ext}`), path.join(d, `model.${ext}`));
  fs.copyFileSync(path.join(FX, ckptState, 'data.npz'), path.join(d, 'data.npz'));
  return d;
}

const worst: Record<string, number> = {};
const note = (e: Record<string, number>) => {
  for (const [k, v] of Object.entries(e)) worst[k] = Math.max(worst[k] ?? 0, v);
};
after(() => {
  if (Object.keys(worst).length)
    console.log(
      `      pytorch-exports, worst relative errors vs float64 PyTorch (cpu): ${Object.entries(worst)
        .map(([k, v]) => `${k} ${v.toExponential(1)}`)
        .join(', ')}`,
    );
});

describe('PyTorch exports: ONNX alone (cpu)', function () {
  this.timeout(300000);
  before(async () => {
    await initBackend('cpu');
  });
  for (const m of MODELS)
    for (const state of ['init', 'trained'])
      for (const variant of VARIANTS) {
        it(`${m}_${state}/${variant}: PyTorch's parameter count, loss, ‖g‖, λmax/λmin${variant.endsWith('unfold') ? ', H·v by name' : ''}`, async () => {
          const model = readCheckpoint(path.join(FX, `${m}_${state}`, `${variant}.onnx`));
          const r = REF[`${m}_${state}`];
          for (const b of r.buffers.filter(b => !b.endsWith('num_batches_tracked'))) {
            assert.ok(model.constants.has(b), `buffer ${b} is a constant`);
            assert.ok(!model.params.some(p => p.name === b), `buffer ${b} is not differentiated`);
          }
          note(await check(model, path.join(FX, `${m}_${state}`, 'data.npz'), r, `${m}_${state}/${variant}`, true));
        });
      }
});

describe('PyTorch exports: ONNX alone (native engine, onnxruntime)', function () {
  this.timeout(300000);
  for (const m of MODELS)
    for (const state of ['init', 'trained'])
      for (const variant of VARIANTS) {
        it(`${m}_${state}/${variant}: PyTorch's parameter count, loss, ‖g‖, λmax/λmin${variant.endsWith('unfold') ? ', H·v by name' : ''}`, async () => {
          const model = readCheckpoint(path.join(FX, `${m}_${state}`, `${variant}.onnx`));
          await check(
            model,
            path.join(FX, `${m}_${state}`, 'data.npz'),
            REF[`${m}_${state}`],
            `${m}_${state}/${variant} (ort)`,
            true,
            'ort',
          );
        });
      }
});

describe('PyTorch exports: reader notices', function () {
  it('deduplicated initializers are untied and say so; the renamed, transposed Linear weight is named in a notice', () => {
    const cnn = readOnnxModel(path.join(FX, 'cnn_init', 'opset17_unfold.onnx'));
    assert.deepStrictEqual(cnn.params.map(p => p.name).sort(), REF.cnn_init.names.slice().sort());
    assert.ok(
      cnn.notices.some(n => /bn2\.weight \(was bn1\.weight\)/.test(n) && /bn1\.running_var \(was bn1\.weight\)/.test(n)),
      cnn.notices.join('\n'),
    );
    const mlp = readOnnxModel(path.join(FX, 'mlp_init', 'opset17_fold.onnx'));
    const w = mlp.params.find(p => p.name.startsWith('onnx::MatMul'))!;
    assert.deepStrictEqual([w.role, w.outAxis, w.shape], ['kernel', 1, [12, 12]]);
    assert.ok(mlp.notices.some(n => n.includes(`'${w.name}'`) && /renamed by the exporter's constant folding/.test(n)));
    const unf = readOnnxModel(path.join(FX, 'mlp_init', 'opset13_unfold.onnx'));
    const w2 = unf.params.find(p => p.name === 'fc2.weight')!;
    assert.deepStrictEqual(
      [w2.role, w2.outAxis, w2.layer],
      ['kernel', 0, 'fc2'],
      'the Transpose-read weight is a kernel of its MatMul, output axis 0 as PyTorch stores it',
    );
  });
});

describe('PyTorch exports: checkpoint + the ONNX beside it (cpu)', function () {
  this.timeout(300000);
  before(async () => {
    await initBackend('cpu');
  });
  for (const m of MODELS)
    for (const variant of VARIANTS)
      for (const ext of ['pt', 'safetensors'] as const)
        for (const ckptState of ['init', 'trained']) {
          it(`${m}: ${m}_init/${variant}.onnx + ${m}_${ckptState}/model.${ext} = PyTorch at ${ckptState}`, async () => {
            const d = pairDir(`${m}_init`, variant, `${m}_${ckptState}`, ext);
            const model = readCheckpoint(path.join(d, `model.${ext}`));
            const r = REF[`${m}_${ckptState}`];
            // every tensor of the checkpoint comes from it: parameters (PyTorch's names) and buffers
            assert.deepStrictEqual(model.params.map(p => p.name).sort(), r.names.slice().sort());
            assert.deepStrictEqual(model.pairing!.buffers.slice().sort(), r.buffers.filter(b => !b.endsWith('num_batches_tracked')).sort());
            assert.deepStrictEqual(model.pairing!.unused.sort(), r.buffers.filter(b => b.endsWith('num_batches_tracked')).sort());
            assert.ok(model.notices.some(n => n.startsWith(`architecture from model.onnx, weights from model.${ext}`)));
            const renamed = model.pairing!.params.filter(p => p.exportedAs);
            if (m === 'mlp' && variant.endsWith('_fold')) {
              assert.deepStrictEqual(
                renamed.map(p => [p.name, p.transposed, p.matched]),
                [['fc2.weight', true, ckptState === 'init' ? 'position, shape and values' : 'position and shape']],
              );
              assert.ok(model.notices.some(n => /fc2\.weight → 'onnx::MatMul_\d+' \(transposed\)/.test(n)));
            } else assert.strictEqual(renamed.length, 0);
            const e = await check(
              model,
              path.join(d, 'data.npz'),
              r,
              `${m}_init/${variant} + ${m}_${ckptState}.${ext}`,
              ckptState === 'trained' && ext === 'pt',
            );
            assert.ok(e.hv !== undefined, 'H·v checked by name');
            note(e);
          });
        }
});

describe('PyTorch exports: tied weights', function () {
  this.timeout(120000);
  before(async () => {
    await initBackend('cpu');
  });
  it('one Parameter under two state-dict names: one slice of θ, the second name reported as tied, numbers = PyTorch', async () => {
    const r = REF.tied;
    const alone = readCheckpoint(path.join(FX, 'tied', 'model.onnx'));
    assert.deepStrictEqual(alone.params.map(p => p.name).sort(), r.names.slice().sort());
    const model = readCheckpoint(path.join(FX, 'tied', 'model.pt'));
    assert.deepStrictEqual(model.pairing!.tiedTo, { 'c.weight': 'a.weight' });
    assert.ok(model.notices.some(n => /c\.weight \(tied to a\.weight: the export holds it once\)/.test(n)));
    note(await check(model, path.join(FX, 'tied', 'data.npz'), r, 'tied .pt', true));
  });
});

describe('PyTorch exports: pairs that disagree are refused with the names', function () {
  this.timeout(120000);
  it('a BatchNorm-folded (training=EVAL) export + its .pt: refused, the BatchNorm tensors listed and the cause said', () => {
    const d = pairDir('cnn_init', 'opset17_evalfused', 'cnn_trained', 'pt');
    assert.throws(
      () => readCheckpoint(path.join(d, 'model.pt')),
      (e: Error) =>
        isUserInputError(e) &&
        /in model\.pt but not read by model\.onnx: bn1\.weight, bn1\.bias, bn1\.running_mean, bn1\.running_var/.test(e.message) &&
        /BatchNorm folded into its convolutions/.test(e.message) &&
        /TrainingMode\.PRESERVE/.test(e.message),
    );
  });

  it("another model's checkpoint: both sides' names listed", () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-pair-'));
    fs.copyFileSync(path.join(FX, 'ln_init', 'opset17_fold.onnx'), path.join(d, 'model.onnx'));
    fs.copyFileSync(path.join(FX, 'mlp_trained', 'model.safetensors'), path.join(d, 'model.safetensors'));
    assert.throws(
      () => readCheckpoint(path.join(d, 'model.safetensors')),
      (e: Error) =>
        isUserInputError(e) &&
        /in model\.onnx but not in model\.safetensors: ln1\.weight, ln1\.bias, fc2\.bias/.test(e.message) &&
        /in model\.safetensors but not read by model\.onnx: fc4\.weight, fc4\.bias/.test(e.message) &&
        /shapes differ: fc1\.weight \(12×6 in model\.safetensors, 8×6 in model\.onnx\)/.test(e.message),
    );
  });

  it('a shape that differs, a missing running statistic, an extra tensor: each named', () => {
    const file = path.join(FX, 'cnn_trained', 'model.pt');
    const arch = path.join(FX, 'cnn_init', 'opset13_unfold.onnx');
    const base = readPytorchStateDict(file, fs.readFileSync(file));
    const bad = base.filter(t => t.name !== 'bn2.running_var').map(t => (t.name === 'fc.weight' ? { ...t, shape: [4, 3] } : t));
    bad.push({ name: 'head.scale', shape: [1], dtype: 'float32', values: Float32Array.of(2) });
    assert.throws(
      () => pairWithArchitecture(file, bad, readOnnxModel(arch), arch),
      (e: Error) =>
        isUserInputError(e) &&
        /in opset13_unfold\.onnx but not in model\.pt: bn2\.running_var/.test(e.message) &&
        /not read by opset13_unfold\.onnx: head\.scale/.test(e.message) &&
        /shapes differ: fc\.weight \(4×3 in model\.pt, 3×4 in opset13_unfold\.onnx\)/.test(e.message),
    );
  });

  it('CLI: diagnose of a refused pair exits 2 with the names; inspect shows what comes from where', () => {
    const bad = pairDir('cnn_init', 'opset17_evalfused', 'cnn_trained', 'safetensors');
    const r = spawnSync(process.execPath, [CLI, 'diagnose', path.join(bad, 'model.safetensors'), '--json'], { encoding: 'utf8' });
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /bn1\.running_mean/);
    const good = pairDir('mlp_init', 'opset17_fold', 'mlp_trained', 'pt');
    const i = spawnSync(process.execPath, [CLI, 'inspect', path.join(good, 'model.pt'), '--json'], { encoding: 'utf8' });
    assert.strictEqual(i.status, 0, i.stderr);
    const j = JSON.parse(i.stdout);
    assert.strictEqual(j.params, REF.mlp_trained.params);
    assert.deepStrictEqual(
      j.pairing.params.find((p: { exportedAs?: string }) => p.exportedAs),
      {
        name: 'fc2.weight',
        exportedAs: j.pairing.params.find((p: { exportedAs?: string }) => p.exportedAs).exportedAs,
        transposed: true,
        matched: 'position and shape',
      },
    );
    const cnn = inspectFile(path.join(pairDir('cnn_init', 'opset13_fold', 'cnn_trained', 'pt'), 'model.pt'));
    assert.strictEqual(cnn.params, REF.cnn_trained.params);
    assert.ok(cnn.tensors.find(t => t.name === 'bn1.running_var' && !t.trainable));
    const refused = inspectFile(path.join(bad, 'model.safetensors'));
    assert.ok(
      refused.notices.some(n => /^not diagnosable with model\.onnx beside it: model\.safetensors and its architecture/.test(n)),
      refused.notices.join('\n'),
    );
  });
});

describe('PyTorch exports: writing a changed θ back', function () {
  this.timeout(120000);
  it('ONNX with deduplicated initializers: each untied tensor is written as its own initializer; buffers keep their values', () => {
    const src = path.join(FX, 'cnn_init', 'opset17_unfold.onnx');
    const a = readOnnxModel(src);
    const theta = Float32Array.from(a.theta, (x, i) => x + 0.01 * Math.sin(i + 1));
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-w-')), 'changed.onnx');
    writeOnnx(src, a, theta, out);
    const b = readOnnxModel(out);
    assert.strictEqual(b.numParams, a.numParams);
    for (const p of a.params) {
      const q = b.params.find(x => x.name === p.name)!;
      assert.deepStrictEqual(
        Array.from(b.theta.subarray(q.offset, q.offset + q.size)),
        Array.from(theta.subarray(p.offset, p.offset + p.size)),
        p.name,
      );
    }
    for (const n of ['bn1.running_var', 'bn1.running_mean', 'bn2.running_var', 'bn2.running_mean'])
      assert.deepStrictEqual(Array.from(b.constants.get(n)!.values), Array.from(a.constants.get(n)!.values), n);
    assert.ok(!b.notices.some(n => /merged with an equal-valued initializer/.test(n)), 'nothing left to untie');
  });

  it("safetensors paired with a folded export: the renamed weight is written back in PyTorch's layout", () => {
    const d = pairDir('mlp_init', 'opset17_fold', 'mlp_trained', 'safetensors');
    const a = readCheckpoint(path.join(d, 'model.safetensors'));
    const theta = Float32Array.from(a.theta, (x, i) => x + 0.01 * Math.cos(i));
    writeSafetensors(path.join(d, 'model.safetensors'), a, theta, path.join(d, 'model.changed.safetensors'));
    const b = readCheckpoint(path.join(d, 'model.changed.safetensors'));
    assert.deepStrictEqual(Array.from(b.theta), Array.from(theta));
    assert.deepStrictEqual(
      b.params.map(p => [p.name, p.shape]),
      a.params.map(p => [p.name, p.shape]),
    );
  });
});

describe('PyTorch exports on wasm', function () {
  this.timeout(300000);
  before(async () => {
    await initBackend('wasm');
  });
  after(async () => {
    await initBackend('cpu');
  });
  for (const m of MODELS) {
    it(`${m}: trained, opset 17 unfolded, and the init export + trained .safetensors`, async () => {
      await check(
        readCheckpoint(path.join(FX, `${m}_trained`, 'opset17_unfold.onnx')),
        path.join(FX, `${m}_trained`, 'data.npz'),
        REF[`${m}_trained`],
        `${m} wasm`,
        true,
      );
      const d = pairDir(`${m}_init`, 'opset17_fold', `${m}_trained`, 'safetensors');
      await check(
        readCheckpoint(path.join(d, 'model.safetensors')),
        path.join(d, 'data.npz'),
        REF[`${m}_trained`],
        `${m} wasm pair`,
        false,
      );
    });
  }
});
