/**
 * The diagnostics suite against independent computations:
 *  - PGB residual: linear least squares (closed form: L_PGB = global least-squares optimum), linear
 *    softmax regression (float64 gradient-descent reference), a ReLU network at initialisation and
 *    after training;
 *  - adaptive sharpness against a brute-force search over the ellipsoid; PAC-Bayes σ against the
 *    closed form E[L(θ+u)] − L(θ) = σ²·tr(XᵀX)/m of least squares at its optimum;
 *  - per-layer curvature against the blocks of the full float64 Hessian (hyper-dual numbers, Jacobi);
 *  - the verdict on a least-squares optimum, a deep-linear saddle and a random point; theory rules on
 *    known structures;
 *  - Keskar's setting: the same MLP trained with small and with large batches (fixed seeds): the
 *    large-batch solution is sharper by ε-sharpness and λ_max.
 */
import * as assert from 'assert';
import { initBackend } from '../../src/core/backend';
import { denseGraphModel } from '../../src/core/hvpSelfTest';
import { denseHvp64, denseParamCount, RefDenseLayer } from '../../src/core/autodiff/hyperdual';
import { jacobiEigen } from '../../src/core/linalg/jacobi';
import { TfObjective } from '../../src/core/objective';
import { resolveLoss } from '../../src/core/loss';
import type { Dataset } from '../../src/core/data/dataset';
import type { GraphModel } from '../../src/core/model/graph';
import { Rng } from '../../src/core/rng';
import { pgbResidual, solvePgb } from '../../src/core/diagnostics/pgb';
import { adaptiveSharpness } from '../../src/core/diagnostics/adaptiveSharpness';
import { pacBayesSigma } from '../../src/core/diagnostics/pacBayes';
import { layerCurvature } from '../../src/core/diagnostics/layerCurvature';
import { verdict } from '../../src/core/diagnostics/verdict';
import { theoryRules } from '../../src/core/diagnostics/theory';
import { hessianSpectrum } from '../../src/core/diagnostics/hessian';
import { keskarSharpness } from '../../src/core/diagnostics/sharpness';

function dataset(x: Float32Array, m: number, d: number, y: Float32Array | Int32Array, K: number): Dataset {
  return y instanceof Int32Array
    ? { file: 'mem', x, xShape: [m, d], y: { kind: 'labels', data: y, numClasses: K }, m, total: m, xKey: 'x', yKey: 'y' }
    : { file: 'mem', x, xShape: [m, d], y: { kind: 'values', data: y, shape: [m, K] }, m, total: m, xKey: 'x', yKey: 'y' };
}

/** Solve the small SPD system A z = b in float64 (Gaussian elimination with partial pivoting). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length,
    M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = M[r][c] / M[c][c];
        for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
      }
  }
  return M.map((r, i) => r[n] / r[i]);
}

/** Least squares with bias: features [x, 1]; returns θ* in the dense layout (kernel [d,K] then bias [K]) and L*. */
function leastSquares(x: Float32Array, y: Float32Array, m: number, d: number, K: number): { theta: Float64Array; loss: number } {
  const F = d + 1;
  const A = Array.from({ length: F }, () => new Array(F).fill(0));
  const theta = new Float64Array(d * K + K);
  for (let i = 0; i < m; i++)
    for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) A[a][b] += (a < d ? x[i * d + a] : 1) * (b < d ? x[i * d + b] : 1);
  let loss = 0;
  for (let k = 0; k < K; k++) {
    const rhs = new Array(F).fill(0);
    for (let i = 0; i < m; i++) for (let a = 0; a < F; a++) rhs[a] += (a < d ? x[i * d + a] : 1) * y[i * K + k];
    const w = solve(A, rhs);
    for (let a = 0; a < d; a++) theta[a * K + k] = w[a];
    theta[d * K + k] = w[d];
    for (let i = 0; i < m; i++) {
      let p = w[d];
      for (let a = 0; a < d; a++) p += w[a] * x[i * d + a];
      loss += (p - y[i * K + k]) ** 2;
    }
  }
  return { theta, loss: loss / (m * K) };
}

async function adam(obj: TfObjective, theta: Float32Array, steps: number, lr: number): Promise<Float32Array> {
  const t = Float32Array.from(theta),
    m1 = new Float64Array(t.length),
    m2 = new Float64Array(t.length);
  for (let s = 1; s <= steps; s++) {
    const { gradient: g } = await obj.valueAndGradient(t);
    for (let i = 0; i < t.length; i++) {
      m1[i] = 0.9 * m1[i] + 0.1 * g[i];
      m2[i] = 0.999 * m2[i] + 0.001 * g[i] * g[i];
      t[i] -= (lr * (m1[i] / (1 - 0.9 ** s))) / (Math.sqrt(m2[i] / (1 - 0.999 ** s)) + 1e-8);
    }
  }
  return t;
}

function glorot(layers: RefDenseLayer[], rng: Rng): Float32Array {
  const th = new Float32Array(denseParamCount(layers));
  let o = 0;
  for (const l of layers) {
    const s = Math.sqrt(6 / (l.nIn + l.nOut));
    for (let i = 0; i < l.nIn * l.nOut; i++) th[o++] = (2 * rng.uniform() - 1) * s;
    if (l.bias) o += l.nOut;
  }
  return th;
}

describe('diagnostics suite', function () {
  this.timeout(180000);
  before(async () => {
    await initBackend('wasm');
  });

  describe('PGB residual (Kawaguchi & Kaelbling 2020)', () => {
    const rng = new Rng(11),
      m = 60,
      d = 3,
      K = 2;
    const x = Float32Array.from({ length: m * d }, () => rng.normal());
    const y = Float32Array.from(
      { length: m * K },
      (_, j) => 0.7 * x[Math.floor(j / K) * d + (j % K)] - 0.3 * x[Math.floor(j / K) * d + 2] + 0.5 * rng.normal(),
    );
    const layers: RefDenseLayer[] = [{ nIn: d, nOut: K, act: 'linear', bias: true }];
    const ls = leastSquares(x, y, m, d, K);

    it('linear model: r ≈ 0 at the least-squares optimum and r = L(θ) − L* at a random point', async () => {
      const model = denseGraphModel(layers, Float32Array.from(ls.theta));
      const data = dataset(x, m, d, y, K);
      const spec = resolveLoss(model, data, 'mse');
      const obj = new TfObjective(model, data, spec);
      try {
        const atOpt = await pgbResidual(obj, Float32Array.from(ls.theta), spec, data.y, { perturbations: 2 });
        assert.ok(Math.abs(atOpt.loss - ls.loss) < 1e-5 * ls.loss, `L(θ*) ${atOpt.loss} vs float64 ${ls.loss}`);
        assert.ok(atOpt.relative < 1e-5, `r/L at the optimum ${atOpt.relative}`);
        // at θ* + δ the features are the same (a linear model's Jacobian does not depend on θ): L_PGB = L*
        for (const p of atOpt.perturbed)
          assert.ok(Math.abs(p.lossPgb - ls.loss) < 1e-4 * ls.loss, `perturbed L_PGB ${p.lossPgb} vs L* ${ls.loss}`);
        const th = Float32Array.from({ length: ls.theta.length }, () => rng.normal());
        const r = await solvePgb(obj, th, spec, data.y);
        assert.ok(r.loss > 2 * ls.loss, 'the random point is clearly worse');
        assert.ok(Math.abs(r.lossPgb - ls.loss) < 1e-4 * ls.loss, `L_PGB ${r.lossPgb} = L* ${ls.loss} (closed form)`);
        assert.ok(Math.abs(r.residual - (r.loss - ls.loss)) < 1e-4 * r.loss, `r ${r.residual} = L(θ) − L* ${r.loss - ls.loss}`);
        assert.ok(
          r.iterations <= 12,
          `L-BFGS with exact line search on a quadratic in ${d * K + K + 1} unknowns: ${r.iterations} iterations`,
        );
      } finally {
        obj.dispose();
      }
    });

    it('linear softmax model: L_PGB equals the float64 optimum of multinomial logistic regression', async () => {
      const mc = 80,
        C = 3;
      const xc = Float32Array.from({ length: mc * 2 }, () => rng.normal());
      const yc = Int32Array.from(
        { length: mc },
        (_, i) => ((xc[2 * i] + 0.8 * rng.normal() > 0.3 ? 1 : 0) + (xc[2 * i + 1] + 0.8 * rng.normal() > 0 ? 1 : 0)) % C,
      );
      const lay: RefDenseLayer[] = [{ nIn: 2, nOut: C, act: 'linear', bias: true }];
      const th = Float32Array.from({ length: 9 }, () => rng.normal());
      const model = denseGraphModel(lay, th);
      const data = dataset(xc, mc, 2, yc, C);
      const spec = resolveLoss(model, data, 'ce');
      const obj = new TfObjective(model, data, spec);
      try {
        const r = await solvePgb(obj, th, spec, data.y, { maxIter: 200, tol: 1e-8 });
        // reference: plain float64 gradient descent on the convex problem (non-separable data)
        const w = new Float64Array(9);
        const lossGrad = (g?: Float64Array) => {
          let s = 0;
          g?.fill(0);
          for (let i = 0; i < mc; i++) {
            const z = [0, 1, 2].map(k => w[k] * xc[2 * i] + w[3 + k] * xc[2 * i + 1] + w[6 + k]);
            const mx = Math.max(...z),
              e = z.map(v => Math.exp(v - mx)),
              se = e.reduce((a, b) => a + b, 0);
            s += mx + Math.log(se) - z[yc[i]];
            if (g)
              for (let k = 0; k < 3; k++) {
                const q = e[k] / se - (k === yc[i] ? 1 : 0);
                g[k] += (q * xc[2 * i]) / mc;
                g[3 + k] += (q * xc[2 * i + 1]) / mc;
                g[6 + k] += q / mc;
              }
          }
          return s / mc;
        };
        const g = new Float64Array(9);
        for (let it = 0; it < 20000; it++) {
          lossGrad(g);
          for (let j = 0; j < 9; j++) w[j] -= 0.5 * g[j];
        }
        const ref = lossGrad();
        assert.ok(Math.abs(r.lossPgb - ref) < 1e-4 * ref, `L_PGB ${r.lossPgb} vs float64 optimum ${ref}`);
        assert.ok(r.residual > 0.05 * r.loss, 'a random point is far from optimal');
      } finally {
        obj.dispose();
      }
    });

    it('ReLU network: r is large at initialisation and small after training to convergence', async () => {
      const mr = 120,
        lay: RefDenseLayer[] = [
          { nIn: 2, nOut: 6, act: 'relu', bias: true },
          { nIn: 6, nOut: 1, act: 'linear', bias: true },
        ];
      const r2 = new Rng(3);
      const xr = Float32Array.from({ length: mr * 2 }, () => r2.normal());
      const yr = Float32Array.from({ length: mr }, (_, i) => Math.sin(1.5 * xr[2 * i]) + 0.5 * Math.abs(xr[2 * i + 1]));
      const th0 = glorot(lay, r2);
      const model = denseGraphModel(lay, th0);
      const data = dataset(xr, mr, 2, yr, 1);
      const spec = resolveLoss(model, data, 'mse');
      const obj = new TfObjective(model, data, spec);
      try {
        const init = await pgbResidual(obj, th0, spec, data.y, { perturbations: 1 });
        let th = await adam(obj, th0, 1500, 0.02);
        th = await adam(obj, th, 1500, 0.002);
        const trained = await pgbResidual(obj, th, spec, data.y, { perturbations: 1 });
        const { gradient } = await obj.valueAndGradient(th);
        const gn = Math.hypot(...gradient);
        assert.ok(init.relative > 0.3, `at initialisation r/L = ${init.relative}`);
        assert.ok(trained.residual < 0.02 * init.residual, `trained r ${trained.residual} vs init ${init.residual} (‖g‖ ${gn})`);
        assert.ok(trained.relative < 0.05, `trained r/L = ${trained.relative} (L = ${trained.loss})`);
      } finally {
        obj.dispose();
      }
    });
  });

  describe('sharpness variants', () => {
    const rng = new Rng(21),
      m = 40;
    const x = Float32Array.from({ length: m * 2 }, () => rng.normal());
    const y = Float32Array.from({ length: m }, (_, i) => 0.5 * x[2 * i] - x[2 * i + 1] + 0.3 * rng.normal());
    const L = (t: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < m; i++) s += (x[2 * i] * t[0] + x[2 * i + 1] * t[1] + t[2] - y[i]) ** 2;
      return s / m;
    };

    it('adaptive sharpness reaches the brute-force maximum over the ellipsoid ‖ε/(|θ|+η)‖ ≤ ρ', async () => {
      const theta = Float32Array.from([0.9, -0.4, 0.2]);
      const model = denseGraphModel([{ nIn: 2, nOut: 1, act: 'linear', bias: true }], theta);
      const data = dataset(x, m, 2, y, 1);
      const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
      try {
        const rho = 0.3,
          eta = 0.01;
        const r = await adaptiveSharpness(obj, theta, { rho, eta, steps: 10 });
        // the loss is convex: the maximum over the ellipsoid lies on its boundary; sample it densely
        let brute = -Infinity;
        const l0 = L(theta),
          T = Array.from(theta, v => Math.abs(v) + eta);
        for (let i = 0; i <= 200; i++)
          for (let j = 0; j < 400; j++) {
            const ph = (Math.PI * i) / 200,
              ps = (2 * Math.PI * j) / 400;
            const u = [Math.sin(ph) * Math.cos(ps), Math.sin(ph) * Math.sin(ps), Math.cos(ph)];
            brute = Math.max(brute, L([0, 1, 2].map(k => theta[k] + T[k] * rho * u[k])));
          }
        const ref = brute - l0;
        assert.ok(r.value <= ref * (1 + 1e-3) + 1e-6, `ours ${r.value} ≤ brute force ${ref}`);
        assert.ok(r.value >= 0.995 * ref, `ours ${r.value} reaches brute force ${ref}`);
      } finally {
        obj.dispose();
      }
    });

    it('PAC-Bayes σ matches the closed form σ² tr(XᵀX)/m = δ of least squares at its optimum', async () => {
      const ls = leastSquares(x, y, m, 2, 1);
      const theta = Float32Array.from(ls.theta);
      const model = denseGraphModel([{ nIn: 2, nOut: 1, act: 'linear', bias: true }], theta);
      const data = dataset(x, m, 2, y, 1);
      const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
      try {
        const r = await pacBayesSigma(obj, theta, { samples: 400, seed: 2 });
        // E[L(θ*+u)] − L(θ*) = E[uᵀ(XᵀX/m)u] = σ²·tr(XᵀX)/m with X = [x, 1]
        let tr = 0;
        for (let i = 0; i < m; i++) tr += x[2 * i] ** 2 + x[2 * i + 1] ** 2 + 1;
        const sigmaRef = Math.sqrt(r.delta / (tr / m));
        assert.ok(Math.abs(r.sigma - sigmaRef) < 0.08 * sigmaRef, `σ ${r.sigma} vs closed form ${sigmaRef}`);
        // magnitude-aware: E = σ² Σ_i s_i² (XᵀX/m)_ii with s_i = |θ_i| + 1e-3
        const s = Array.from(theta, v => Math.abs(v) + 1e-3);
        let diag = 0;
        for (let i = 0; i < m; i++) diag += (s[0] * x[2 * i]) ** 2 + (s[1] * x[2 * i + 1]) ** 2 + s[2] ** 2;
        const magRef = Math.sqrt(r.delta / (diag / m));
        assert.ok(Math.abs(r.magnitudeAwareSigma - magRef) < 0.1 * magRef, `magnitude-aware σ ${r.magnitudeAwareSigma} vs ${magRef}`);
      } finally {
        obj.dispose();
      }
    });
  });

  it('per-layer curvature equals the blocks of the float64 Hessian', async () => {
    const rng = new Rng(4),
      m = 24;
    const lay: RefDenseLayer[] = [
      { nIn: 3, nOut: 4, act: 'tanh', bias: true },
      { nIn: 4, nOut: 3, act: 'softmax', bias: true },
    ];
    const P = denseParamCount(lay);
    const theta = Float32Array.from({ length: P }, () => 0.8 * rng.normal());
    const x = Float32Array.from({ length: m * 3 }, () => rng.normal());
    const y = Int32Array.from({ length: m }, () => rng.int(3));
    const H: number[][] = [];
    for (let i = 0; i < P; i++) {
      const e = new Float64Array(P);
      e[i] = 1;
      H.push(Array.from(denseHvp64(lay, theta, e, x, m, y, 'ce').hv));
    }
    const model = denseGraphModel(lay, theta);
    const data = dataset(x, m, 3, y, 3);
    const obj = new TfObjective(model, data, resolveLoss(model, data));
    try {
      const full = jacobiEigen(H);
      const top = full.vectors[full.values.indexOf(Math.max(...full.values))];
      const r = await layerCurvature(obj, model, theta, { topVector: Float64Array.from(top) });
      const blocks = [
        [0, 16],
        [16, 31],
      ];
      let totalTrace = 0;
      for (let i = 0; i < P; i++) totalTrace += H[i][i];
      r.layers.forEach((l, b) => {
        const [s, e] = blocks[b];
        const Hb = H.slice(s, e).map(row => row.slice(s, e));
        const lam = Math.max(...jacobiEigen(Hb).values);
        const tr = Hb.reduce((a, row, i) => a + row[i], 0);
        assert.ok(Math.abs(l.topEigenvalue - lam) < 1e-4 * Math.abs(lam) + 1e-6, `${l.name}: block λ_max ${l.topEigenvalue} vs ${lam}`);
        assert.ok(Math.abs(l.trace - tr) < 1e-4 * Math.abs(totalTrace), `${l.name}: block trace ${l.trace} vs ${tr}`);
        assert.ok(Math.abs(l.traceShare - tr / totalTrace) < 1e-4, `${l.name}: share ${l.traceShare} vs ${tr / totalTrace}`);
        let mass = 0;
        for (let i = s; i < e; i++) mass += top[i] ** 2;
        assert.ok(Math.abs(l.topVectorMass! - mass) < 1e-9, 'top-eigenvector mass');
      });
      // the Hutchinson path (forced) agrees within 4 standard errors
      const h = await layerCurvature(obj, model, theta, { exactBelow: 0, probes: 400, seed: 3 });
      h.layers.forEach((l, b) => {
        const [s, e] = blocks[b];
        let tr = 0;
        for (let i = s; i < e; i++) tr += H[i][i];
        assert.ok(Math.abs(l.trace - tr) < 4 * l.traceStderr + 1e-6, `${l.name}: Hutchinson ${l.trace} ± ${l.traceStderr} vs ${tr}`);
      });
    } finally {
      obj.dispose();
    }
  });

  describe('verdict and theory', () => {
    it('classifies a least-squares optimum, a deep-linear saddle and a random point', async () => {
      const rng = new Rng(8),
        m = 50;
      const x = Float32Array.from({ length: m * 2 }, () => rng.normal());
      const y = Float32Array.from({ length: m }, (_, i) => x[2 * i] - 2 * x[2 * i + 1] + 0.2 * rng.normal());
      const ls = leastSquares(x, y, m, 2, 1);
      const run = async (layers: RefDenseLayer[], theta: Float32Array, xx: Float32Array, yy: Float32Array, d: number) => {
        const model = denseGraphModel(layers, theta);
        const data = dataset(xx, yy.length, d, yy, 1);
        const spec = resolveLoss(model, data, 'mse');
        const obj = new TfObjective(model, data, spec);
        try {
          const { loss, gradient } = await obj.valueAndGradient(theta);
          const h = await hessianSpectrum(obj, theta, { top: 1, bottom: 1, density: true, densitySteps: Math.min(10, theta.length) });
          const p = await pgbResidual(obj, theta, spec, data.y, { perturbations: 1 });
          return verdict({
            loss,
            gradNorm: Math.hypot(...gradient),
            top: h.top,
            bottom: h.bottom,
            lanczosConverged: h.lanczos?.converged,
            density: h.density,
            pgb: { relative: p.relative, maxPerturbedRelative: p.maxPerturbedRelative },
          });
        } finally {
          obj.dispose();
        }
      };
      const lin: RefDenseLayer[] = [{ nIn: 2, nOut: 1, act: 'linear', bias: true }];
      const vMin = await run(lin, Float32Array.from(ls.theta), x, y, 2);
      assert.strictEqual(vMin.kind, 'local minimum', vMin.reasons.join('; '));
      assert.ok(vMin.confidence > 0.8, `confidence ${vMin.confidence}`);
      const vRand = await run(lin, Float32Array.from([3, 1, -2]), x, y, 2);
      assert.strictEqual(vRand.kind, 'not stationary', vRand.reasons.join('; '));
      // f(x) = a·w·x at (w, a) = (0, 0): gradient 0, eigenvalues ±2|E[xy]|
      const x1 = Float32Array.from({ length: m }, () => rng.normal());
      const y1 = Float32Array.from(x1, v => 1.5 * v + 0.1 * rng.normal());
      const vSad = await run(
        [
          { nIn: 1, nOut: 1, act: 'linear', bias: false },
          { nIn: 1, nOut: 1, act: 'linear', bias: false },
        ],
        new Float32Array(2),
        x1,
        y1,
        1,
      );
      assert.strictEqual(vSad.kind, 'saddle', vSad.reasons.join('; '));
      assert.ok(vSad.measures.negativeCurvatureRatio! > 0.99, 'λ_min = −λ_max at the deep-linear saddle');
    });

    it('flat valley when most spectral mass is near zero; undetermined without λ_max', () => {
      const v = verdict({
        loss: 1,
        gradNorm: 1e-6,
        top: [{ value: 2, residual: 1e-6 }],
        bottom: [{ value: -1e-7, residual: 1e-8 }],
        density: { nodes: [[0, 1e-5, 2]], weights: [[0.7, 0.1, 0.2]] },
      });
      assert.strictEqual(v.kind, 'flat valley');
      assert.ok(Math.abs(v.measures.nearZeroMass! - 0.8) < 1e-12);
      assert.strictEqual(verdict({ loss: 1, gradNorm: 0.1 }).kind, 'undetermined');
      // thresholds are configurable
      // ‖g‖²/(2λ_max) = 0.02·L: not stationary at the default 1 %, stationary at 5 %
      assert.strictEqual(verdict({ loss: 1, gradNorm: 0.2, top: [{ value: 1, residual: 0 }] }).kind, 'not stationary');
      assert.notStrictEqual(
        verdict({ loss: 1, gradNorm: 0.2, top: [{ value: 1, residual: 0 }] }, { gradStep: 0.05 }).kind,
        'not stationary',
      );
    });

    it('theory rules read the architecture', () => {
      const relu = denseGraphModel(
        [
          { nIn: 4, nOut: 16, act: 'relu', bias: true },
          { nIn: 16, nOut: 8, act: 'relu', bias: true },
          { nIn: 8, nOut: 3, act: 'softmax', bias: true },
        ],
        new Float32Array(4 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3),
      );
      const rules = new Map(theoryRules(relu, 'ce').map(r => [r.id, r]));
      assert.strictEqual(rules.get('piecewise-linear-spurious-minima')!.status, 'applies');
      assert.strictEqual(rules.get('special-neurons')!.status, 'does not apply');
      assert.strictEqual(rules.get('residual')!.status, 'does not apply');
      assert.strictEqual(rules.get('depth-width')!.status, 'partial', 'stated for squared loss');
      const tanhWideOut = denseGraphModel(
        [
          { nIn: 4, nOut: 2, act: 'tanh', bias: true },
          { nIn: 2, nOut: 5, act: 'linear', bias: true },
        ],
        new Float32Array(4 * 2 + 2 + 2 * 5 + 5),
      );
      const r2 = new Map(theoryRules(tanhWideOut, 'mse').map(r => [r.id, r]));
      assert.strictEqual(r2.get('piecewise-linear-spurious-minima')!.status, 'does not apply');
      assert.strictEqual(r2.get('depth-width')!.status, 'applies');
      // a skip connection: h1 + dense_1(h1) (h1 is an ancestor of the other operand)
      const res: GraphModel = {
        ...relu,
        nodes: [
          ...relu.nodes,
          { op: 'merge', inputs: ['dense_0/out', 'dense_1/out'], outputs: ['sum'], attrs: { mode: 'add' }, name: 'add' },
        ],
        outputs: ['sum'],
      };
      assert.strictEqual(new Map(theoryRules(res, 'ce').map(r => [r.id, r])).get('residual')!.status, 'partial');
      // h + h is not a skip connection
      const twice: GraphModel = {
        ...relu,
        nodes: [
          ...relu.nodes,
          { op: 'merge', inputs: [relu.outputs[0], relu.outputs[0]], outputs: ['sum'], attrs: { mode: 'add' }, name: 'add' },
        ],
        outputs: ['sum'],
      };
      assert.strictEqual(new Map(theoryRules(twice, 'ce').map(r => [r.id, r])).get('residual')!.status, 'does not apply');
    });
  });

  it("Keskar's setting: large-batch training ends sharper than small-batch (ε-sharpness and λ_max)", async () => {
    const rng = new Rng(2017),
      m = 256,
      d = 2;
    const x = Float32Array.from({ length: m * d }, () => rng.normal());
    const y = Float32Array.from({ length: m }, (_, i) => Math.sin(2 * x[2 * i]) * Math.cos(x[2 * i + 1]) + 0.1 * rng.normal());
    const lay: RefDenseLayer[] = [
      { nIn: d, nOut: 32, act: 'tanh', bias: true },
      { nIn: 32, nOut: 1, act: 'linear', bias: true },
    ];
    const th0 = glorot(lay, rng);
    const model = denseGraphModel(lay, th0);
    const full = dataset(x, m, d, y, 1);
    const fullObj = new TfObjective(model, full, resolveLoss(model, full, 'mse'));
    // plain SGD from the same initialisation: batch 4 (small) or the full batch (large), the same
    // number of steps and learning rate; then 2,000 full-batch gradient steps at a small rate bring
    // both to the bottom of the basin they are in (Keskar compares solutions of similar training loss)
    const train = async (batch: number, steps: number, lr: number): Promise<Float32Array> => {
      const objs: TfObjective[] = [];
      for (let s = 0; s < m; s += batch) {
        const part = dataset(x.slice(s * d, (s + batch) * d), batch, d, y.slice(s, s + batch), 1);
        objs.push(new TfObjective(model, part, resolveLoss(model, part, 'mse')));
      }
      const th = Float32Array.from(th0),
        order = new Rng(batch);
      try {
        let n = 0;
        while (n < steps)
          for (const b of order.sample(objs.length, objs.length)) {
            if (n++ >= steps) break;
            const { gradient } = await objs[b].valueAndGradient(th);
            for (let i = 0; i < th.length; i++) th[i] -= lr * gradient[i];
          }
        for (let k = 0; k < 2000; k++) {
          const { gradient } = await fullObj.valueAndGradient(th);
          for (let i = 0; i < th.length; i++) th[i] -= 0.05 * gradient[i];
        }
      } finally {
        objs.forEach(o => o.dispose());
      }
      return th;
    };
    try {
      const small = await train(4, 3000, 0.25);
      const large = await train(m, 3000, 0.25);
      const measure = async (th: Float32Array) => {
        const h = await hessianSpectrum(fullObj, th, { top: 1, seed: 1 });
        const k = await keskarSharpness(fullObj, th, { epsilon: 1e-3, seed: 1 });
        return { lmax: h.top[0].value, keskar: k.value, loss: await fullObj.loss(th) };
      };
      const S = await measure(small),
        Lg = await measure(large);
      assert.ok(Math.max(S.loss, Lg.loss) < 2 * Math.min(S.loss, Lg.loss), `similar training loss: ${S.loss} vs ${Lg.loss}`);
      assert.ok(Lg.lmax > 1.25 * S.lmax, `λ_max large-batch ${Lg.lmax} vs small-batch ${S.lmax}`);
      assert.ok(Lg.keskar > 1.25 * S.keskar, `ε-sharpness large-batch ${Lg.keskar} vs small-batch ${S.keskar}`);
      console.log(
        `      small batch: loss ${S.loss.toFixed(4)} λ_max ${S.lmax.toFixed(3)} ε-sharpness ${S.keskar.toExponential(2)}; large batch: loss ${Lg.loss.toFixed(4)} λ_max ${Lg.lmax.toFixed(3)} ε-sharpness ${Lg.keskar.toExponential(2)}`,
      );
    } finally {
      fullObj.dispose();
    }
  });
});
