/**
 * Acting on a minimum (issue 8): special neurons (Kawaguchi & Kaelbling 2020) and weight perturbations.
 *  - the augmented model's outputs equal the original's at a = w = b = 0 (TF.js layers, ONNX with and
 *    without a final Softmax, weights-only inputs), and both readers know the penalty;
 *  - the penalty's exact part of loss, gradient and HVP against the closed form (λ/2)‖a‖², λa, λv_a;
 *  - training a stuck narrow ReLU network with special neurons: max|a_k| rises, then clearly decreases;
 *  - a constructed saddle (symmetric two-unit tanh network at the symmetric point, checked with
 *    Lanczos): a step along the bottom eigenvector lowers the loss, random directions of the same norm don't;
 *  - perturbation modes against their definitions; retraining and the same-basin flag;
 *  - "Copy code": the TF.js snippet typechecks and loads our TF.js output in real tfjs-layers with the same
 *    outputs; the Python snippets pass py_compile;
 *  - CLI (dist/cli.js): new files only, sha256 of every original file unchanged after every command.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as ts from 'typescript';
import { initBackend } from '../../src/core/backend';
import { readCheckpoint } from '../../src/core/formats';
import { planWrite, writeWithPlan } from '../../src/core/formats/writers';
import { forward } from '../../src/core/model/execute';
import { denseGraphModel } from '../../src/core/hvpSelfTest';
import { TfObjective } from '../../src/core/objective';
import { resolveLoss } from '../../src/core/loss';
import { loadDataset, Dataset } from '../../src/core/data/dataset';
import { hessianSpectrum } from '../../src/core/diagnostics/hessian';
import { filters } from '../../src/core/diagnostics/slices';
import { addSpecialNeurons, augmentGraphModel } from '../../src/core/surgery/specialNeurons';
import { specialNeuronsReport, withoutSpecialNeurons } from '../../src/core/diagnostics/specialNeurons';
import { train } from '../../src/core/surgery/train';
import { perturb } from '../../src/core/surgery/perturb';
import { basinTest } from '../../src/core/surgery/basin';
import { specialNeuronSnippets } from '../../src/core/surgery/snippets';
import { isUserInputError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import type { GraphModel } from '../../src/core/model/graph';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const hashes = (dir: string): Map<string, string> => new Map(fs.readdirSync(dir).map(f => [f, sha(path.join(dir, f))]));

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function tmpCopy(rel: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-surgery-'));
  made.push(dir);
  for (const f of fs.readdirSync(path.join(ROOT, rel))) fs.copyFileSync(path.join(ROOT, rel, f), path.join(dir, f));
  return dir;
}

function maxDiff(a: GraphModel, b: GraphModel, x: Float32Array, shape: number[]): number {
  return tf.tidy(() => {
    const xt = tf.tensor(x, shape);
    return tf.max(tf.abs(tf.sub(forward(a, tf.tensor1d(a.theta), xt), forward(b, tf.tensor1d(b.theta), xt)))).dataSync()[0];
  });
}

const mem = (x: Float32Array, xShape: number[], y: Float32Array): Dataset => ({
  file: 'mem',
  x,
  xShape,
  y: { kind: 'values', data: y, shape: [xShape[0], 1] },
  m: xShape[0],
  total: xShape[0],
  xKey: 'x',
  yKey: 'y',
});

describe('surgery: special neurons and perturbations', function () {
  this.timeout(120000);
  before(async () => {
    await initBackend('cpu');
  });

  describe('special neurons', () => {
    const cases: [string, string][] = [
      ['test/fixtures/tfjs/mlp-softmax', 'model.json'],
      ['test/fixtures/tfjs/mlp-sigmoid', 'model.json'],
      ['test/fixtures/tfjs/mlp-regression', 'model.json'],
      ['test/fixtures/tfjs/functional', 'model.json'],
      ['test/fixtures/tfjs/cnn', 'model.json'],
      ['test/fixtures/onnx/mlp', 'model.onnx'],
      ['test/fixtures/onnx/cnn', 'model.onnx'],
      ['test/fixtures/surgery/softmax', 'model.onnx'],
      ['test/fixtures/onnx/mlp', 'model.safetensors'],
    ];
    for (const [rel, file] of cases) {
      it(`outputs equal the original's at a = w = b = 0 (1e-6), penalty read back: ${rel}/${file}`, () => {
        const dir = tmpCopy(rel);
        const before = hashes(dir);
        const src = path.join(dir, file);
        const r = addSpecialNeurons(src, { lambda: 0.05 });
        assert.ok(fs.existsSync(r.outFile));
        assert.strictEqual(r.format, file.endsWith('.json') ? 'tfjs-layers' : 'onnx');
        if (file.endsWith('.safetensors')) assert.match(r.reason, /architecture changes/);
        const a = readCheckpoint(src),
          b = readCheckpoint(r.outFile);
        assert.ok(b.specialNeurons && b.specialNeurons.lambda === 0.05);
        assert.deepStrictEqual(b.penalty, [{ param: b.specialNeurons!.a, lambda: 0.05 }]);
        assert.strictEqual(b.numParams, a.numParams + r.addedParams);
        if (a.outputActivation === 'softmax' || a.outputActivation === 'sigmoid')
          assert.strictEqual(b.outputActivation, a.outputActivation, 'the final activation stays last');
        const data = loadDataset(path.join(dir, 'data.npz'));
        const n = Math.min(data.m, 64),
          shape = [n, ...(a.inputs[0].shape.slice(1) as number[])];
        const x = data.x.slice(0, n * shape.slice(1).reduce((p, q) => p * q, 1));
        assert.ok(maxDiff(a, b, x, shape) <= 1e-6);
        assert.strictEqual(r.check.maxAbsDiff, 0);
        // a nonzero a changes the outputs (the neurons are wired in)
        const p = b.params.find(q => q.name === b.specialNeurons!.a)!;
        const t2 = b.theta.slice();
        for (let k = 0; k < p.size; k++) t2[p.offset + k] = 0.5 * (k + 1); // distinct a_k: softmax ignores a common shift
        assert.ok(maxDiff(a, { ...b, theta: t2 }, x, shape) > 1e-3);
        for (const [f, h] of before) assert.strictEqual(sha(path.join(dir, f)), h, `${f} unchanged`);
        assert.throws(
          () => addSpecialNeurons(r.outFile),
          (e: unknown) => isUserInputError(e) && /already has special neurons/.test((e as Error).message),
        );
      });
    }

    it('the penalty is exact in loss, gradient and HVP: (λ/2)‖a‖², λa, λv_a (float64 closed form)', async () => {
      const rng = new Rng(5),
        m = 20,
        d = 3;
      const x = Float32Array.from({ length: m * d }, () => rng.normal()),
        y = Float32Array.from({ length: m }, () => rng.normal());
      const base = denseGraphModel(
        [
          { nIn: d, nOut: 4, act: 'tanh', bias: true },
          { nIn: 4, nOut: 1, act: 'linear', bias: true },
        ],
        Float32Array.from({ length: 21 }, () => 0.5 * rng.normal()),
      );
      const lam = 0.7;
      const aug = augmentGraphModel(base, lam, 1),
        free = { ...aug, penalty: [] };
      const theta = Float32Array.from(aug.theta, (v, i) => (i < base.numParams ? v : 0.3 * rng.normal()));
      const data = mem(x, [m, d], y);
      const o1 = new TfObjective(aug, data, resolveLoss(aug, data)),
        o0 = new TfObjective(free, data, resolveLoss(free, data));
      const ap = aug.params.find(p => p.name === aug.specialNeurons!.a)!;
      const v = Float32Array.from({ length: aug.numParams }, () => rng.normal());
      let pen = 0;
      for (let i = ap.offset; i < ap.offset + ap.size; i++) pen += 0.5 * lam * theta[i] ** 2;
      const [l1, l0] = [await o1.loss(theta), await o0.loss(theta)];
      assert.ok(Math.abs(l1 - l0 - pen) <= 1e-7 * (1 + pen), `${l1 - l0} vs ${pen}`);
      const [g1, g0] = [(await o1.valueAndGradient(theta)).gradient, (await o0.valueAndGradient(theta)).gradient];
      const [h1, h0] = [await o1.hvp(theta, v), await o0.hvp(theta, v)];
      for (let i = 0; i < aug.numParams; i++) {
        const inA = i >= ap.offset && i < ap.offset + ap.size;
        assert.ok(Math.abs(g1[i] - g0[i] - (inA ? lam * theta[i] : 0)) <= 1e-6, `gradient ${i}`);
        assert.ok(Math.abs(h1[i] - h0[i] - (inA ? lam * v[i] : 0)) <= 1e-6 * (1 + Math.abs(v[i])), `hvp ${i}: ${h1[i] - h0[i]}`);
      }
      assert.ok(Math.abs(o1.penalty(theta) - pen) <= 1e-12);
      const rep = (await specialNeuronsReport(aug, o1, theta))!;
      assert.strictEqual(rep.lambda, lam);
      assert.ok(rep.outputShare > 0 && rep.outputShare < 10);
      assert.strictEqual((await specialNeuronsReport(aug, o1, withoutSpecialNeurons(aug, theta)))!.outputShare, 0);
      o1.dispose();
      o0.dispose();
    });

    it('training a stuck narrow ReLU network: max|a_k| rises, then clearly decreases (fixed seeds)', async () => {
      // 2 → 1 ReLU → 1 with a dead hidden unit (bias −10): the original network can only fit a constant
      const rng = new Rng(3),
        m = 64,
        d = 2;
      const x = Float32Array.from({ length: m * d }, () => rng.normal());
      const y = Float32Array.from({ length: m }, (_, i) => x[2 * i] ** 2 + x[2 * i + 1] ** 2);
      const data = mem(x, [m, d], y);
      const base = denseGraphModel(
        [
          { nIn: 2, nOut: 1, act: 'relu', bias: true },
          { nIn: 1, nOut: 1, act: 'linear', bias: true },
        ],
        Float32Array.from([0.5, -0.3, -10, 1, 0]),
      );
      const model = augmentGraphModel(base, 0.1, 1);
      const spec = resolveLoss(model, data);
      const obj = new TfObjective(model, data, spec);
      const run = () => train(model, obj, data, spec, model.theta, { steps: 300, lr: 0.05, optimizer: 'adam', seed: 1 });
      const r = await run();
      const c = r.curve;
      assert.strictEqual(c.length, 301);
      assert.strictEqual(c[0].maxAbsA, 0);
      assert.strictEqual(c[0].originalLoss, c[0].objective, 'at a = 0 the augmented loss is the original loss');
      const peak = Math.max(...c.map(q => q.maxAbsA)),
        last = c[c.length - 1];
      assert.ok(peak > 0.1, `the special neurons were used (peak max|a| ${peak})`);
      assert.ok(last.maxAbsA < 0.25 * peak, `max|a| decreases toward 0: final ${last.maxAbsA} vs peak ${peak}`);
      assert.ok(last.objective < c[0].objective, 'the augmented loss decreased');
      for (const q of c) assert.ok(Math.abs(q.penalty - 0.05 * q.maxAbsA ** 2) <= 1e-9 + 1e-6 * q.penalty, 'penalty = λ/2·a² (one output)');
      const r2 = await run();
      assert.deepStrictEqual(r2.curve, r.curve, 'seeded: the same curve twice');
      // minibatch SGD runs and records too
      const mb = await train(model, obj, data, spec, model.theta, { steps: 20, lr: 0.01, optimizer: 'sgd', batchSize: 16, seed: 2 });
      assert.strictEqual(mb.batchSize, 16);
      assert.ok(mb.curve.every(q => Number.isFinite(q.objective) && Number.isFinite(q.originalLoss)));
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(
        train(model, obj, data, spec, model.theta, { steps: 5, lr: 0.01, signal: ac.signal }),
        (e: Error) => e.name === 'AbortError',
      );
      obj.dispose();
    });
  });

  describe('perturbations', () => {
    // the symmetric two-unit network f(x) = v₁tanh(u₁x) + v₂tanh(u₂x) at (u, u, v/2, v/2), (u, v) the best single unit
    const m = 41;
    const xs = Array.from({ length: m }, (_, i) => -2 + (4 * i) / (m - 1));
    const ys = xs.map(x => Math.tanh(3 * x) - Math.tanh(x));
    let u = 1,
      v = 1;
    for (let it = 0; it < 20000; it++) {
      let gu = 0,
        gv = 0;
      for (let i = 0; i < m; i++) {
        const t = Math.tanh(u * xs[i]);
        const r = v * t - ys[i];
        gv += (2 * r * t) / m;
        gu += (2 * r * v * (1 - t * t) * xs[i]) / m;
      }
      u -= 0.05 * gu;
      v -= 0.05 * gv;
    }
    const data = mem(Float32Array.from(xs), [m, 1], Float32Array.from(ys));
    const theta = Float32Array.from([u, u, v / 2, v / 2]);
    const model = denseGraphModel(
      [
        { nIn: 1, nOut: 2, act: 'tanh', bias: false },
        { nIn: 2, nOut: 1, act: 'linear', bias: false },
      ],
      theta,
    );

    it('a constructed saddle: the bottom eigenvector lowers the loss, random directions of the same norm do not', async () => {
      const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
      const g = await obj.valueAndGradient(theta);
      const gn = Math.hypot(...g.gradient);
      const h = await hessianSpectrum(obj, theta, { top: 1, bottom: 1, tol: 1e-6 });
      assert.ok(h.bottom[0].value < 0 && h.top[0].value > 0, `a saddle: λ_min ${h.bottom[0].value}, λ_max ${h.top[0].value}`);
      assert.ok(gn < 1e-3, `near-critical: ‖∇L‖ ${gn}`);
      const t = 0.3;
      const e = await perturb(obj, model, theta, { mode: 'eigen', direction: 'bottom', step: t });
      assert.ok(e.eigen!.value < 0 && e.eigen!.directionalDerivative <= 0);
      assert.ok(Math.abs(e.deltaNorm - t) < 1e-9);
      assert.ok(e.lossAfter < e.lossBefore, `escape: ${e.lossBefore} → ${e.lossAfter}`);
      const rng = new Rng(11);
      for (let k = 0; k < 8; k++) {
        const dir = rng.normalVector(4),
          s = t / Math.hypot(...dir);
        const l = await obj.loss(Float32Array.from(theta, (q, i) => q + s * dir[i]));
        assert.ok(
          l - e.lossBefore > e.lossAfter - e.lossBefore,
          `random direction ${k}: ${l - e.lossBefore} vs eigen ${e.lossAfter - e.lossBefore}`,
        );
      }
      obj.dispose();
    });

    it('modes follow their definitions; retraining reports the distance back and the basin', async () => {
      const rng = new Rng(2),
        n = 30,
        d = 3;
      const x = Float32Array.from({ length: n * d }, () => rng.normal()),
        y = Float32Array.from({ length: n }, () => rng.normal());
      const net = denseGraphModel(
        [
          { nIn: d, nOut: 5, act: 'tanh', bias: true },
          { nIn: 5, nOut: 1, act: 'linear', bias: true },
        ],
        Float32Array.from({ length: 26 }, (_, i) => (i === 3 ? 0 : 0.5 * rng.normal())),
      );
      const dd = mem(x, [n, d], y);
      const obj = new TfObjective(net, dd, resolveLoss(net, dd));
      const th = net.theta;
      const norm = (a: ArrayLike<number>) => Math.hypot(...Array.from(a));
      const gs = await perturb(obj, net, th, { mode: 'gaussian', sigma: 0.02, seed: 4 });
      const delta = Float64Array.from(gs.thetaPerturbed, (q, i) => q - th[i]);
      assert.ok(Math.abs(norm(delta) / (0.02 * Math.sqrt(26)) - 1) < 0.5);
      assert.ok(Math.abs(gs.relativeNorm - gs.deltaNorm / norm(th)) < 1e-12);
      assert.strictEqual(gs.lossBefore, await obj.loss(th));
      assert.strictEqual(gs.lossAfter, await obj.loss(gs.thetaPerturbed));
      const rel = await perturb(obj, net, th, { mode: 'relative', sigma: 0.1, seed: 4 });
      assert.strictEqual(rel.thetaPerturbed[3], 0, 'relative: a zero weight stays zero');
      const fl = await perturb(obj, net, th, { mode: 'filter', step: 0.5, seed: 4 });
      for (const p of net.params)
        for (const f of filters(p)) {
          const nd = Math.hypot(...f.map(i => fl.thetaPerturbed[i] - th[i]));
          if (p.role === 'bias') assert.ok(nd < 1e-7);
          else assert.ok(Math.abs(nd - 0.5 * Math.hypot(...f.map(i => th[i]))) < 1e-5, `filter of ${p.name}`);
        }
      const top = await perturb(obj, net, th, { mode: 'eigen', direction: 'top', step: 0.05, retrain: 30 });
      const hs = await hessianSpectrum(obj, th, { top: 2, tol: 1e-6 });
      assert.ok(Math.abs(top.eigen!.value - hs.top[0].value) < 1e-3 * Math.abs(hs.top[0].value));
      assert.ok(top.eigen!.directionalDerivative <= 0);
      const k2 = await perturb(obj, net, th, { mode: 'eigen', direction: 2, step: 0.05 });
      assert.ok(Math.abs(k2.eigen!.value - hs.top[1].value) < 1e-3 * Math.abs(hs.top[0].value));
      const rt = top.retrain!;
      assert.strictEqual(rt.steps, 30);
      assert.match(rt.lrHow, /λ_max/);
      assert.ok(rt.finalLoss <= top.lossAfter, 'gradient descent at 1/λ_max does not increase the loss');
      assert.ok(rt.distanceBack >= 0 && Math.abs(rt.distanceStart - top.relativeNorm) < 1e-6);
      assert.strictEqual(typeof rt.sameBasin, 'boolean');
      assert.strictEqual(rt.sameBasin, rt.basin.sameBasin);
      assert.deepStrictEqual(
        rt.basin,
        basinTest({
          lossBefore: top.lossBefore,
          finalLoss: rt.finalLoss,
          barrier: rt.barrier,
          distanceBack: rt.distanceBack,
          distanceStart: rt.distanceStart,
          steps: 30,
        }),
        'the conclusion is derived from the numbers the result shows',
      );
      await assert.rejects(perturb(obj, net, th, { mode: 'eigen', direction: 0 as unknown as 'top' }), (e: unknown) => isUserInputError(e));
      await assert.rejects(perturb(obj, net, th, { mode: 'gaussian', sigma: -1 }), (e: unknown) => isUserInputError(e));
      obj.dispose();
    });
  });

  describe('copy-code snippets', () => {
    const snips = specialNeuronSnippets({ lambda: 0.05, inputDim: 5, units: 3, activation: 'softmax' });

    it('the TF.js snippet typechecks against the tfjs types and loads our TF.js output in real tfjs-layers', async () => {
      const dir = path.join(ROOT, 'out', 'snippet-check');
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'node_modules', '@tensorflow', 'tfjs'), { recursive: true });
      // what @tensorflow/tfjs re-exports: core and layers
      fs.writeFileSync(
        path.join(dir, 'node_modules', '@tensorflow', 'tfjs', 'index.d.ts'),
        "export * from '@tensorflow/tfjs-core';\nexport * from '@tensorflow/tfjs-layers';\n",
      );
      fs.writeFileSync(
        path.join(dir, 'node_modules', '@tensorflow', 'tfjs', 'index.js'),
        "module.exports = { ...require('@tensorflow/tfjs-core'), ...require('@tensorflow/tfjs-layers') };\n",
      );
      const file = path.join(dir, 'snippet.ts');
      fs.writeFileSync(file, snips.tfjs);
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2020,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        skipLibCheck: true,
        types: [],
      });
      const diags = ts.getPreEmitDiagnostics(program).map(dg => ts.flattenDiagnosticMessageText(dg.messageText, '\n'));
      assert.deepStrictEqual(diags, []);
      fs.writeFileSync(
        path.join(dir, 'snippet.js'),
        ts.transpileModule(snips.tfjs, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText,
      );
      require(path.join(dir, 'snippet.js')); // runs the snippet: registers its layer class with tfjs-layers
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const tfl = require('@tensorflow/tfjs-layers') as typeof import('@tensorflow/tfjs-layers');
      const src = tmpCopy('test/fixtures/tfjs/mlp-softmax');
      const r = addSpecialNeurons(path.join(src, 'model.json'), { lambda: 0.05 });
      const aug = readCheckpoint(r.outFile);
      const rng = new Rng(9);
      const t2 = Float32Array.from(aug.theta, (q, i) => (i < aug.numParams - r.addedParams ? q : 0.2 * rng.normal()));
      const out = path.join(src, 'model.special.nonzero.json');
      writeWithPlan(planWrite(r.outFile), aug, t2, out, [r.outFile]);
      const j = JSON.parse(fs.readFileSync(out, 'utf8'));
      const bin = fs.readFileSync(path.join(src, j.weightsManifest[0].paths[0]));
      const lm = await tfl.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: j.modelTopology,
          weightSpecs: j.weightsManifest[0].weights,
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
        }),
      );
      const data = loadDataset(path.join(src, 'data.npz'));
      const ours = readCheckpoint(out);
      const diff = tf.tidy(() => {
        const xt = tf.tensor(data.x, data.xShape);
        return tf.max(tf.abs(tf.sub(lm.predict(xt) as tf.Tensor, forward(ours, tf.tensor1d(ours.theta), xt)))).dataSync()[0];
      });
      assert.ok(diff < 1e-5, `tfjs-layers vs our reader: ${diff}`);
      assert.ok(lm.layers.some(l => l.getClassName() === 'SpecialNeurons'));
    });

    it('the Python snippets (PyTorch, Keras) pass py_compile', function () {
      const py = ['/usr/bin/python3', 'python3'].find(p => spawnSync(p, ['--version']).status === 0);
      if (!py) this.skip();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-snippets-'));
      made.push(dir);
      for (const k of ['pytorch', 'keras'] as const) {
        const f = path.join(dir, `${k}_snippet.py`);
        fs.writeFileSync(f, snips[k]);
        const res: { status: number | null; stderr: string } = spawnSync(String(py), ['-m', 'py_compile', f], { encoding: 'utf8' });
        assert.strictEqual(res.status, 0, `${k}: ${res.stderr}`);
      }
      assert.match(snips.pytorch, /in_features=5, out_features=3, lam=0.05/);
    });
  });

  describe('CLI (dist/cli.js): new files only, originals unchanged', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000 });
    before(function () {
      if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
    });

    it('special-neurons --train (TF.js) and diagnose of the result; perturb eigen --retrain; refusals', () => {
      const dir = tmpCopy('test/fixtures/tfjs/mlp-softmax');
      const before = hashes(dir);
      const src = path.join(dir, 'model.json');
      const r = cli('special-neurons', src, '--lambda', '0.1', '--train', '20', '--lr', '0.01', '--seed', '1', '--json');
      assert.strictEqual(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout);
      // outputs go to the run's derived/ folder, one folder per TF.js checkpoint, named after the source's folder
      const der = path.join(path.dirname(dir), 'derived'),
        unit = path.basename(dir);
      assert.strictEqual(j.outFile, path.join(der, `${unit}.special`, 'model.json'));
      assert.strictEqual(j.added.check.maxAbsDiff, 0);
      assert.strictEqual(j.training.curve.length, 21);
      for (const k of ['objective', 'penalty', 'maxAbsA', 'originalLoss']) assert.strictEqual(typeof j.training.curve[5][k], 'number', k);
      assert.strictEqual(j.training.outFile, path.join(der, `${unit}.special.trained`, 'model.json'));
      assert.ok(j.training.report.a.length === 3 && j.training.report.lambda === 0.1);
      for (const [f, h] of before) assert.strictEqual(sha(path.join(dir, f)), h, `${f} unchanged`);
      const augHash = sha(j.outFile);
      const dg = cli('diagnose', j.training.outFile, '--data', path.join(dir, 'data.npz'), '--json');
      assert.strictEqual(dg.status, 0, dg.stderr);
      const dj = JSON.parse(dg.stdout);
      assert.ok(Math.abs(dj.specialNeurons.maxAbsA - j.training.finalMaxAbsA) < 1e-7);
      assert.ok(dj.specialNeurons.outputShare >= 0);
      assert.ok(Math.abs(dj.loss - j.training.curve[20].objective) < 1e-5 * (1 + dj.loss), 'diagnose includes the penalty');
      const p = cli('perturb', src, '--mode', 'eigen', '--direction', 'bottom', '--step', '0.1', '--retrain', '3', '--json');
      assert.strictEqual(p.status, 0, p.stderr);
      const pj = JSON.parse(p.stdout);
      assert.strictEqual(pj.outFile, path.join(der, `${unit}.perturbed`, 'model.json'));
      assert.strictEqual(pj.retrainedFile, path.join(der, `${unit}.perturbed.retrained`, 'model.json'));
      assert.ok(pj.eigen.directionalDerivative <= 0 && pj.retrain.steps === 3 && typeof pj.retrain.sameBasin === 'boolean');
      assert.ok(Math.abs(pj.relativeNorm * Math.hypot(...readCheckpoint(src).theta) - 0.1) < 1e-6);
      // --out that exists: refused, exit 2, the file untouched
      const keep = sha(j.outFile);
      const refused = cli('perturb', src, '--mode', 'gaussian', '--out', j.outFile);
      assert.strictEqual(refused.status, 2);
      assert.match(refused.stderr, /already exists/);
      assert.strictEqual(sha(j.outFile), keep);
      assert.strictEqual(sha(j.outFile), augHash);
      const bad = cli('perturb', src, '--mode', 'gaussian', '--step', '0.1');
      assert.strictEqual(bad.status, 2);
      for (const [f, h] of before) assert.strictEqual(sha(path.join(dir, f)), h, `${f} unchanged`);
    });

    it('worker job kinds specialNeurons and perturb: progress messages, then the result with outFile (dist/worker.js)', async () => {
      const { Worker } = await import('worker_threads');
      const dir = tmpCopy('test/fixtures/surgery/softmax');
      const before = hashes(dir);
      const w = new Worker(path.join(ROOT, 'dist', 'worker.js'));
      try {
        const run = (id: number, job: unknown) =>
          new Promise<{ result: Record<string, unknown>; progress: { stage: string }[] }>((resolve, reject) => {
            const progress: { stage: string }[] = [];
            const on = (m: { type: string; id: number; result?: Record<string, unknown>; error?: { message: string }; stage?: string }) => {
              if (m.id !== id) return;
              if (m.type === 'progress') progress.push(m as { stage: string });
              else if (m.type === 'result') {
                w.off('message', on);
                resolve({ result: m.result!, progress });
              } else if (m.type === 'error') {
                w.off('message', on);
                reject(new Error(m.error!.message));
              }
            };
            w.on('message', on);
            w.postMessage({ type: 'run', id, job });
          });
        const sn = await run(1, {
          kind: 'specialNeurons',
          options: {
            checkpoint: path.join(dir, 'model.onnx'),
            data: path.join(dir, 'data.npz'),
            lambda: 0.1,
            train: 5,
            lr: 0.01,
            backend: 'cpu',
          },
        });
        assert.strictEqual(sn.result.outFile, path.join(dir, 'derived', 'model.special.onnx'));
        assert.ok(sn.progress.some(p => p.stage === 'train'));
        const tr = sn.result.training as { outFile: string; curve: unknown[] };
        assert.strictEqual(tr.curve.length, 6);
        assert.ok(fs.existsSync(tr.outFile));
        // an input that already has special neurons is trained as is
        const again = await run(3, {
          kind: 'specialNeurons',
          options: {
            checkpoint: path.join(dir, 'derived', 'model.special.onnx'),
            data: path.join(dir, 'data.npz'),
            train: 3,
            lr: 0.01,
            backend: 'cpu',
          },
        });
        assert.strictEqual(again.result.outFile, path.join(dir, 'derived', 'model.special.onnx'));
        assert.strictEqual(again.result.added, undefined);
        assert.strictEqual(
          (again.result.training as { outFile: string }).outFile,
          path.join(dir, 'derived', 'model.special.trained.2.onnx'),
        );
        const pt = await run(2, {
          kind: 'perturb',
          options: {
            checkpoint: path.join(dir, 'model.onnx'),
            data: path.join(dir, 'data.npz'),
            mode: 'filter',
            step: 0.05,
            seed: 1,
            backend: 'cpu',
          },
        });
        assert.strictEqual(pt.result.outFile, path.join(dir, 'derived', 'model.perturbed.onnx'));
        assert.ok(pt.progress.some(p => p.stage === 'perturb'));
        assert.ok((pt.result.lossAfter as number) > 0);
      } finally {
        await w.terminate();
      }
      for (const [f, h] of before) assert.strictEqual(sha(path.join(dir, f)), h, `${f} unchanged`);
    });

    it('ONNX and safetensors inputs: written in their format; text output says which and why', () => {
      const dir = tmpCopy('test/fixtures/onnx/mlp');
      const before = hashes(dir);
      const s = cli('special-neurons', path.join(dir, 'model.onnx'));
      assert.strictEqual(s.status, 0, s.stderr);
      assert.match(s.stdout, /derived[\\/]model\.special\.onnx \(onnx: same format as the input \(ONNX\)\)/);
      const p = cli('perturb', path.join(dir, 'model.safetensors'), '--mode', 'relative', '--sigma', '0.05', '--seed', '3');
      assert.strictEqual(p.status, 0, p.stderr);
      assert.match(p.stdout, /model\.perturbed\.safetensors \(safetensors/);
      assert.match(p.stdout, /‖δ‖ \/ ‖θ‖/);
      fs.copyFileSync(path.join(dir, 'weights.pt'), path.join(dir, 'model.pt')); // same stem as model.onnx: its architecture
      const pt = cli('perturb', path.join(dir, 'model.pt'), '--mode', 'gaussian', '--json');
      assert.strictEqual(pt.status, 0, pt.stderr);
      const ptj = JSON.parse(pt.stdout);
      assert.strictEqual(ptj.format, 'onnx');
      assert.ok(ptj.notices.some((n: string) => /no PyTorch writer/.test(n)));
      for (const [f, h] of before) assert.strictEqual(sha(path.join(dir, f)), h, `${f} unchanged`);
      assert.ok(fs.existsSync(path.join(dir, 'derived', 'model.perturbed.onnx')), 'the .pt input written as ONNX into the derived/ folder');
      const k = cli('special-neurons', path.join(ROOT, 'test/fixtures/keras/sequential/model.keras'));
      assert.strictEqual(k.status, 2);
      assert.match(k.stderr, /no writer for keras/);
      const help = cli('perturb', '--help');
      assert.match(help.stdout, /Examples:/);
      const sn = cli('special-neurons', path.join(dir, 'model.onnx'), '--snippet', 'pytorch', '--lambda', '0.2');
      assert.strictEqual(sn.status, 0, sn.stderr);
      assert.match(sn.stdout, /in_features=6, out_features=4, lam=0.2/);
      for (const [f, h] of before) assert.strictEqual(sha(path.join(dir, f)), h, `${f} unchanged`);
    });
  });
});
