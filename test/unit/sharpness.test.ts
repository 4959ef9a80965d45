/**
 * Keskar ε-sharpness against a brute-force search: on a 3-parameter least-squares model the
 * projected ascent reaches the maximum of L over the box C_ε found by enumerating a 41³ grid
 * (float64, independent code); the random-subspace variant runs in its own coordinates.
 */
import * as assert from 'assert';
import { initBackend } from '../../src/core/backend';
import { denseGraphModel } from '../../src/core/hvpSelfTest';
import { TfObjective } from '../../src/core/objective';
import { resolveLoss } from '../../src/core/loss';
import { keskarSharpness } from '../../src/core/diagnostics/sharpness';
import type { Dataset } from '../../src/core/data/dataset';
import { Rng } from '../../src/core/rng';

describe('Keskar ε-sharpness', function () {
  this.timeout(60000);
  it('matches a brute-force maximisation over the box on a tiny model', async () => {
    await initBackend('wasm');
    const rng = new Rng(9),
      m = 30;
    const x = Float32Array.from({ length: m * 2 }, () => rng.normal());
    const y = Float32Array.from({ length: m }, () => rng.normal());
    const data: Dataset = {
      file: 'mem',
      x,
      xShape: [m, 2],
      y: { kind: 'values', data: y, shape: [m, 1] },
      m,
      total: m,
      xKey: 'x',
      yKey: 'y',
    };
    const theta = Float32Array.from([0.7, -1.2, 0.3]);
    const model = denseGraphModel([{ nIn: 2, nOut: 1, act: 'linear', bias: true }], theta);
    const obj = new TfObjective(model, data, resolveLoss(model, data, 'mse'));
    try {
      const eps = 0.05;
      const L = (t: number[]): number => {
        let s = 0;
        for (let i = 0; i < m; i++) s += (x[i * 2] * t[0] + x[i * 2 + 1] * t[1] + t[2] - y[i]) ** 2;
        return s / m;
      };
      const l0 = L(Array.from(theta));
      const b = Array.from(theta, v => eps * (Math.abs(v) + 1));
      let brute = -Infinity;
      const g = 40;
      for (let i = 0; i <= g; i++)
        for (let j = 0; j <= g; j++)
          for (let k = 0; k <= g; k++) {
            brute = Math.max(
              brute,
              L([theta[0] + b[0] * ((2 * i) / g - 1), theta[1] + b[1] * ((2 * j) / g - 1), theta[2] + b[2] * ((2 * k) / g - 1)]),
            );
          }
      const phiRef = ((brute - l0) / (1 + l0)) * 100;
      const r = await keskarSharpness(obj, theta, { epsilon: eps });
      assert.ok(r.value <= phiRef * (1 + 1e-4) + 1e-6, `ours ${r.value} ≤ brute force ${phiRef}`);
      assert.ok(r.value >= 0.99 * phiRef, `ours ${r.value} reaches brute force ${phiRef}`);
      const sub = await keskarSharpness(obj, theta, { epsilon: eps, subspace: 2, seed: 1 });
      assert.strictEqual(sub.subspace, 2);
      assert.ok(sub.value >= 0 && Number.isFinite(sub.value));
    } finally {
      obj.dispose();
    }
  });
});
