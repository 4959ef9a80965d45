/**
 * The Krylov workspace and the estimators (issue 26) against independent references:
 *  - workspace sweeps (Qᵀv, v − Qc, Q s; float32 and float64 storage) = plain float64 loops;
 *  - Lanczos on a float32 operator (the Hessian's case: float32 basis) = Jacobi eigenvalues of the
 *    float64 matrix, to the float32 floor;
 *  - the exact trace = the dense trace, in n products; the trace diagnostic on a small net = the sum of
 *    the float64 Hessian's eigenvalues (hyper-dual columns, Jacobi), in n HVPs;
 *  - XTrace (Epperly, Tropp & Webber 2024) within its reported error on a decaying spectrum and on the
 *    float64 Hessian of a small net, with HVP counts bounded by the budget (work, not time); exact on a
 *    rank-5 matrix with a 1e-6 tail.
 */
import * as assert from 'assert';
import * as path from 'path';
import { jacobiEigen } from '../../src/core/linalg/jacobi';
import { lanczosExtremes } from '../../src/core/linalg/lanczos';
import { hutchPlusPlus } from '../../src/core/linalg/trace';
import { exactTrace, xtrace } from '../../src/core/linalg/xtrace';
import { symmetricEigenvalues } from '../../src/core/linalg/denseEigen';
import { KrylovSpace, ortStats } from '../../src/core/linalg/workspace';
import { gemmStats } from '../../src/core/native/dense';
import { loadOrt } from '../../src/core/native/runtime';
import type { LinearOperator } from '../../src/core/linalg/operator';
import { Rng } from '../../src/core/rng';
import { diagnose } from '../../src/core/diagnose';
import { denseHessianMatrix } from './reference/denseNet64';
import { denseOp, withSpectrum } from './reference/denseOperators';

const FX = path.resolve(__dirname, '../../../test/fixtures/tfjs/mlp-regression');

describe('Krylov workspace and estimators', function () {
  this.timeout(600000);

  for (const precision of ['float32', 'float64'] as const)
    it(`workspace sweeps (${precision}) equal plain float64 loops`, () => {
      const rng = new Rng(1),
        n = 103,
        k = 11;
      const W = new KrylovSpace(n, 16, precision);
      const rows: Float64Array[] = [];
      for (let j = 0; j < k; j++) {
        const q = W.newVec();
        q.set(rng.normalVector(n));
        const r = W.orthogonalise(q);
        q.forEach((x, i) => (q[i] = x / r));
        rows.push(Float64Array.from(W.push(q)));
      }
      const v = W.newVec();
      v.set(rng.normalVector(n));
      const v64 = Float64Array.from(v);
      const c = W.project(v);
      const cRef = rows.map(q => q.reduce((s, x, i) => s + x * v64[i], 0));
      c.forEach((x, j) => assert.ok(Math.abs(x - cRef[j]) < 1e-12 * n, `c[${j}] ${x} vs ${cRef[j]}`));
      W.subtract(v, c);
      const vRef = v64.map((x, i) => x - rows.reduce((s, q, j) => s + cRef[j] * q[i], 0));
      const eps = precision === 'float32' ? 1e-5 : 1e-12;
      v.forEach((x, i) => assert.ok(Math.abs(x - vRef[i]) < eps * (1 + Math.abs(vRef[i])), `v[${i}] ${x} vs ${vRef[i]}`));
      const s = Array.from({ length: k }, () => rng.normal());
      const y = W.combine(s);
      y.forEach((x, i) => {
        const r = rows.reduce((a, q, j) => a + s[j] * q[i], 0);
        assert.ok(Math.abs(x - r) < 1e-12 * n, `y[${i}]`);
      });
      // CGS2 leaves v orthogonal to every row
      const u = W.newVec();
      u.set(rng.normalVector(n));
      W.orthogonalise(u);
      for (const q of rows) assert.ok(Math.abs(q.reduce((a, x, i) => a + x * u[i], 0)) < (precision === 'float32' ? 1e-4 : 1e-10));
    });

  it('Lanczos on a float32 operator (float32 basis) finds the Jacobi eigenvalues to the float32 floor', async () => {
    const rng = new Rng(7),
      n = 120;
    const lams = Array.from({ length: n }, (_, i) => (i < 6 ? 10 - i : rng.normal() * 0.5));
    lams[n - 1] = -3;
    const A = withSpectrum(lams, 2);
    const ev = jacobiEigen(A).values; // ascending
    const op = denseOp(A, true);
    const r = await lanczosExtremes(op, { top: 5, bottom: 1, tol: 1e-6, seed: 1 });
    r.top.forEach((p, i) => assert.ok(Math.abs(p.value - ev[n - 1 - i]) < 1e-5 * 10, `top ${i}: ${p.value} vs ${ev[n - 1 - i]}`));
    assert.ok(Math.abs(r.bottom[0].value - ev[0]) < 1e-5 * 10, `${r.bottom[0].value} vs ${ev[0]}`);
    assert.strictEqual(op.calls, r.matvecs);
  });

  it('Lanczos on a large float32 operator (ORT GEMV sweeps) finds the closed-form eigenvalues', async () => {
    // diagonal in a random ±1 basis flip: eigenvalues are the diagonal, known exactly
    const n = 60000,
      rng = new Rng(5);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = rng.uniform() * 0.5;
    [9, 8.5, 8.4, -2].forEach((v, i) => (d[i * 997] = v));
    const op: LinearOperator = {
      n,
      apply: async v => v.map((x, i) => d[i] * x),
      apply32: async v => v.map((x, i) => d[i] * x),
    };
    const before = ortStats.calls;
    const r = await lanczosExtremes(op, { top: 3, bottom: 1, tol: 1e-6, seed: 2, maxIter: 60, minIter: 50 });
    if (loadOrt()) assert.ok(ortStats.calls > before, 'the ORT sweeps ran');
    [9, 8.5, 8.4].forEach((v, i) => assert.ok(Math.abs(r.top[i].value - v) < 1e-4, `top ${i}: ${r.top[i].value} vs ${v}`));
    assert.ok(Math.abs(r.bottom[0].value + 2) < 1e-4, `${r.bottom[0].value}`);
    assert.ok(r.matvecs <= 60);
  });

  it('dense symmetric eigenvalues (Householder + QL) equal Jacobi', () => {
    const rng = new Rng(8),
      n = 40;
    const A = withSpectrum(
      Array.from({ length: n }, () => rng.normal()),
      6,
    );
    const ref = jacobiEigen(A).values;
    const got = symmetricEigenvalues(Float64Array.from(A.flat()), n);
    got.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-10, `${i}: ${v} vs ${ref[i]}`));
  });

  it('the exact trace is the dense trace, in n products', async () => {
    const rng = new Rng(4),
      n = 70;
    const A = withSpectrum(
      Array.from({ length: n }, () => rng.normal()),
      5,
    );
    const tr = A.reduce((s, r, i) => s + r[i], 0);
    for (const f32 of [false, true]) {
      const op = denseOp(A, f32);
      const t = await exactTrace(op, { block: 16 });
      assert.ok(Math.abs(t.trace - tr) < (f32 ? 1e-5 : 1e-10) * n, `${t.trace} vs ${tr}`);
      assert.strictEqual(op.calls, n);
      assert.strictEqual(t.matvecs, n);
    }
  });

  it('XTrace on a decaying spectrum: within its reported error; exact on a low-rank matrix', async () => {
    const n = 200;
    const lams = Array.from({ length: n }, (_, k) => 100 / (k + 1) ** 2);
    const A = withSpectrum(lams, 9);
    const tr = lams.reduce((a, b) => a + b, 0);
    let errX = 0,
      errH = 0;
    for (const seed of [1, 2, 3]) {
      const op = denseOp(A);
      const x = await xtrace(op, { relTol: 0, matvecs: 40, seed });
      assert.ok(op.calls <= 40 && x.matvecs === op.calls, `products ${op.calls}`);
      assert.ok(Math.abs(x.estimate - tr) <= 4 * x.stderr + 1e-9 * tr, `seed ${seed}: ${x.estimate} vs ${tr} (± ${x.stderr})`);
      const h = await hutchPlusPlus(denseOp(A), { relTol: 0, matvecs: 40, seed });
      errX += Math.abs(x.estimate - tr) / tr;
      errH += Math.abs(h.estimate - tr) / tr;
    }
    assert.ok(errX < 2 * errH, `XTrace ${errX / 3} vs Hutch++ ${errH / 3} (mean relative errors)`);
    // rank 5 plus a 1e-6 tail: every leave-one-out estimate is exact to the tail (exchangeability, §2 of the paper)
    const low = Array.from({ length: n }, (_, k) => (k < 5 ? 10 * (k + 1) : 1e-6));
    const lowTr = low.reduce((a, b) => a + b, 0);
    const xl = await xtrace(denseOp(withSpectrum(low, 11)), { relTol: 0, matvecs: 40, seed: 2 });
    assert.ok(Math.abs(xl.estimate - lowTr) < 1e-6 * lowTr, `${xl.estimate} vs ${lowTr}`);
    // exactly rank 3 (< m): the range is captured, tr(QᵀAQ) is the trace, no sampling error left
    const r3 = Array.from({ length: n }, (_, k) => (k < 3 ? k + 1 : 0));
    const x3 = await xtrace(denseOp(withSpectrum(r3, 12)), { relTol: 0.01, matvecs: 40, seed: 1 });
    assert.ok(x3.converged && x3.stderr === 0 && Math.abs(x3.estimate - 6) < 1e-8, `${x3.estimate} ± ${x3.stderr}`);
    // a tolerance it can reach stops early, and says so
    const op = denseOp(A);
    const x = await xtrace(op, { relTol: 0.01, matvecs: 150, seed: 4 });
    assert.ok(x.converged && x.stderr <= 0.01 * Math.abs(x.estimate) && op.calls < 150, `${x.matvecs} products, ±${x.stderr}`);
    // one it cannot: unresolved, with an estimate of the products needed
    const y = await xtrace(
      denseOp(
        withSpectrum(
          Array.from({ length: n }, (_, k) => (k % 2 ? 1 : -1) * (1 + k / n)),
          3,
        ),
      ),
      {
        relTol: 1e-4,
        matvecs: 20,
        seed: 1,
      },
    );
    assert.ok(!y.converged && y.needed !== null && y.needed > 20, `needed ${y.needed}`);
  });

  it('XTrace at n = 60,000 (its block QR and projections as ONNX Runtime GEMMs, float32): within 1 % of the closed-form trace', async () => {
    const n = 60000,
      rng = new Rng(13);
    // a decaying spectrum with a bulk (a Hessian's shape): 30 outliers 50/k, the rest uniform in [0, 1e-3]
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = i < 30 ? 50 / (i + 1) : 1e-3 * rng.uniform();
    const tr = d.reduce((a, b) => a + b, 0);
    let calls = 0;
    const op: LinearOperator = {
      n,
      apply: async v => (calls++, v.map((x, i) => d[i] * x)),
      apply32: async v => (calls++, v.map((x, i) => d[i] * x)),
    };
    const before = gemmStats.ort;
    for (const seed of [1, 2]) {
      const x = await xtrace(op, { relTol: 0, matvecs: 60, seed });
      assert.ok(x.matvecs <= 60, `products ${x.matvecs}`);
      // within 1 % of the closed form (seed 2 is 6 of its standard errors off: XTrace's error estimate is not a bound)
      assert.ok(Math.abs(x.estimate - tr) < 0.01 * tr && x.stderr > 0, `seed ${seed}: ${x.estimate} vs ${tr} ± ${x.stderr}`);
    }
    assert.strictEqual(calls, 120);
    if (loadOrt()) assert.ok(gemmStats.ort > before, 'the GEMMs ran in ONNX Runtime');
  });

  it('on a small net: the trace and density are exact (the eigenvalues of the float64 Hessian) and XTrace is within its error', async () => {
    const model = path.join(FX, 'model.json'),
      data = path.join(FX, 'data.npz');
    const H = denseHessianMatrix(model, data);
    const ev = jacobiEigen(H).values;
    // the density of a small model: every eigenvalue of the float64 Hessian, weight 1/n, from n HVPs
    const dr = await diagnose({ checkpoint: model, data, density: true, seed: 1 });
    const d = dr.hessian!.density!;
    assert.strictEqual(d.method, 'exact');
    assert.strictEqual(d.hvps, ev.length);
    d.nodes[0].forEach((v, i) => assert.ok(Math.abs(v - ev[i]) < 1e-4 * Math.max(...ev.map(Math.abs)), `${i}: ${v} vs ${ev[i]}`));
    // SLQ after a spectrum: the spectrum's Lanczos tridiagonal is the first probe (no HVPs), one new probe of 10 steps
    const sr = await diagnose({ checkpoint: model, data, top: 1, density: true, densityProbes: 2, densitySteps: 10, seed: 1 });
    const sd = sr.hessian!.density!;
    assert.strictEqual(sd.method, 'slq');
    assert.strictEqual(sd.nodes.length, 2);
    assert.strictEqual(sd.hvps, 10, 'one new probe');
    assert.strictEqual(Math.max(...sd.nodes[0]), sr.hessian!.top[0].value, "the first probe's nodes are the spectrum's Ritz values");
    sd.weights.forEach(w => assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9));
    const tr = ev.reduce((a, b) => a + b, 0),
      scale = Math.max(...ev.map(Math.abs));
    const r = await diagnose({ checkpoint: model, data, trace: true, seed: 1 });
    const t = r.hessian!.trace!;
    assert.strictEqual(t.method, 'exact');
    assert.strictEqual(t.hvps, ev.length, 'n HVPs');
    assert.strictEqual(t.status, 'converged');
    assert.ok(Math.abs(t.estimate - tr) < 1e-4 * scale, `${t.estimate} vs ${tr}`);
    for (const seed of [1, 2]) {
      const op = denseOp(H, true);
      const x = await xtrace(op, { relTol: 0, matvecs: 40, seed });
      assert.ok(op.calls <= 40);
      assert.ok(Math.abs(x.estimate - tr) <= 4 * x.stderr + 1e-5 * scale, `seed ${seed}: ${x.estimate} vs ${tr} ± ${x.stderr}`);
    }
  });
});
