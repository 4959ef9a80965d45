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
import { checkHvpCase } from '../../src/core/hvpSelfTest';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { cases } from './reference/hvp-cases';
import { Graph } from '../../src/core/native/ir';
import { toModelProto } from '../../src/core/native/proto';
import { encodeNpz } from '../../src/core/data/npyWrite';

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
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 120000 });

  it('diagnose runs on ONNX Runtime by default, with the numbers of TF.js', () => {
    const mlp = path.join(ROOT, 'examples', 'mlp', 'model.json');
    const a = cli('diagnose', mlp, '--top', '2', '--json'),
      b = cli('diagnose', mlp, '--top', '2', '--json', '--backend', 'cpu');
    assert.strictEqual(a.status, 0, a.stderr);
    assert.strictEqual(b.status, 0, b.stderr);
    const ra = JSON.parse(a.stdout),
      rb = JSON.parse(b.stdout);
    assert.strictEqual(ra.engine, 'onnxruntime');
    assert.match(ra.backend, /^onnxruntime \(cpu\)$/);
    assert.strictEqual(rb.engine, 'tfjs');
    // at this minimum ‖g‖ ≈ 1e-4 is a difference of nearly equal float32 numbers (softmax − y): both engines agree to float32 roundoff
    assert.ok(Math.abs(ra.gradNorm - rb.gradNorm) / rb.gradNorm < 5e-3, `‖g‖ ${ra.gradNorm} vs ${rb.gradNorm}`);
    for (let i = 0; i < 2; i++)
      assert.ok(
        Math.abs(ra.hessian.top[i].value - rb.hessian.top[i].value) / rb.hessian.top[i].value < 1e-3,
        `λ${i} ${ra.hessian.top[i].value} vs ${rb.hessian.top[i].value}`,
      );
  });

  it('--backend ort on a model with an op it cannot compile is exit 2 naming the op; auto falls back with a notice', () => {
    // an ONNX model whose float Gather takes 65 indices (TF.js runs it; the compiler takes at most 64)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-fallback-'));
    try {
      const g = new Graph();
      const x = g.input('x', [8, 70]);
      const [picked] = g.emit('Gather', [x, g.constI(Array.from({ length: 65 }, (_, i) => i))], { axis: 1 }, [
        { shape: [8, 65], dtype: 'float' },
      ]);
      g.outputs = [
        g.matmul(
          picked,
          g.constF(
            Float32Array.from({ length: 195 }, (_, i) => Math.sin(i) / 8),
            [65, 3],
            'W',
          ),
        ),
      ];
      fs.writeFileSync(path.join(dir, 'model.onnx'), toModelProto(g));
      fs.writeFileSync(
        path.join(dir, 'data.npz'),
        encodeNpz({
          x: { shape: [8, 70], data: Float32Array.from({ length: 560 }, (_, i) => Math.cos(i)) },
          y: { shape: [8], data: Int32Array.from({ length: 8 }, (_, i) => i % 3) },
        }),
      );
      const m = path.join(dir, 'model.onnx');
      const r = cli('diagnose', m, '--backend', 'ort');
      assert.strictEqual(r.status, 2, r.stderr);
      assert.match(r.stderr, /Gather.*65 indices/);
      const auto = cli('diagnose', m, '--json');
      assert.strictEqual(auto.status, 0, auto.stderr);
      const res = JSON.parse(auto.stdout);
      assert.strictEqual(res.engine, 'tfjs');
      assert.ok(
        res.notices.some((n: string) => /native engine off: .*Gather/.test(n)),
        res.notices.join('\n'),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown backend or execution provider is exit 2 with the allowed values', () => {
    const mlp = path.join(ROOT, 'examples', 'mlp', 'model.json');
    const r = cli('diagnose', mlp, '--backend', 'cuda');
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /auto, ort, tensorflow, wasm, cpu/);
    const e = cli('diagnose', mlp, '--ep', 'tpu');
    assert.strictEqual(e.status, 2);
    assert.match(e.stderr, /auto, cpu, webgpu, cuda/);
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
        return await specialNeuronsJob({
          checkpoint: path.join(dir, 'model.onnx'),
          data: path.join(dir, 'data.npz'),
          lambda: 0.1,
          train: 8,
          lr: 0.01,
          batchSize: 16,
          seed: 3,
          backend,
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const a = await runOn('ort'),
      b = await runOn('cpu');
    assert.match(a.backend ?? '', /^onnxruntime/);
    assert.doesNotMatch(b.backend ?? '', /onnxruntime/);
    const ca = a.training!.curve,
      cb = b.training!.curve;
    assert.strictEqual(ca.length, cb.length);
    for (let i = 0; i < ca.length; i++) {
      assert.ok(
        Math.abs(ca[i].objective - cb[i].objective) <= 1e-4 * Math.abs(cb[i].objective),
        `step ${ca[i].step}: ${ca[i].objective} vs ${cb[i].objective}`,
      );
      assert.ok(
        Math.abs(ca[i].maxAbsA - cb[i].maxAbsA) <= 1e-4 * (cb[i].maxAbsA + 1e-6),
        `step ${ca[i].step}: max|a| ${ca[i].maxAbsA} vs ${cb[i].maxAbsA}`,
      );
    }
  });
});

describe('native engine: engine selection (unit)', function () {
  this.timeout(60000);
  it('an op without a lowering makes auto fall back to TF.js naming op and layer; ort refuses with a user error', async () => {
    const { OPS } = await import('../../src/core/model/ops');
    const { makeObjective } = await import('../../src/core/engine');
    const { denseGraphModel } = await import('../../src/core/hvpSelfTest');
    const { resolveLoss } = await import('../../src/core/loss');
    const { isUserInputError } = await import('../../src/core/errors');
    const tf = await import('@tensorflow/tfjs-core');
    OPS['test.Twice'] = ([t]) => [tf.mul(t, 2)];
    try {
      const model = denseGraphModel(
        [{ nIn: 3, nOut: 2, act: 'linear', bias: true }],
        Float32Array.from({ length: 8 }, (_, i) => Math.sin(i)),
      );
      model.nodes.push({ op: 'test.Twice', inputs: [model.outputs[0]], outputs: ['twice'], attrs: {}, name: 'twice_layer' });
      model.outputs = ['twice'];
      const data = {
        file: 'mem',
        x: Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)),
        xShape: [4, 3],
        y: { kind: 'values' as const, data: new Float32Array(8), shape: [4, 2] },
        m: 4,
        total: 4,
        xKey: 'x',
        yKey: 'y',
      };
      const spec = resolveLoss(model, data, 'mse');
      const e = await makeObjective(model, data, spec, { backend: 'auto' });
      try {
        assert.strictEqual(e.engine, 'tfjs');
        assert.ok(
          e.notices.some(n => n.includes("op 'test.Twice' (layer 'twice_layer')")),
          e.notices.join('\n'),
        );
        assert.ok(Number.isFinite(await e.obj.loss(model.theta)));
      } finally {
        e.obj.dispose();
      }
      await assert.rejects(
        makeObjective(model, data, spec, { backend: 'ort' }),
        (err: Error) => isUserInputError(err) && /test\.Twice/.test(err.message),
      );
    } finally {
      delete OPS['test.Twice'];
    }
  });
});

describe('native engine in the diagnostics worker: cancelling during a native call', function () {
  this.timeout(300000);
  it('a forced cancel while ONNX Runtime computes never aborts the host process; the next job runs', async () => {
    const { WorkerClient } = await import('../../src/extension/workerClient');
    const ROOT = path.resolve(__dirname, '../../..');
    const { cnnTask } = await import('../../bench/native');
    // a model whose HVPs take a while, written as an ONNX file with its data
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-cancel-'));
    const logs: string[] = [];
    const client = new WorkerClient(
      path.join(ROOT, 'dist'),
      () => 2048,
      m => logs.push(m),
    );
    try {
      const t = cnnTask([3, 32, 64], [true, true], 512, 10, 4);
      // the bench CNN as an ONNX file: its nodes with the parameters as initializers
      const g = new Graph();
      const env = new Map<string, string>([['input', g.input('input', [1, 3, 32, 32])]]);
      for (const p of t.model.params) env.set(p.name, g.constF(t.model.theta.subarray(p.offset, p.offset + p.size), p.shape, p.name));
      for (const n of t.model.nodes) {
        const ins = n.inputs.map(i => env.get(i)!);
        const a = n.attrs as Record<string, number[] | number>;
        const out =
          n.op === 'onnx.Conv'
            ? g.add(
                g.conv(ins[0], ins[1], { strides: [1, 1], pads: a.pads as number[], dilations: [1, 1], group: 1 }),
                g.reshape(ins[2], [1, g.shape(ins[2])[0], 1, 1]),
              )
            : n.op === 'onnx.Relu'
              ? g.unary('Relu', ins[0])
              : n.op === 'onnx.MaxPool'
                ? g.emit('MaxPool', [ins[0]], { kernel_shape: [2, 2], strides: [2, 2] }, [
                    { shape: [1, g.shape(ins[0])[1], g.shape(ins[0])[2] / 2, g.shape(ins[0])[3] / 2], dtype: 'float' },
                  ])[0]
                : n.op === 'onnx.Flatten'
                  ? g.emit('Flatten', [ins[0]], { axis: 1 }, [
                      {
                        shape: [
                          1,
                          g
                            .shape(ins[0])
                            .slice(1)
                            .reduce((p, q) => p * q, 1),
                        ],
                        dtype: 'float',
                      },
                    ])[0]
                  : g.add(g.matmul(ins[0], g.transpose(ins[1], [1, 0])), ins[2]);
        env.set(n.outputs[0], out);
      }
      g.outputs = [env.get('logits')!];
      fs.writeFileSync(path.join(dir, 'model.onnx'), toModelProto(g));
      fs.writeFileSync(
        path.join(dir, 'data.npz'),
        encodeNpz({ x: { shape: t.data.xShape, data: t.data.x }, y: { shape: [t.data.m], data: (t.data.y as { data: Int32Array }).data } }),
      );
      client.cancelGraceMs = 1; // force the terminate path at once
      for (let k = 0; k < 3; k++) {
        // cancel once Lanczos streams its estimates: HVPs run back to back, so the worker is almost always inside ONNX Runtime
        let handle: ReturnType<typeof client.run<'diagnose'>> | undefined;
        const streaming = new Promise<void>(resolve => {
          handle = client.run(
            {
              kind: 'diagnose',
              options: { checkpoint: path.join(dir, 'model.onnx'), data: path.join(dir, 'data.npz'), top: 50, maxIter: 200, tol: 1e-9 },
            },
            undefined,
            () => resolve(),
          );
        });
        // (a job that fails before it streams fails the test with its error, instead of waiting)
        await Promise.race([
          streaming,
          handle!.promise.then(r => {
            throw new Error(`the job finished before it could be cancelled: ${JSON.stringify(r).slice(0, 200)}`);
          }),
        ]);
        handle!.cancel();
        await assert.rejects(handle!.promise, (e: Error & { cancelled?: boolean }) => e.cancelled === true);
      }
      assert.strictEqual(client.forcedCancels, 3);
      // the host process is alive (we are running) and a fresh worker computes the next job
      const r = await client.run({
        kind: 'diagnose',
        options: { checkpoint: path.join(dir, 'model.onnx'), data: path.join(dir, 'data.npz'), samples: 32 },
      }).promise;
      assert.strictEqual(r.engine, 'onnxruntime');
      assert.ok(Number.isFinite(r.loss));
    } finally {
      client.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('native engine: determinism on the CPU provider', function () {
  this.timeout(120000);
  it('two HVPs and two gradients at the same point are bitwise equal (1 thread and every core)', async () => {
    const { cnnTask } = await import('../../bench/native');
    const { resolveLoss } = await import('../../src/core/loss');
    const t = cnnTask([3, 8, 16], [true, true], 64, 10, 5);
    for (const threads of [1, os.cpus().length]) {
      const o = new OrtObjective(t.model, t.data, resolveLoss(t.model, t.data), { ep: 'cpu', threads, chunkSize: 24 });
      try {
        const v = Float32Array.from({ length: t.model.numParams }, (_, i) => Math.sin(i));
        const [a, b] = [await o.hvp(t.model.theta, v), await o.hvp(t.model.theta, v)];
        assert.ok(
          a.every((x, i) => Object.is(x, b[i])),
          `H·v differs between two runs (${threads} threads)`,
        );
        const [g1, g2] = [await o.valueAndGradient(t.model.theta), await o.valueAndGradient(t.model.theta)];
        assert.ok(
          g1.loss === g2.loss && g1.gradient.every((x, i) => Object.is(x, g2.gradient[i])),
          `gradient differs (${threads} threads)`,
        );
      } finally {
        o.dispose();
      }
    }
  });
});
