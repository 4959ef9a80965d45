/**
 * HVP-correctness suite: every activation and loss the readers support, TF.js double backprop
 * (with the corrected gradients) against the independent float64 hyper-dual reference, at
 * random points, relative error ≤ 1e-5 in float32, on the cpu and wasm backends. A TF.js
 * upgrade that breaks a second-order path fails here.
 */
import * as assert from 'assert';
import { initBackend } from '../../src/core/backend';
import { checkHvpCase } from '../../src/core/hvpSelfTest';
import { cases } from './reference/hvp-cases';

const TOL = 1e-5;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`exact HVP vs float64 hyper-dual reference (${backend})`, function () {
    this.timeout(120000);
    before(async () => {
      await initBackend(backend);
    });
    for (const c of cases()) {
      it(c.name, async () => {
        await initBackend(backend);
        const r = await checkHvpCase(c);
        assert.ok(r.relError <= TOL, `H·v relative error ${r.relError.toExponential(2)} > ${TOL}`);
        assert.ok(r.gradRelError <= TOL, `gradient relative error ${r.gradRelError.toExponential(2)} > ${TOL}`);
      });
    }
  });
}
