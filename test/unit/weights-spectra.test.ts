/**
 * Data-free weight spectra against closed forms: a matrix built with known singular values gives
 * exactly those (spectral norm, stable rank, Gram eigenvalues s²/N); the Clauset–Shalizi–Newman
 * fit recovers α of Pareto samples; conv kernels are read as out × (in·kh·kw); the CLI reports
 * spectra for a model and for a weights-only file.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { fitPowerLaw, asMatrix, gramEigenvalues, weightSpectra } from '../../src/core/diagnostics/weights';
import { jacobiEigen } from '../../src/core/linalg/jacobi';
import { denseGraphModel } from '../../src/core/hvpSelfTest';
import { Rng } from '../../src/core/rng';

const ROOT = path.resolve(__dirname, '../../..');
function orthogonal(n: number, rng: Rng): number[][] {
  const M = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  return jacobiEigen(M.map((r, i) => r.map((v, j) => v + M[j][i]))).vectors;
}

describe('weight spectra', function () {
  this.timeout(60000);
  it('known singular values: spectral norm, stable rank and Gram eigenvalues are exact', async () => {
    const rng = new Rng(2);
    const R = 9,
      C = 6,
      s = [5, 3, 2, 1, 0.5, 0.25];
    const U = orthogonal(R, rng),
      V = orthogonal(C, rng);
    const W = Array.from({ length: R }, (_, i) =>
      Array.from({ length: C }, (_, j) => s.reduce((acc, sk, k) => acc + U[i][k] * sk * V[j][k], 0)),
    );
    // a Dense kernel is [in, out]: store Wᵀ so that the output axis (rows of W) is axis 1
    const theta = new Float32Array(R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) theta[j * R + i] = W[i][j];
    const model = denseGraphModel([{ nIn: C, nOut: R, act: 'linear', bias: false }], theta);
    const [w] = await weightSpectra(model);
    assert.deepStrictEqual(w.shape, [R, C]);
    assert.ok(Math.abs(w.spectralNorm - 5) < 1e-5, `${w.spectralNorm}`);
    const sr = s.reduce((a, b) => a + b * b, 0) / 25;
    assert.ok(Math.abs(w.stableRank - sr) < 1e-5, `${w.stableRank} vs ${sr}`);
    const expected = s.map(v => (v * v) / R).sort((a, b) => a - b);
    w.eigenvalues.forEach((l, i) => assert.ok(Math.abs(l - expected[i]) < 1e-6, `${l} vs ${expected[i]}`));
    // a rank-deficient matrix (repeated zero eigenvalues) falls back to the dense solver
    const z = await gramEigenvalues({ rows: 4, cols: 3, get: (i, j) => (j === 0 ? i + 1 : 0) });
    assert.deepStrictEqual(
      z.eigenvalues.map(v => Number(v.toFixed(9))),
      [0, 0, 30 / 4],
    );
  });

  it('power-law MLE recovers α of Pareto samples (α = 2.5 and 4)', () => {
    for (const alpha of [2.5, 4]) {
      const rng = new Rng(alpha * 10);
      const xs = Array.from({ length: 3000 }, () => Math.pow(1 - rng.uniform(), -1 / (alpha - 1)));
      const fit = fitPowerLaw(xs)!;
      assert.ok(Math.abs(fit.alpha - alpha) < 0.2, `α̂ ${fit.alpha} vs ${alpha}`);
      assert.ok(fit.ks < 0.05);
    }
  });

  it('a conv kernel [kh, kw, in, out] is read as out × (kh·kw·in)', () => {
    const shape = [2, 2, 3, 4];
    const theta = Float32Array.from({ length: 48 }, (_, i) => i);
    const m = asMatrix(theta, { name: 'k', layer: 'c', role: 'kernel', shape, offset: 0, size: 48, outAxis: 3 });
    assert.strictEqual(m.rows, 4);
    assert.strictEqual(m.cols, 12);
    // element (out o, column (h, w, i)) sits at ((h·2 + w)·3 + i)·4 + o
    assert.strictEqual(m.get(1, 0), 1);
    assert.strictEqual(m.get(2, 5), ((0 * 2 + 1) * 3 + 2) * 4 + 2);
  });

  it('CLI: diagnose --weights and inspect --weights on a weights-only file', () => {
    const cli = (...a: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), ...a], { encoding: 'utf8' });
    const fx = path.join(ROOT, 'test/fixtures/onnx/mlp');
    const d = cli('diagnose', path.join(fx, 'model.onnx'), '--data', path.join(fx, 'data.npz'), '--weights', '--json');
    assert.strictEqual(d.status, 0, d.stderr);
    const j = JSON.parse(d.stdout);
    assert.deepStrictEqual(
      j.weights.layers.map((l: { shape: number[] }) => l.shape),
      [
        [16, 6],
        [12, 16],
        [4, 12],
      ],
    );
    const i = cli('inspect', path.join(fx, 'weights.pt'), '--weights', '--json');
    assert.strictEqual(i.status, 0, i.stderr);
    const k = JSON.parse(i.stdout);
    // same matrices from the state dict (PyTorch layout, output axis first): same spectral norms
    k.weights.layers.forEach((l: { spectralNorm: number }, n: number) =>
      assert.ok(Math.abs(l.spectralNorm - j.weights.layers[n].spectralNorm) < 1e-4 * l.spectralNorm),
    );
  });
});
