import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { denseHessianEigenvalues } from './reference/denseNet64';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FX = path.join(ROOT, 'test/fixtures/tfjs');

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120000 });
}

describe('landscape CLI (built bundle dist/cli.js)', function () {
  this.timeout(120000);
  before(function () {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build first`);
  });

  it('diagnose --json prints one JSON object with the documented fields', () => {
    const r = cli('diagnose', path.join(FX, 'mlp-regression/model.json'), '--data', path.join(FX, 'mlp-regression/data.npz'), '--json');
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ['checkpoint', 'format', 'backend', 'params', 'samples', 'loss', 'gradNorm']) assert.ok(k in j, k);
    assert.strictEqual(typeof j.timings.totalMs, 'number');
    const producer = JSON.parse(fs.readFileSync(path.join(FX, 'mlp-regression/producer.json'), 'utf8')).value;
    assert.ok(Math.abs(j.loss - producer) / producer < 1e-5, `${j.loss} vs tfjs-layers ${producer}`);
  });

  it('diagnose --top/--bottom/--trace/--density --json: spectrum of the exact Hessian (float64 reference)', () => {
    const dir = path.join(FX, 'mlp-regression');
    const r = cli(
      'diagnose',
      path.join(dir, 'model.json'),
      '--data',
      path.join(dir, 'data.npz'),
      '--top',
      '3',
      '--bottom',
      '2',
      '--tol',
      '1e-5',
      '--trace',
      '--trace-hvps',
      '100',
      '--density',
      '--json',
    );
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.strictEqual(j.hessian.hvpMethod, 'exact');
    assert.ok(/wasm|cpu|tensorflow/.test(j.backend));
    // independent reference: float64 Hessian from hyper-dual numbers, eigenvalues by Jacobi
    const ev = denseHessianEigenvalues(path.join(dir, 'model.json'), path.join(dir, 'data.npz'));
    const P = ev.length;
    const lmax = Math.max(Math.abs(ev[0]), Math.abs(ev[P - 1]));
    j.hessian.top.forEach((e: { value: number; residual: number }, i: number) =>
      assert.ok(Math.abs(e.value - ev[P - 1 - i]) <= 1e-3 * lmax, `top ${i}: ${e.value} vs ${ev[P - 1 - i]}`),
    );
    j.hessian.bottom.forEach((e: { value: number }, i: number) =>
      assert.ok(Math.abs(e.value - ev[i]) <= 1e-3 * lmax, `bottom ${i}: ${e.value} vs ${ev[i]}`),
    );
    const tr = ev.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(j.hessian.trace.estimate - tr) <= 3 * j.hessian.trace.stderr + 1e-4 * Math.abs(tr),
      `trace ${j.hessian.trace.estimate} ± ${j.hessian.trace.stderr} vs ${tr}`,
    );
    assert.ok(j.hessian.trace.probes >= 1);
    const g = j.hessian.density.grid,
      v = j.hessian.density.values;
    let integral = 0;
    for (let i = 1; i < g.length; i++) integral += 0.5 * (g[i] - g[i - 1]) * (v[i] + v[i - 1]);
    assert.ok(Math.abs(integral - 1) < 1e-6);
    assert.strictEqual(j.hessian.hvps, j.hessian.lanczos.hvps + j.hessian.trace.hvps + j.hessian.density.hvps);
    assert.strictEqual(j.counts.hvp, j.hessian.hvps);
  });

  it('diagnose --all --json: every diagnostic in its documented JSON field', () => {
    const r = cli(
      'diagnose',
      path.join(FX, 'mlp-regression/model.json'),
      '--data',
      path.join(FX, 'mlp-regression/data.npz'),
      '--all',
      '--json',
      '--thresholds',
      'gradStep=0.02',
    );
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.strictEqual(j.sharpness.keskar.length, 4);
    for (const k of j.sharpness.keskar) assert.ok(k.value >= 0 && [1e-3, 5e-4].includes(k.epsilon));
    assert.ok(j.sharpness.adaptive.value >= 0 && j.sharpness.adaptive.rho === 0.05);
    assert.ok(j.sharpness.pacBayesSigma > 0 && j.sharpness.pacBayesMagnitudeSigma > 0);
    assert.ok(j.pgb.residual >= 0 && j.pgb.relative >= 0 && j.pgb.perturbed.length === 3 && j.pgb.lossPgb <= j.loss);
    assert.ok(Math.abs(j.pgb.loss - j.loss) < 1e-5 * j.loss, 'PGB starts from L(θ)');
    const shares = j.layers.reduce((a: number, l: { traceShare: number }) => a + l.traceShare, 0);
    assert.ok(Math.abs(shares - 1) < 1e-9, `trace shares sum to 1: ${shares}`);
    for (const l of j.layers)
      assert.ok(
        typeof l.topEigenvalue === 'number' && l.topEigenvalue <= j.hessian.top[0].value * (1 + 1e-3),
        `block λ_max ≤ λ_max (${l.name})`,
      );
    assert.ok(['local minimum', 'saddle', 'not stationary', 'flat valley'].includes(j.verdict.kind), j.verdict.kind);
    assert.ok(j.verdict.confidence > 0 && j.verdict.confidence <= 1 && j.verdict.reasons.length > 0);
    assert.strictEqual(j.verdict.thresholds.gradStep, 0.02, '--thresholds applies');
    assert.ok(Array.isArray(j.theory) && j.theory.every((t: { paper: string; status: string }) => t.paper && t.status));
    assert.deepStrictEqual(j.slices.map((s: { kind: string }) => s.kind).slice(0, 2), ['1d', '2d']);
    assert.ok(j.weights.layers.length > 0);
    const bad = cli('diagnose', path.join(FX, 'mlp-regression/model.json'), '--thresholds', 'gradstep=x');
    assert.strictEqual(bad.status, 2);
    assert.match(bad.stderr, /--thresholds/);
  });

  it('human mode prints a table', () => {
    const r = cli('diagnose', path.join(FX, 'mlp-sigmoid/model.json'), '--data', path.join(FX, 'mlp-sigmoid/data.npz'), '--backend', 'cpu');
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /gradient norm\s+\d/);
    assert.match(r.stdout, /backend\s+cpu/);
  });

  it('bad input: exit 2 and one line naming the file and the problem', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cli-'));
    const bad = path.join(dir, 'data.npz');
    fs.writeFileSync(bad, 'not a zip');
    const r = cli('diagnose', path.join(FX, 'mlp-sigmoid/model.json'), '--data', bad);
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.includes(bad) && /not a zip archive/.test(r.stderr), r.stderr);
    const missing = cli('diagnose', path.join(dir, 'nope/model.json'), '--data', bad);
    assert.strictEqual(missing.status, 2);
    assert.match(missing.stderr, /checkpoint not found/);
    const badFlag = cli('diagnose', path.join(FX, 'mlp-sigmoid/model.json'), '--data', bad, '--samples', 'many');
    assert.strictEqual(badFlag.status, 2);
  });

  it('--out writes a new file and refuses to overwrite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-cli-'));
    const out = path.join(dir, 'r.json');
    const a = cli(
      'diagnose',
      path.join(FX, 'mlp-logits/model.json'),
      '--data',
      path.join(FX, 'mlp-logits/data.npz'),
      '--json',
      '--out',
      out,
    );
    assert.strictEqual(a.status, 0, a.stderr);
    assert.strictEqual(JSON.parse(fs.readFileSync(out, 'utf8')).loss, JSON.parse(a.stdout).loss);
    const b = cli(
      'diagnose',
      path.join(FX, 'mlp-logits/model.json'),
      '--data',
      path.join(FX, 'mlp-logits/data.npz'),
      '--json',
      '--out',
      out,
    );
    assert.strictEqual(b.status, 2);
    assert.match(b.stderr, /already exists/);
  });
});
