/**
 * The cost estimate at measured pass times (src/core/estimate.ts `passes`, src/core/estimateProbe.ts):
 * the time is the closed-form sum of the plan's counts at the measured times plus the modelled
 * arithmetic; the plans of sharpness, PAC-Bayes, PGB and the slices bound the evaluations a real run
 * makes (counted by the objective, per diagnostic); the probe returns sane, finite times. No timed
 * assertions: only counts and closed forms.
 */
import * as assert from 'assert';
import * as path from 'path';
import { estimateCost, plans, measuredSeconds, arithmeticWork, expectedPlan, describeCost, type PassTimes } from '../../src/core/estimate';
import { measurePassTimes } from '../../src/core/estimateProbe';
import { diagnose } from '../../src/core/diagnose';
import { openProblem, engineOptions } from '../../src/core/problem';

const T: PassTimes = {
  hvp: 10,
  hvpBlock: 6,
  loss: 3,
  lossBlock: 2,
  gradient: 5,
  gradientBlock: 4,
  jvp: 4,
  vjp: 6,
  axpyNs: 1,
  normalNs: 20,
  sessionMs: 50,
};

describe('cost estimate at measured pass times', function () {
  this.timeout(300000);
  const ckpt = path.resolve(__dirname, '../../../test/fixtures/workspace/models/mlp/model.json');
  const data = path.join(path.dirname(ckpt), 'data.npz');

  it('is the plan at the measured times plus the modelled arithmetic (closed form)', () => {
    const n = 1000;
    // PGB: 480 JVP/VJPs = 240 of each at (4 + 6) ms; 60·n element operations per iteration, 3·n normals
    const pgb = measuredSeconds('pgb', { jvpVjp: 480 }, n, T);
    assert.ok(Math.abs(pgb - (2.4 + (60 * n * 240 * 1 + 3 * n * 20) / 1e9)) < 1e-12, String(pgb));
    // the spectrum's HVPs are single (Lanczos), the others block HVPs
    assert.ok(Math.abs(measuredSeconds('spectrum', { hvps: 100 }, n, T) - (1 + (10 * n * 100) / 1e9)) < 1e-12);
    assert.ok(Math.abs(measuredSeconds('trace', { hvps: 100 }, n, T) - (0.6 + (10 * n * 100) / 1e9)) < 1e-12);
    // sharpness: block gradients and block losses, and its 100-vector basis
    const sh = arithmeticWork('sharpness', { gradients: 86, losses: 80 }, n);
    assert.strictEqual(sh.normals, 100 * n);
    assert.ok(
      Math.abs(measuredSeconds('sharpness', { gradients: 86, losses: 80 }, n, T) - (0.344 + 0.16 + (sh.axpy + sh.normals * 20) / 1e9)) <
        1e-12,
    );
    // the whole estimate: the gradient at θ plus every enabled diagnostic
    const opts = { top: 2, sharpness: true, pgb: true, slices: ['1d'] as '1d'[] };
    const e = estimateCost(opts, { params: n, passes: T });
    const byId = plans(opts, n, 1);
    const at = (f: (id: string, p: (typeof byId)[string]) => (typeof byId)[string]) =>
      T.gradient / 1000 + Object.entries(byId).reduce((a, [id, p]) => a + measuredSeconds(id, f(id, p), n, T), 0);
    // the typical work (top 2: 6 + 3·2 Lanczos steps; half PGB's budget) and the plans' bound
    assert.strictEqual(expectedPlan('spectrum', byId.spectrum, opts).hvps, 12);
    assert.strictEqual(expectedPlan('pgb', byId.pgb, opts).jvpVjp, 240);
    assert.ok(Math.abs(e.seconds! - at((id, p) => expectedPlan(id, p, opts))) < 1e-12, String(e.seconds));
    assert.ok(Math.abs(e.secondsMax! - at((_, p) => p)) < 1e-12, String(e.secondsMax));
    assert.ok(e.secondsMax! > e.seconds!);
    assert.match(describeCost(e), /about \d+(\.\d+)? s \(at most \d+(\.\d+)? s\)/);
    // without measured passes: the HVP-equivalents at the measured HVP time, as before
    assert.ok(Math.abs(estimateCost({ top: 1 }, { params: 1000, hvpMs: 20 }).seconds! - 2.01) < 1e-12);
  });

  it('the plans bound what a real run of sharpness, PAC-Bayes, PGB and the slices evaluates', async () => {
    const opts = { checkpoint: ckpt, data, top: 0, sharpness: true, pgb: true, slices: ['1d', '2d'] as ('1d' | '2d')[], seed: 0 };
    const r = await diagnose(opts);
    const byPlan = plans(opts, r.params, 1);
    const t = r.timings.diagnostics!;
    // counted by the objective around each diagnostic (diagnose.ts): never more than planned
    assert.ok(
      t.sharpness.gradient <= byPlan.sharpness.gradients!,
      `sharpness gradients ${t.sharpness.gradient} ≤ ${byPlan.sharpness.gradients}`,
    );
    assert.ok(t.sharpness.loss <= byPlan.sharpness.losses!, `sharpness losses ${t.sharpness.loss} ≤ ${byPlan.sharpness.losses}`);
    assert.ok(t.pacBayes.loss <= byPlan.pacBayes.losses!, `PAC-Bayes losses ${t.pacBayes.loss} ≤ ${byPlan.pacBayes.losses}`);
    assert.ok(t.pgb.jvp + t.pgb.vjp <= byPlan.pgb.jvpVjp!, `PGB ${t.pgb.jvp} + ${t.pgb.vjp} ≤ ${byPlan.pgb.jvpVjp}`);
    // the slices evaluate exactly the planned grid: 51 points of the 1-D slice and 25 × 25 of the 2-D one
    assert.strictEqual(t.slices.loss, byPlan.slices.losses);
    assert.strictEqual(t.slices.hvp + t.sharpness.hvp + t.pacBayes.hvp + t.pgb.hvp, 0);
  });

  it('the probe measures every kind of pass, finite and non-negative', async () => {
    const opts = { checkpoint: ckpt, data, seed: 0 };
    const problem = await openProblem({ ...opts, engine: engineOptions(opts) });
    try {
      const c0 = { ...problem.engine.obj.counts };
      const t = await measurePassTimes(problem.engine.obj, problem.model.theta);
      for (const [k, v] of Object.entries(t)) assert.ok(Number.isFinite(v) && v >= 0, `${k} = ${v}`);
      // each kind three times (the first call and two timed ones): 3 HVPs + 3 blocks of 4
      assert.strictEqual(problem.engine.obj.counts.hvp - c0.hvp, 3 + 12);
      assert.strictEqual(problem.engine.obj.counts.jvp - c0.jvp, 3);
      assert.strictEqual(problem.engine.obj.counts.vjp - c0.vjp, 3);
    } finally {
      problem.engine.obj.dispose();
    }
  });
});
