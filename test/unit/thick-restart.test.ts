/**
 * Thick-restart Lanczos (Wu & Simon 2000; src/core/linalg/lanczos.ts) against independent references:
 * with a workspace far smaller than the products it needs (several restarts, ncv + restarts < n) it
 * converges to the dense top-k (Jacobi eigenvalues of the float64 matrix; a diagonal operator's
 * closed form at n = 60,000 through the ONNX Runtime sweeps), with the HVP count bounded by the budget,
 * and its Ritz vectors are unit eigenvectors (true residuals, one product each).
 */
import * as assert from 'assert';
import { jacobiEigen } from '../../src/core/linalg/jacobi';
import { lanczosExtremes } from '../../src/core/linalg/lanczos';
import type { LinearOperator } from '../../src/core/linalg/operator';
import { Rng } from '../../src/core/rng';
import { denseOp, withSpectrum } from './reference/denseOperators';

describe('thick-restart Lanczos', function () {
  this.timeout(600000);

  for (const f32 of [false, true])
    it(`converges to the dense top-6 and bottom-1 with a workspace of 20 (${f32 ? 'float32' : 'float64'} operator)`, async () => {
      const rng = new Rng(21),
        n = 160;
      // slowly separated top (hard for a small space), a bulk, one negative outlier
      const lams = Array.from({ length: n }, (_, i) => (i < 6 ? 5 - 0.15 * i : 3.5 * rng.uniform()));
      lams[n - 1] = -1.5;
      const A = withSpectrum(lams, 4);
      const ev = jacobiEigen(A).values; // ascending
      const op = denseOp(A, f32);
      const r = await lanczosExtremes(op, {
        top: 6,
        bottom: 1,
        tol: 1e-7,
        seed: 3,
        ncv: 20,
        maxIter: n - 1,
        returnVectors: true,
        trueResiduals: true,
      });
      assert.ok(r.restarts >= 2, `restarts ${r.restarts}`);
      assert.ok(20 + r.restarts < n);
      assert.ok(r.converged, 'converged');
      assert.ok(r.matvecs <= n - 1 + 7, `HVPs ${r.matvecs}`); // the budget plus one true-residual product per returned pair
      assert.strictEqual(op.calls, r.matvecs);
      const tol = f32 ? 1e-4 : 1e-8;
      r.top.forEach((p, i) => assert.ok(Math.abs(p.value - ev[n - 1 - i]) < tol * 5, `top ${i}: ${p.value} vs ${ev[n - 1 - i]}`));
      assert.ok(Math.abs(r.bottom[0].value - ev[0]) < tol * 5, `bottom ${r.bottom[0].value} vs ${ev[0]}`);
      // unit Ritz vectors with small true residuals ‖Ay − θy‖
      for (const p of [...r.top, ...r.bottom]) {
        const y = p.vector!;
        assert.ok(Math.abs(Math.hypot(...y) - 1) < 1e-6);
        assert.ok(p.residual < (f32 ? 1e-3 : 1e-5) * 5, `residual ${p.residual}`);
      }
      // the same problem without restarts (a workspace as large as the budget) gives the same eigenvalues
      const plain = await lanczosExtremes(denseOp(A, f32), { top: 6, bottom: 1, tol: 1e-7, seed: 3, maxIter: n - 1 });
      assert.strictEqual(plain.restarts, 0);
      plain.top.forEach((p, i) => assert.ok(Math.abs(p.value - r.top[i].value) < tol * 5));
    });

  it('n = 60,000 (ONNX Runtime sweeps and Ritz GEMMs): the closed-form top-3 and bottom-1 with ncv 16, HVPs bounded', async () => {
    const n = 60000,
      rng = new Rng(9);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = rng.uniform() * 0.5;
    [9, 8.5, 8.4, -2].forEach((v, i) => (d[i * 997] = v));
    let calls = 0;
    const op: LinearOperator = {
      n,
      apply: async v => (calls++, v.map((x, i) => d[i] * x)),
      apply32: async v => (calls++, v.map((x, i) => d[i] * x)),
    };
    const r = await lanczosExtremes(op, { top: 3, bottom: 1, tol: 1e-6, seed: 2, maxIter: 200, ncv: 16 });
    assert.ok(r.restarts >= 1, `restarts ${r.restarts}`);
    [9, 8.5, 8.4].forEach((v, i) => assert.ok(Math.abs(r.top[i].value - v) < 1e-4, `top ${i}: ${r.top[i].value} vs ${v}`));
    assert.ok(Math.abs(r.bottom[0].value + 2) < 1e-4, `${r.bottom[0].value}`);
    assert.ok(r.matvecs <= 200 && calls === r.matvecs, `HVPs ${r.matvecs}`);
  });
});
