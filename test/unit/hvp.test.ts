/**
 * HVP-correctness suite: every activation and loss the readers support, TF.js double backprop
 * (with the corrected gradients) against the independent float64 hyper-dual reference, at
 * random points, relative error ≤ 1e-5 in float32, on the cpu and wasm backends. A TF.js
 * upgrade that breaks a second-order path fails here.
 */
import * as assert from 'assert';
import { initBackend } from '../../src/core/backend';
import { checkHvpCase, HvpCase } from '../../src/core/autodiff/selftest';
import { SUPPORTED_ACTIVATIONS } from '../../src/core/formats/kerasConfig';

const TOL = 1e-5;

function cases(): HvpCase[] {
  const out: HvpCase[] = [];
  let seed = 100;
  for (const act of SUPPORTED_ACTIVATIONS) {
    if (act === 'softmax') continue;
    // hidden activation, three losses
    out.push({ name: `${act} hidden, softmax CE`, loss: 'ce', m: 7, seed: seed++, layers: [{ nIn: 4, nOut: 5, act, bias: true }, { nIn: 5, nOut: 3, act: 'softmax', bias: true }] });
    out.push({ name: `${act} hidden, MSE`, loss: 'mse', m: 7, seed: seed++, layers: [{ nIn: 4, nOut: 5, act, bias: true }, { nIn: 5, nOut: 2, act: 'linear', bias: true }] });
    // as output activation under MSE (sigmoid/tanh regressors etc.)
    out.push({ name: `${act} output, MSE`, loss: 'mse', m: 7, seed: seed++, layers: [{ nIn: 4, nOut: 5, act: 'tanh', bias: true }, { nIn: 5, nOut: 2, act, bias: true }] });
  }
  out.push({ name: 'softmax hidden, MSE', loss: 'mse', m: 7, seed: seed++, layers: [{ nIn: 4, nOut: 5, act: 'softmax', bias: true }, { nIn: 5, nOut: 2, act: 'linear', bias: true }] });
  out.push({ name: 'sigmoid output, BCE (folded)', loss: 'bce', m: 7, seed: seed++, layers: [{ nIn: 4, nOut: 5, act: 'relu', bias: true }, { nIn: 5, nOut: 3, act: 'sigmoid', bias: true }] });
  out.push({ name: 'logits, BCE', loss: 'bce', m: 7, seed: seed++, layers: [{ nIn: 4, nOut: 5, act: 'elu', bias: true }, { nIn: 5, nOut: 3, act: 'linear', bias: true }] });
  out.push({ name: 'logits, CE', loss: 'ce', m: 7, seed: seed++, layers: [{ nIn: 4, nOut: 5, act: 'selu', bias: true }, { nIn: 5, nOut: 4, act: 'linear', bias: false }] });
  out.push({ name: 'deep tanh/sigmoid/gelu, CE', loss: 'ce', m: 9, seed: seed++, layers: [{ nIn: 4, nOut: 6, act: 'tanh', bias: true }, { nIn: 6, nOut: 5, act: 'sigmoid', bias: true }, { nIn: 5, nOut: 5, act: 'gelu', bias: true }, { nIn: 5, nOut: 3, act: 'softmax', bias: true }] });
  out.push({ name: 'Flatten of [2,3,2] inputs → tanh → softmax CE', loss: 'ce', m: 6, seed: seed++, inputShape: [2, 3, 2], layers: [{ nIn: 12, nOut: 5, act: 'tanh', bias: true }, { nIn: 5, nOut: 3, act: 'softmax', bias: true }] });
  out.push({ name: 'single linear layer, MSE (split of θ into one tensor)', loss: 'mse', m: 6, seed: seed++, layers: [{ nIn: 4, nOut: 2, act: 'linear', bias: false }] });
  return out;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`exact HVP vs float64 hyper-dual reference (${backend})`, function () {
    this.timeout(120000);
    before(async () => { await initBackend(backend); });
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
