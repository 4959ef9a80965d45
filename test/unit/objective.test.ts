/**
 * The Objective interface beyond loss/gradient/HVP: outputs, Jacobian-vector and
 * vector-Jacobian products (checked against float64 forward mode and by the adjoint identity
 * uᵀ(Jv) = (Jᵀu)ᵀv), batches, chunked accumulation, and call counting.
 */
import * as assert from 'assert';
import { ENGINES, EngineName, useEngine, objectiveOn } from './reference/engines';
import { denseGraphModel, relErr } from '../../src/core/hvpSelfTest';
import { denseOutputs64, denseParamCount, RefDenseLayer } from '../../src/core/autodiff/hyperdual';
import { resolveLoss } from '../../src/core/loss';
import type { Dataset } from '../../src/core/data/dataset';
import { Rng } from '../../src/core/rng';

const layers: RefDenseLayer[] = [
  { nIn: 4, nOut: 6, act: 'tanh', bias: true },
  { nIn: 6, nOut: 5, act: 'gelu', bias: true },
  { nIn: 5, nOut: 3, act: 'softmax', bias: true },
];

function setup(m: number, chunkSize: number, seed = 1, engine: EngineName = 'cpu') {
  const rng = new Rng(seed);
  const P = denseParamCount(layers);
  const theta = Float32Array.from({ length: P }, () => rng.normal() * 0.6);
  const x = Float32Array.from({ length: m * 4 }, () => rng.normal());
  const y = Int32Array.from({ length: m }, () => rng.int(3));
  const data: Dataset = {
    file: 'mem',
    x,
    xShape: [m, 4],
    y: { kind: 'labels', data: y, numClasses: 3 },
    m,
    total: m,
    xKey: 'x',
    yKey: 'y',
  };
  const model = denseGraphModel(layers, theta);
  const obj = objectiveOn(engine, model, data, resolveLoss(model, data), { chunkSize });
  return { obj, theta, x, y, P, rng };
}

for (const backend of ENGINES) {
  describe(`Objective: outputs, JVP, VJP, chunks (${backend})`, function () {
    this.timeout(60000);
    before(async () => {
      await useEngine(backend);
    });

    it('outputs are the logits (final softmax folded) and J·v matches float64 forward mode', async () => {
      await useEngine(backend);
      const { obj, theta, x, P, rng } = setup(23, 7, 1, backend);
      try {
        const v = Float32Array.from({ length: P }, () => rng.normal());
        const ref = denseOutputs64(layers, theta, v, x, 23, true);
        const o = await obj.outputs(theta);
        assert.deepStrictEqual(o.shape, [23, 3]);
        assert.ok(relErr(o.values, ref.out) < 1e-6, `outputs rel. err ${relErr(o.values, ref.out)}`);
        const jv = await obj.jvp(theta, v);
        assert.ok(relErr(jv, ref.jv) < 1e-5, `jvp rel. err ${relErr(jv, ref.jv)}`);
        // a batch spanning chunk boundaries
        const part = await obj.jvp(theta, v, { start: 5, end: 16 });
        assert.ok(relErr(part, ref.jv.subarray(5 * 3, 16 * 3)) < 1e-5);
        const ob = await obj.outputs(theta, { start: 5, end: 16 });
        assert.deepStrictEqual(ob.shape, [11, 3]);
      } finally {
        obj.dispose();
      }
    });

    it('Jᵀu satisfies the adjoint identity uᵀ(Jv) = (Jᵀu)ᵀv and rejects a wrongly sized u', async () => {
      await useEngine(backend);
      const { obj, theta, P, rng } = setup(23, 7, 2, backend);
      try {
        const v = Float32Array.from({ length: P }, () => rng.normal());
        const u = Float32Array.from({ length: 23 * 3 }, () => rng.normal());
        const jv = await obj.jvp(theta, v);
        const jtu = await obj.vjp(theta, u);
        let a = 0,
          b = 0;
        for (let i = 0; i < u.length; i++) a += u[i] * jv[i];
        for (let i = 0; i < P; i++) b += jtu[i] * v[i];
        assert.ok(Math.abs(a - b) <= 1e-5 * (Math.abs(a) + 1e-3), `${a} vs ${b}`);
        await assert.rejects(obj.vjp(theta, u.subarray(0, 10)), /u has 10 values/);
        assert.strictEqual(obj.counts.jvp, 1);
        assert.strictEqual(obj.counts.vjp, 2);
      } finally {
        obj.dispose();
      }
    });

    it('loss, gradient and HVP accumulated over chunks equal the one-chunk values', async () => {
      await useEngine(backend);
      const a = setup(50, 1024, 3, backend),
        b = setup(50, 7, 3, backend);
      try {
        const v = Float32Array.from({ length: a.P }, (_, i) => Math.cos(i));
        const [la, lb] = [await a.obj.loss(a.theta), await b.obj.loss(b.theta)];
        assert.ok(Math.abs(la - lb) / la < 1e-6);
        const [ga, gb] = [await a.obj.valueAndGradient(a.theta), await b.obj.valueAndGradient(b.theta)];
        assert.ok(relErr(gb.gradient, ga.gradient) < 1e-6);
        const [ha, hb] = [await a.obj.hvp(a.theta, v), await b.obj.hvp(b.theta, v)];
        assert.ok(relErr(hb, ha) < 1e-5);
        assert.deepStrictEqual(b.obj.counts, { loss: 1, gradient: 1, hvp: 1, forward: 0, jvp: 0, vjp: 0 });
      } finally {
        a.obj.dispose();
        b.obj.dispose();
      }
    });
  });
}
