/** The exactness matrix of dense networks: every supported activation × loss (shared by the TF.js and the native-engine suites). */
import type { HvpCase } from '../../../src/core/hvpSelfTest';
import { SUPPORTED_ACTIVATIONS } from '../../../src/core/formats/kerasConfig';

export function cases(): HvpCase[] {
  const out: HvpCase[] = [];
  let seed = 100;
  for (const act of SUPPORTED_ACTIVATIONS) {
    if (act === 'softmax') continue;
    // hidden activation, three losses
    out.push({
      name: `${act} hidden, softmax CE`,
      loss: 'ce',
      m: 7,
      seed: seed++,
      layers: [
        { nIn: 4, nOut: 5, act, bias: true },
        { nIn: 5, nOut: 3, act: 'softmax', bias: true },
      ],
    });
    out.push({
      name: `${act} hidden, MSE`,
      loss: 'mse',
      m: 7,
      seed: seed++,
      layers: [
        { nIn: 4, nOut: 5, act, bias: true },
        { nIn: 5, nOut: 2, act: 'linear', bias: true },
      ],
    });
    // as output activation under MSE (sigmoid/tanh regressors etc.)
    out.push({
      name: `${act} output, MSE`,
      loss: 'mse',
      m: 7,
      seed: seed++,
      layers: [
        { nIn: 4, nOut: 5, act: 'tanh', bias: true },
        { nIn: 5, nOut: 2, act, bias: true },
      ],
    });
  }
  out.push({
    name: 'softmax hidden, MSE',
    loss: 'mse',
    m: 7,
    seed: seed++,
    layers: [
      { nIn: 4, nOut: 5, act: 'softmax', bias: true },
      { nIn: 5, nOut: 2, act: 'linear', bias: true },
    ],
  });
  out.push({
    name: 'sigmoid output, BCE (folded)',
    loss: 'bce',
    m: 7,
    seed: seed++,
    layers: [
      { nIn: 4, nOut: 5, act: 'relu', bias: true },
      { nIn: 5, nOut: 3, act: 'sigmoid', bias: true },
    ],
  });
  out.push({
    name: 'logits, BCE',
    loss: 'bce',
    m: 7,
    seed: seed++,
    layers: [
      { nIn: 4, nOut: 5, act: 'elu', bias: true },
      { nIn: 5, nOut: 3, act: 'linear', bias: true },
    ],
  });
  out.push({
    name: 'logits, CE',
    loss: 'ce',
    m: 7,
    seed: seed++,
    layers: [
      { nIn: 4, nOut: 5, act: 'selu', bias: true },
      { nIn: 5, nOut: 4, act: 'linear', bias: false },
    ],
  });
  out.push({
    name: 'deep tanh/sigmoid/gelu, CE',
    loss: 'ce',
    m: 9,
    seed: seed++,
    layers: [
      { nIn: 4, nOut: 6, act: 'tanh', bias: true },
      { nIn: 6, nOut: 5, act: 'sigmoid', bias: true },
      { nIn: 5, nOut: 5, act: 'gelu', bias: true },
      { nIn: 5, nOut: 3, act: 'softmax', bias: true },
    ],
  });
  out.push({
    name: 'Flatten of [2,3,2] inputs → tanh → softmax CE',
    loss: 'ce',
    m: 6,
    seed: seed++,
    inputShape: [2, 3, 2],
    layers: [
      { nIn: 12, nOut: 5, act: 'tanh', bias: true },
      { nIn: 5, nOut: 3, act: 'softmax', bias: true },
    ],
  });
  out.push({
    name: 'single linear layer, MSE (split of θ into one tensor)',
    loss: 'mse',
    m: 6,
    seed: seed++,
    layers: [{ nIn: 4, nOut: 2, act: 'linear', bias: false }],
  });
  return out;
}
