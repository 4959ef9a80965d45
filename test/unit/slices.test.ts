/**
 * Landscape slices against closed forms: filter normalisation (each filter of the direction has
 * its θ-filter's norm, biases get none); on linear least squares every slice is an exact quadratic
 * computed here independently in float64; eigenvector slices match ½λs²; interpolation endpoints
 * and the barrier (zero for identical checkpoints, ≤ 0 for a convex loss).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { initBackend } from '../../src/core/backend';
import { denseGraphModel } from '../../src/core/hvpSelfTest';
import { TfObjective } from '../../src/core/objective';
import { resolveLoss } from '../../src/core/loss';
import { filterNormalizedDirection, filters, slice1d, slice2d, eigSlice, interpolate } from '../../src/core/diagnostics/slices';
import { lanczosExtremes } from '../../src/core/linalg/lanczos';
import { hessianOperator } from '../../src/core/diagnostics/hessian';
import type { Dataset } from '../../src/core/data/dataset';
import { Rng } from '../../src/core/rng';

const ROOT = path.resolve(__dirname, '../../..');

describe('landscape slices', function () {
  this.timeout(120000);
  const m = 60,
    d = 5;
  const rng = new Rng(17);
  const x = Float32Array.from({ length: m * d }, () => rng.normal());
  const y = Float32Array.from({ length: m }, () => rng.normal());
  const data: Dataset = {
    file: 'mem',
    x,
    xShape: [m, d],
    y: { kind: 'values', data: y, shape: [m, 1] },
    m,
    total: m,
    xKey: 'x',
    yKey: 'y',
  };
  const layers = [{ nIn: d, nOut: 1, act: 'linear', bias: true }];
  const theta = Float32Array.from({ length: d + 1 }, () => rng.normal());
  const model = denseGraphModel(layers, theta);
  /** float64 least-squares loss at θ (kernel then bias), written independently of the product */
  const ls = (t: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      let f = t[d];
      for (let j = 0; j < d; j++) f += x[i * d + j] * t[j];
      s += (f - y[i]) ** 2;
    }
    return s / m;
  };
  before(async () => {
    await initBackend('wasm');
  });

  it('filter-normalised directions: every filter has its θ-filter norm; biases get none', () => {
    const m2 = denseGraphModel(
      [
        { nIn: 4, nOut: 3, act: 'tanh', bias: true },
        { nIn: 3, nOut: 2, act: 'linear', bias: true },
      ],
      Float32Array.from({ length: 23 }, () => rng.normal()),
    );
    const dir = filterNormalizedDirection(m2, m2.theta, new Rng(1));
    for (const p of m2.params)
      for (const f of filters(p)) {
        const nd = Math.sqrt(f.reduce((s, i) => s + dir[i] ** 2, 0)),
          nt = Math.sqrt(f.reduce((s, i) => s + m2.theta[i] ** 2, 0));
        if (p.role === 'bias') assert.strictEqual(nd, 0);
        else assert.ok(Math.abs(nd - nt) < 1e-9 * Math.max(1, nt), `${p.name}: ${nd} vs ${nt}`);
      }
    // a Dense kernel [in, out] has one filter per output unit, of size `in`
    assert.deepStrictEqual(
      filters(m2.params[0]).map(f => f.length),
      [4, 4, 4],
    );
  });

  it('1-D and 2-D slices of least squares equal the float64 loss at the same points', async () => {
    const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
    try {
      const s1 = await slice1d(obj, model, theta, { seed: 3, points: 11 });
      const dir = filterNormalizedDirection(model, theta, new Rng(3));
      s1.t.forEach((t, i) => {
        const ref = ls(Array.from(theta, (v, k) => Math.fround(v + t * dir[k])));
        assert.ok(Math.abs(s1.loss[i] - ref) < 1e-5 * ref, `${s1.loss[i]} vs ${ref}`);
      });
      const s2 = await slice2d(obj, model, theta, { seed: 3, points: 5 });
      const r2 = new Rng(3),
        d1 = filterNormalizedDirection(model, theta, r2),
        d2 = filterNormalizedDirection(model, theta, r2);
      s2.b.forEach((b, j) =>
        s2.a.forEach((a, i) => {
          const ref = ls(Array.from(theta, (v, k) => Math.fround(v + a * d1[k] + b * d2[k])));
          assert.ok(Math.abs(s2.loss[j][i] - ref) < 1e-5 * ref);
        }),
      );
      assert.strictEqual(s2.loss.length, 5);
      assert.strictEqual(s2.loss[0].length, 5);
    } finally {
      obj.dispose();
    }
  });

  it('eigenvector slices of a quadratic equal L + s·gᵀv + ½λs²', async () => {
    const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
    try {
      const l = await lanczosExtremes(hessianOperator(obj, theta, { n: 0 }), { top: 1, tol: 1e-8, returnVectors: true, seed: 1 });
      const { gradient } = await obj.valueAndGradient(theta);
      const s = await eigSlice(obj, theta, l.top[0].vector!, l.top[0].value, gradient, 'top', { points: 9 });
      s.t.forEach((t, i) =>
        assert.ok(Math.abs(s.loss[i] - s.quadratic![i]) < 1e-4 * Math.max(1, s.quadratic![i]), `${s.loss[i]} vs ${s.quadratic![i]}`),
      );
    } finally {
      obj.dispose();
    }
  });

  it('interpolation: endpoints are the two losses; barrier 0 for identical points, ≤ 0 for a convex loss', async () => {
    const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
    try {
      const other = Float32Array.from(theta, v => v + rng.normal());
      const r = await interpolate(obj, theta, other, 'b');
      assert.ok(Math.abs(r.lossA - ls(theta)) < 1e-5 * r.lossA && Math.abs(r.lossB - ls(other)) < 1e-5 * r.lossB);
      assert.ok(r.barrier <= 1e-6 * r.lossA, `convex: barrier ${r.barrier}`);
      const same = await interpolate(obj, theta, theta, 'a');
      assert.ok(Math.abs(same.barrier) < 1e-6);
    } finally {
      obj.dispose();
    }
  });

  it('CLI: --slice 1d,eig,interp --with gives the slices in the JSON', () => {
    const fx = path.join(ROOT, 'test/fixtures/onnx/mlp');
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'dist/cli.js'),
        'diagnose',
        path.join(fx, 'model.onnx'),
        '--data',
        path.join(fx, 'data.npz'),
        '--slice',
        '1d,eig,interp',
        '--with',
        path.join(fx, 'model.safetensors'),
        '--json',
      ],
      { encoding: 'utf8' },
    );
    assert.strictEqual(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepStrictEqual(
      j.slices.map((s: { kind: string }) => s.kind),
      ['1d', 'eig', 'eig', 'interp'],
    );
    assert.strictEqual(j.slices[0].loss.length, 51);
    const mid = j.slices[0].loss[25];
    assert.ok(Math.abs(mid - j.loss) < 1e-6 * j.loss, 'the slice passes through θ');
    assert.ok(Math.abs(j.slices[3].barrier) < 1e-6, 'same weights: no barrier');
  });
});
