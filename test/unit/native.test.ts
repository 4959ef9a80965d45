/**
 * The native engine (src/core/native): ONNX graphs compiled from the internal model, run on ONNX
 * Runtime. The exactness matrix of the TF.js suite (every activation × loss, dense networks) against
 * the float64 hyper-dual reference at the same tolerance.
 */
import * as assert from 'assert';
import { checkHvpCase } from '../../src/core/autodiff/selftest';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { cases } from './reference/hvp-cases';

const TOL = 1e-5;

describe('native engine: exact HVP vs float64 hyper-dual reference (onnxruntime, cpu)', function () {
  this.timeout(120000);
  for (const c of cases()) {
    it(c.name, async () => {
      const r = await checkHvpCase(c, (m, d, s) => new OrtObjective(m, d, s, { ep: 'cpu' }));
      assert.ok(r.relError <= TOL, `H·v relative error ${r.relError.toExponential(2)} > ${TOL}`);
      assert.ok(r.gradRelError <= TOL, `gradient relative error ${r.gradRelError.toExponential(2)} > ${TOL}`);
    });
  }
});
