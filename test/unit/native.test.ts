/**
 * The native engine (src/core/native): ONNX graphs compiled from the internal model, run on ONNX
 * Runtime. The exactness matrix of the TF.js suite (every activation × loss, dense networks) against
 * the float64 hyper-dual reference at the same tolerance.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as fs from 'fs';
import * as os from 'os';
import { spawnSync } from 'child_process';
import { checkHvpCase } from '../../src/core/autodiff/selftest';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { cases } from './reference/hvp-cases';

const TOL = 1e-5;

describe('native engine: exact HVP vs float64 hyper-dual reference (onnxruntime, cpu)', function () {
  this.timeout(120000);
  for (const c of cases()) {
    it(c.name, async () => {
      const r = await checkHvpCase(c, (m, d, s) => new OrtObjective(m, d, s, { ep: 'cpu' }));
      assert.ok(r.relError <= TOL, `H·v relative error ${r.relError.toExponential(2)} > ${TOL}`);
      assert.ok(r.gradRelError <= TOL, `gradient relative error ${r.gradRelError.toExponential(2)} > ${TOL}`);
    });
  }
});

describe('native engine: backend selection in the CLI', function () {
  this.timeout(120000);
  const ROOT = path.resolve(__dirname, '../../..');
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 120000 });

  it('diagnose runs on ONNX Runtime by default, with the numbers of TF.js', () => {
    const mlp = path.join(ROOT, 'examples', 'mlp', 'model.json');
    const a = cli('diagnose', mlp, '--top', '2', '--json'), b = cli('diagnose', mlp, '--top', '2', '--json', '--backend', 'cpu');
    assert.strictEqual(a.status, 0, a.stderr); assert.strictEqual(b.status, 0, b.stderr);
    const ra = JSON.parse(a.stdout), rb = JSON.parse(b.stdout);
    assert.strictEqual(ra.engine, 'onnxruntime'); assert.match(ra.backend, /^onnxruntime \(cpu\)$/);
    assert.strictEqual(rb.engine, 'tfjs');
    // at this minimum ‖g‖ ≈ 1e-4 is a difference of nearly equal float32 numbers (softmax − y): both engines agree to float32 roundoff
    assert.ok(Math.abs(ra.gradNorm - rb.gradNorm) / rb.gradNorm < 5e-3, `‖g‖ ${ra.gradNorm} vs ${rb.gradNorm}`);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(ra.hessian.top[i].value - rb.hessian.top[i].value) / rb.hessian.top[i].value < 1e-3, `λ${i} ${ra.hessian.top[i].value} vs ${rb.hessian.top[i].value}`);
  });

  it('--backend ort on a model with an op it cannot compile is exit 2 naming the op; auto falls back with a notice', () => {
    const m = path.join(ROOT, 'test', 'fixtures', 'keras', 'conv1d', 'model.keras');
    const r = cli('diagnose', m, '--backend', 'ort');
    assert.strictEqual(r.status, 2, r.stderr);
    assert.match(r.stderr, /embedding/);
    const auto = cli('diagnose', m, '--json');
    assert.strictEqual(auto.status, 0, auto.stderr);
    const res = JSON.parse(auto.stdout);
    assert.strictEqual(res.engine, 'tfjs');
    assert.ok(res.notices.some((n: string) => /native engine off: .*embedding/.test(n)), res.notices.join('\n'));
  });

  it('an unknown backend or execution provider is exit 2 with the allowed values', () => {
    const mlp = path.join(ROOT, 'examples', 'mlp', 'model.json');
    const r = cli('diagnose', mlp, '--backend', 'cuda');
    assert.strictEqual(r.status, 2); assert.match(r.stderr, /auto, ort, tensorflow, wasm, cpu/);
    const e = cli('diagnose', mlp, '--ep', 'tpu');
    assert.strictEqual(e.status, 2); assert.match(e.stderr, /auto, cpu, webgpu, cuda/);
  });
});

describe('native engine: surgery training loops', function () {
  this.timeout(300000);
  it('special neurons fine-tuned with minibatches on ONNX Runtime follow the TF.js curve (shared sessions per minibatch shape)', async () => {
    const { specialNeuronsJob } = await import('../../src/core/surgery/jobs');
    const fx = path.resolve(__dirname, '../../../test/fixtures/onnx/mlp');
    const runOn = async (backend: 'ort' | 'cpu') => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `landscape-sn-${backend}-`));
      for (const f of ['model.onnx', 'data.npz']) fs.copyFileSync(path.join(fx, f), path.join(dir, f));
      try {
        if (backend === 'cpu') await (await import('../../src/core/backend')).initBackend('cpu');
        return await specialNeuronsJob({ checkpoint: path.join(dir, 'model.onnx'), data: path.join(dir, 'data.npz'), lambda: 0.1, train: 8, lr: 0.01, batchSize: 16, seed: 3, backend });
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    };
    const a = await runOn('ort'), b = await runOn('cpu');
    assert.match(a.backend ?? "", /^onnxruntime/);
    assert.doesNotMatch(b.backend ?? "", /onnxruntime/);
    const ca = a.training!.curve, cb = b.training!.curve;
    assert.strictEqual(ca.length, cb.length);
    for (let i = 0; i < ca.length; i++) {
      assert.ok(Math.abs(ca[i].objective - cb[i].objective) <= 1e-4 * Math.abs(cb[i].objective), `step ${ca[i].step}: ${ca[i].objective} vs ${cb[i].objective}`);
      assert.ok(Math.abs(ca[i].maxAbsA - cb[i].maxAbsA) <= 1e-4 * (cb[i].maxAbsA + 1e-6), `step ${ca[i].step}: max|a| ${ca[i].maxAbsA} vs ${cb[i].maxAbsA}`);
    }
  });
});
