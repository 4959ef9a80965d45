/**
 * Block products of the native engine (hvpBlock, lossBlock, gradientBlock compiled as block graphs)
 * against the float64 hyper-dual reference (src/core/autodiff/hyperdual.ts), row by row, with one and
 * several chunks, short last blocks and declared penalties; and the content-keyed graph/session cache:
 * a second checkpoint of the same architecture creates no session.
 */
import * as assert from 'assert';
import { OrtObjective } from '../../src/core/native/ortObjective';
import { denseGraphModel, relErr, HvpCase } from '../../src/core/hvpSelfTest';
import { denseHvp64, denseParamCount } from '../../src/core/autodiff/hyperdual';
import { resolveLoss } from '../../src/core/loss';
import { cacheStats, structureKey } from '../../src/core/native/cache';
import { Rng } from '../../src/core/rng';
import type { Dataset } from '../../src/core/data/dataset';
import type { GraphModel } from '../../src/core/model/graph';

const TOL = 1e-5;

function setup(c: HvpCase): { model: GraphModel; data: Dataset; x: Float32Array; y: ArrayLike<number>; theta: Float32Array; rng: Rng } {
  const rng = new Rng(c.seed);
  const P = denseParamCount(c.layers);
  const theta = Float32Array.from({ length: P }, () => rng.normal() * 0.7);
  const d = c.layers[0].nIn,
    K = c.layers[c.layers.length - 1].nOut;
  const x = Float32Array.from({ length: c.m * d }, () => rng.normal());
  let y: ArrayLike<number>, data: Dataset;
  const base = { file: '<blocks>', x, xShape: [c.m, d], m: c.m, total: c.m, xKey: 'x', yKey: 'y' };
  if (c.loss === 'ce') {
    const labels = Int32Array.from({ length: c.m }, () => rng.int(K));
    y = labels;
    data = { ...base, y: { kind: 'labels', data: labels, numClasses: K } };
  } else {
    const t = Float32Array.from({ length: c.m * K }, () => (c.loss === 'bce' ? rng.uniform() : rng.normal()));
    y = t;
    data = { ...base, y: { kind: 'values', data: t, shape: [c.m, K] } };
  }
  return { model: denseGraphModel(c.layers, theta), data, x, y, theta, rng };
}

const CASES: HvpCase[] = [
  {
    name: 'tanh → softmax CE',
    loss: 'ce',
    m: 7,
    seed: 11,
    layers: [
      { nIn: 4, nOut: 5, act: 'tanh', bias: true },
      { nIn: 5, nOut: 3, act: 'softmax', bias: true },
    ],
  },
  {
    name: 'gelu → linear MSE',
    loss: 'mse',
    m: 7,
    seed: 12,
    layers: [
      { nIn: 4, nOut: 5, act: 'gelu', bias: true },
      { nIn: 5, nOut: 2, act: 'linear', bias: true },
    ],
  },
  {
    name: 'relu·sigmoid → sigmoid BCE',
    loss: 'bce',
    m: 7,
    seed: 13,
    layers: [
      { nIn: 3, nOut: 4, act: 'relu', bias: true },
      { nIn: 4, nOut: 4, act: 'sigmoid', bias: false },
      { nIn: 4, nOut: 2, act: 'sigmoid', bias: true },
    ],
  },
];

describe('native engine: block products vs the float64 hyper-dual reference', function () {
  this.timeout(120000);
  for (const c of CASES)
    for (const chunkSize of [1024, 3])
      for (const blockSize of [4, 3])
        it(`${c.name} (chunks of ${chunkSize}, blocks of ${blockSize}: 5 rows = full blocks, a short one or a single)`, async () => {
          const { model, data, x, y, theta, rng } = setup(c);
          const n = model.numParams,
            b = 5;
          const V = Float32Array.from({ length: b * n }, () => rng.normal());
          const Th = Float32Array.from({ length: b * n }, (_, i) => theta[i % n] + 0.3 * rng.normal());
          const obj = new OrtObjective(model, data, resolveLoss(model, data, c.loss), { ep: 'cpu', chunkSize, blockSize });
          try {
            const HV = await obj.hvpBlock(theta, V);
            const L = await obj.lossBlock(Th);
            const G = await obj.gradientBlock(Th);
            assert.deepStrictEqual([obj.counts.hvp, obj.counts.loss, obj.counts.gradient], [b, b, b]);
            for (let j = 0; j < b; j++) {
              const ref = denseHvp64(c.layers, theta, V.subarray(j * n, (j + 1) * n), x, c.m, y, c.loss);
              const e = relErr(HV.subarray(j * n, (j + 1) * n), ref.hv);
              assert.ok(e <= TOL, `row ${j}: H·v relative error ${e.toExponential(2)}`);
              const refP = denseHvp64(c.layers, Th.subarray(j * n, (j + 1) * n), new Float64Array(n), x, c.m, y, c.loss);
              assert.ok(Math.abs(L[j] - refP.loss) <= TOL * Math.max(1, Math.abs(refP.loss)), `row ${j}: loss ${L[j]} vs ${refP.loss}`);
              assert.ok(Math.abs(G.loss[j] - refP.loss) <= TOL * Math.max(1, Math.abs(refP.loss)), `row ${j}: gradient block loss`);
              const eg = relErr(G.gradient.subarray(j * n, (j + 1) * n), refP.grad);
              assert.ok(eg <= TOL, `row ${j}: gradient relative error ${eg.toExponential(2)}`);
            }
          } finally {
            obj.dispose();
          }
        });

  it('declared penalties (λ/2)‖θ_P‖² are added to every row (closed form: L + λ/2‖θ_P‖², ∇ + λθ_P, Hv + λv_P)', async () => {
    const c = CASES[0];
    const { model: m0, data, x, y, theta, rng } = setup(c);
    const lambda = 0.37;
    const model: GraphModel = { ...m0, penalty: [{ param: 'dense_1/kernel', lambda }] };
    const P = model.params.find(p => p.name === 'dense_1/kernel')!;
    const n = model.numParams,
      b = 3;
    const V = Float32Array.from({ length: b * n }, () => rng.normal());
    const obj = new OrtObjective(model, data, resolveLoss(model, data, c.loss), { ep: 'cpu', chunkSize: 4, blockSize: 3 });
    try {
      const HV = await obj.hvpBlock(theta, V);
      const G = await obj.gradientBlock(V);
      const L = await obj.lossBlock(V);
      for (let j = 0; j < b; j++) {
        const v = V.subarray(j * n, (j + 1) * n);
        const ref = denseHvp64(c.layers, theta, v, x, c.m, y, c.loss);
        const refV = denseHvp64(c.layers, v, new Float64Array(n), x, c.m, y, c.loss);
        let q = 0;
        for (let i = P.offset; i < P.offset + P.size; i++) {
          ref.hv[i] += lambda * v[i];
          refV.grad[i] += lambda * v[i];
          q += v[i] * v[i];
        }
        assert.ok(relErr(HV.subarray(j * n, (j + 1) * n), ref.hv) <= TOL, `row ${j}: H·v`);
        assert.ok(relErr(G.gradient.subarray(j * n, (j + 1) * n), refV.grad) <= TOL, `row ${j}: gradient`);
        const want = refV.loss + 0.5 * lambda * q;
        assert.ok(Math.abs(L[j] - want) <= TOL * Math.max(1, want), `row ${j}: loss ${L[j]} vs ${want}`);
        assert.ok(Math.abs(G.loss[j] - want) <= TOL * Math.max(1, want), `row ${j}: gradient block loss`);
      }
    } finally {
      obj.dispose();
    }
  });
});

describe('native engine: graphs and sessions cached by content', function () {
  this.timeout(120000);
  it('a second checkpoint of the same architecture (new model object, new θ) compiles nothing and creates no session', async () => {
    const c = CASES[1];
    const a = setup(c);
    const theta2 = Float32Array.from(a.theta, t => t * 0.5 + 0.1);
    const model2 = denseGraphModel(c.layers, theta2);
    assert.notStrictEqual(model2, a.model);
    assert.strictEqual(structureKey(model2), structureKey(a.model));
    const first = new OrtObjective(a.model, a.data, resolveLoss(a.model, a.data, c.loss), { ep: 'cpu' });
    const v = Float32Array.from({ length: a.model.numParams }, () => a.rng.normal());
    await first.hvp(a.theta, v);
    await first.valueAndGradient(a.theta);
    first.dispose();
    const before = { ...cacheStats };
    const second = new OrtObjective(model2, a.data, resolveLoss(model2, a.data, c.loss), { ep: 'cpu' });
    try {
      const hv = await second.hvp(theta2, v);
      const { gradient } = await second.valueAndGradient(theta2);
      assert.strictEqual(cacheStats.compiled, before.compiled, 'graphs compiled for the second checkpoint');
      assert.strictEqual(cacheStats.sessions, before.sessions, 'sessions created for the second checkpoint');
      const ref = denseHvp64(c.layers, theta2, v, a.x, c.m, a.y, c.loss);
      assert.ok(relErr(hv, ref.hv) <= TOL, 'H·v at the second checkpoint');
      assert.ok(relErr(gradient, ref.grad) <= TOL, 'gradient at the second checkpoint');
    } finally {
      second.dispose();
    }
  });

  it('a different constant, op attribute or layer shape is a different key', () => {
    const c = CASES[1];
    const { model } = setup(c);
    const withConst = (v: number): GraphModel => ({
      ...model,
      constants: new Map([['k', { shape: [2], dtype: 'float32' as const, values: Float32Array.from([1, v]) }]]),
    });
    assert.notStrictEqual(structureKey(withConst(2)), structureKey(withConst(3)));
    assert.strictEqual(structureKey(withConst(2)), structureKey(withConst(2)));
    const act: GraphModel = { ...model, nodes: model.nodes.map((n, i) => (i === 0 ? { ...n, attrs: { activation: 'tanh' } } : n)) };
    assert.notStrictEqual(structureKey(act), structureKey(model));
    const wider = denseGraphModel(
      [
        { nIn: 4, nOut: 6, act: 'gelu', bias: true },
        { nIn: 6, nOut: 2, act: 'linear', bias: true },
      ],
      new Float32Array(44),
    );
    assert.notStrictEqual(structureKey(wider), structureKey(model));
  });
});
