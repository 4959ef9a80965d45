/**
 * Krylov methods against dense references: the full float64 Hessian of a small network
 * (columns from the hyper-dual reference, eigenvalues by Jacobi), a clustered spectrum, a known
 * saddle and a convex least-squares problem with closed-form curvature.
 */
import * as assert from 'assert';
import { initBackend } from '../../src/core/backend';
import { jacobiEigen } from '../../src/core/linalg/jacobi';
import { tridiagEigen } from '../../src/core/linalg/tridiag';
import { lanczosExtremes } from '../../src/core/linalg/lanczos';
import { hutchPlusPlus, hutchinson } from '../../src/core/linalg/trace';
import { slqDensity } from '../../src/core/linalg/slq';
import { denseHvp64, denseParamCount, RefDenseLayer } from '../../src/core/autodiff/hyperdual';
import { denseGraphModel } from '../../src/core/hvpSelfTest';
import { TfObjective } from '../../src/core/objective';
import { resolveLoss } from '../../src/core/loss';
import { hessianOperator, hessianSpectrum } from '../../src/core/diagnostics/hessian';
import type { Dataset } from '../../src/core/data/dataset';
import { Rng } from '../../src/core/rng';
import { denseOp, withSpectrum } from './reference/denseOperators';

describe('dense eigensolvers', () => {
  it('Jacobi and tridiagonal QL agree on a tridiagonal matrix', () => {
    const rng = new Rng(3);
    const n = 30,
      a = Array.from({ length: n }, () => rng.normal()),
      b = Array.from({ length: n - 1 }, () => rng.normal());
    const A = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? a[i] : Math.abs(i - j) === 1 ? b[Math.min(i, j)] : 0)),
    );
    const j = jacobiEigen(A).values,
      t = tridiagEigen(a, b);
    j.forEach((v, i) => assert.ok(Math.abs(v - t.values[i]) < 1e-10, `${v} vs ${t.values[i]}`));
    // eigenvectors: T s = λ s
    for (let k = 0; k < n; k += 7) {
      const s = t.vectors.map(r => r[k]);
      const Ts = A.map(r => r.reduce((acc, x, c) => acc + x * s[c], 0));
      Ts.forEach((v, i) => assert.ok(Math.abs(v - t.values[k] * s[i]) < 1e-10));
    }
  });
});

describe('Lanczos on dense operators', () => {
  it('resolves a tight cluster of top eigenvalues, sorted and seed-independent', async () => {
    const lams = [10, 9.8, 9.6, 9.4, 9.2, ...Array.from({ length: 195 }, (_, i) => -1 + (3 * i) / 195)];
    const A = withSpectrum(lams, 1);
    for (const seed of [0, 1, 2]) {
      const r = await lanczosExtremes(denseOp(A), { top: 5, bottom: 1, tol: 1e-6, seed });
      assert.deepStrictEqual(
        r.top.map(p => Number(p.value.toFixed(6))),
        [10, 9.8, 9.6, 9.4, 9.2],
      );
      assert.ok(Math.abs(r.bottom[0].value + 1) < 1e-5);
      assert.ok(r.converged);
    }
  });

  it('finds both copies of a repeated eigenvalue (restart from the invariant subspace)', async () => {
    const A = withSpectrum([5, 5, 2, 1, 0.5, 0.1], 4);
    const r = await lanczosExtremes(denseOp(A), { top: 3, tol: 1e-8, seed: 0 });
    assert.deepStrictEqual(
      r.top.map(p => Number(p.value.toFixed(8))),
      [5, 5, 2],
    );
  });

  it('true residuals match the Lanczos estimates and returned vectors are unit eigenvectors', async () => {
    const A = withSpectrum(
      Array.from({ length: 80 }, (_, i) => Math.exp(-i / 6)),
      7,
    );
    const r = await lanczosExtremes(denseOp(A), { top: 3, tol: 1e-6, seed: 0, trueResiduals: true, returnVectors: true });
    for (const p of r.top) {
      assert.ok(p.residual <= 1e-5, `residual ${p.residual}`);
      const nrm = Math.sqrt(p.vector!.reduce((s, v) => s + v * v, 0));
      assert.ok(Math.abs(nrm - 1) < 1e-12);
    }
  });
});

describe('trace and density estimators on dense operators', () => {
  const lams = [50, 30, 20, 12, 8, ...Array.from({ length: 295 }, (_, i) => 0.5 * Math.sin(i) + 0.2)];
  const A = withSpectrum(lams, 11);
  const tr = lams.reduce((a, b) => a + b, 0);
  it('Hutch++ is within 3 reported standard errors and far tighter than Hutchinson at equal cost', async () => {
    const hpp = await hutchPlusPlus(denseOp(A), { relTol: 0.005, matvecs: 90, seed: 5 });
    assert.ok(Math.abs(hpp.estimate - tr) <= 3 * hpp.stderr + 1e-9, `${hpp.estimate} ± ${hpp.stderr} vs ${tr}`);
    const h = await hutchinson(denseOp(A), { relTol: 0, matvecs: hpp.matvecs, seed: 5 });
    assert.ok(hpp.stderr < h.stderr / 3, `hutch++ se ${hpp.stderr}, hutchinson se ${h.stderr}`);
  });
  it('SLQ density integrates to 1 and its mean estimates trace/n', async () => {
    const d = await slqDensity(denseOp(A), { probes: 20, steps: 30, seed: 2 });
    let integral = 0,
      mean = 0;
    for (let i = 1; i < d.grid.length; i++) {
      const h = d.grid[i] - d.grid[i - 1];
      integral += 0.5 * h * (d.values[i] + d.values[i - 1]);
      mean += 0.5 * h * (d.values[i] * d.grid[i] + d.values[i - 1] * d.grid[i - 1]);
    }
    assert.ok(Math.abs(integral - 1) < 1e-9);
    // the quadrature mean per probe is exactly vᵀAv: an unbiased estimate of tr/n; 20 probes → within ~10 %
    const quad = d.nodes.map((ns, p) => ns.reduce((s, x, i) => s + x * d.weights[p][i], 0));
    const qm = quad.reduce((a, b) => a + b, 0) / quad.length;
    assert.ok(Math.abs(qm - tr / A.length) / (tr / A.length) < 0.15, `${qm} vs ${tr / A.length}`);
    assert.ok(Math.abs(mean - qm) / Math.abs(qm) < 1e-3, 'broadening preserves the mean');
    // nodes lie inside the spectrum
    for (const ns of d.nodes) for (const x of ns) assert.ok(x > -0.31 - 1e-6 && x < 50 + 1e-6);
  });
});

function dataset(x: Float32Array, m: number, d: number, y: Float32Array | Int32Array, K: number): Dataset {
  return y instanceof Int32Array
    ? { file: 'mem', x, xShape: [m, d], y: { kind: 'labels', data: y, numClasses: K }, m, total: m, xKey: 'x', yKey: 'y' }
    : { file: 'mem', x, xShape: [m, d], y: { kind: 'values', data: y, shape: [m, K] }, m, total: m, xKey: 'x', yKey: 'y' };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Hessian spectrum of networks on exact HVPs (${backend})`, function () {
    this.timeout(120000);
    before(async () => {
      await initBackend(backend);
    });

    it('Lanczos top/bottom, Hutch++ trace and SLQ match the full float64 Hessian of a small tanh/softmax net', async () => {
      await initBackend(backend);
      const layers: RefDenseLayer[] = [
        { nIn: 5, nOut: 8, act: 'tanh', bias: true },
        { nIn: 8, nOut: 4, act: 'softmax', bias: true },
      ];
      const P = denseParamCount(layers); // 84
      const rng = new Rng(21),
        m = 40;
      const theta = Float32Array.from({ length: P }, () => rng.normal() * 0.8);
      const x = Float32Array.from({ length: m * 5 }, () => rng.normal());
      const y = Int32Array.from({ length: m }, () => rng.int(4));
      // full Hessian, float64, column by column
      const H: number[][] = Array.from({ length: P }, () => new Array<number>(P).fill(0));
      for (let j = 0; j < P; j++) {
        const e = new Float64Array(P);
        e[j] = 1;
        const col = denseHvp64(layers, theta, e, x, m, y, 'ce').hv;
        for (let i = 0; i < P; i++) H[i][j] = col[i];
      }
      const exact = jacobiEigen(H).values; // ascending
      const lmax = Math.max(Math.abs(exact[0]), Math.abs(exact[P - 1]));
      const model = denseGraphModel(layers, theta);
      const data = dataset(x, m, 5, y, 4);
      const obj = new TfObjective(model, data, resolveLoss(model, data, 'ce'));
      try {
        const h = await hessianSpectrum(obj, theta, {
          top: 3,
          bottom: 2,
          tol: 1e-4,
          trace: true,
          traceTol: 0.01,
          traceHvps: 84,
          density: true,
          densityProbes: 8,
          densitySteps: 20,
          seed: 1,
        });
        h.top.forEach((p, i) =>
          assert.ok(Math.abs(p.value - exact[P - 1 - i]) <= 1e-3 * lmax, `top ${i}: ${p.value} vs ${exact[P - 1 - i]}`),
        );
        h.bottom.forEach((p, i) => assert.ok(Math.abs(p.value - exact[i]) <= 1e-3 * lmax, `bottom ${i}: ${p.value} vs ${exact[i]}`));
        assert.ok(exact[0] < -1e-3 * lmax, 'this random point has negative curvature');
        const tr = exact.reduce((a, b) => a + b, 0);
        assert.ok(
          Math.abs(h.trace!.estimate - tr) <= 3 * h.trace!.stderr + 1e-4 * Math.abs(tr),
          `trace ${h.trace!.estimate} ± ${h.trace!.stderr} vs ${tr}`,
        );
        assert.strictEqual(h.hvpMethod, 'exact');
        assert.strictEqual(h.hvps, h.lanczos!.hvps + h.trace!.hvps + h.density!.hvps);
        const g = h.density!.grid,
          v = h.density!.values;
        let integral = 0;
        for (let i = 1; i < g.length; i++) integral += 0.5 * (g[i] - g[i - 1]) * (v[i] + v[i - 1]);
        assert.ok(Math.abs(integral - 1) < 1e-6);
      } finally {
        obj.dispose();
      }
    });

    it('a deep linear net at the origin is a saddle with eigenvalues ±2|E[xy]| (closed form)', async () => {
      await initBackend(backend);
      // f(x) = a·w·x, L = mean((a w x − y)²); at (w, a) = (0, 0): ∇L = 0, H = [[0, −2E[xy]], [−2E[xy], 0]]
      const layers: RefDenseLayer[] = [
        { nIn: 1, nOut: 1, act: 'linear', bias: false },
        { nIn: 1, nOut: 1, act: 'linear', bias: false },
      ];
      const rng = new Rng(5),
        m = 64;
      const x = Float32Array.from({ length: m }, () => rng.normal());
      const y = Float32Array.from(x, v => 1.5 * v + 0.1 * rng.normal());
      let exy = 0;
      for (let i = 0; i < m; i++) exy += x[i] * y[i];
      exy /= m;
      const theta = new Float32Array(2);
      const model = denseGraphModel(layers, theta);
      const data = dataset(x, m, 1, y, 1);
      const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
      try {
        const h = await hessianSpectrum(obj, theta, { top: 1, bottom: 1, tol: 1e-6, seed: 0 });
        assert.ok(Math.abs(h.bottom[0].value + 2 * Math.abs(exy)) < 1e-5 * Math.abs(exy), `${h.bottom[0].value} vs ${-2 * exy}`);
        assert.ok(Math.abs(h.top[0].value - 2 * Math.abs(exy)) < 1e-5 * Math.abs(exy));
      } finally {
        obj.dispose();
      }
    });

    it('linear least squares is convex: λ_max = 2·λ_max(XᵀX/m), no negative eigenvalue', async () => {
      await initBackend(backend);
      const d = 12,
        m = 200,
        rng = new Rng(8);
      const layers: RefDenseLayer[] = [{ nIn: d, nOut: 1, act: 'linear', bias: false }];
      const x = Float32Array.from({ length: m * d }, (_, i) => rng.normal() * (1 + (i % d) / 4));
      const y = Float32Array.from({ length: m }, () => rng.normal());
      const XtX = Array.from({ length: d }, (_, i) =>
        Array.from({ length: d }, (_, j) => {
          let s = 0;
          for (let k = 0; k < m; k++) s += x[k * d + i] * x[k * d + j];
          return s / m;
        }),
      );
      const ev = jacobiEigen(XtX).values;
      const theta = Float32Array.from({ length: d }, () => rng.normal());
      const model = denseGraphModel(layers, theta);
      const data = dataset(x, m, d, y, 1);
      const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
      try {
        const h = await hessianSpectrum(obj, theta, { top: 1, bottom: 1, tol: 1e-6, seed: 3 });
        assert.ok(Math.abs(h.top[0].value - 2 * ev[d - 1]) < 1e-5 * ev[d - 1], `${h.top[0].value} vs ${2 * ev[d - 1]}`);
        assert.ok(Math.abs(h.bottom[0].value - 2 * ev[0]) < 1e-4 * ev[d - 1], `${h.bottom[0].value} vs ${2 * ev[0]}`);
        assert.ok(h.bottom[0].value > 0);
      } finally {
        obj.dispose();
      }
    });
  });
}
void hessianOperator;
