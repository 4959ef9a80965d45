/**
 * The cost estimate before heavy jobs (src/core/estimate.ts): the HVP plan against counts worked out
 * by hand from the diagnostics' defaults and against the HVPs a real diagnosis spends (never more
 * than planned; SLQ's exactly probes × steps), the time from a measured HVP, and when to ask.
 */
import * as assert from 'assert';
import * as path from 'path';
import { planHvps, planEvaluations, estimateCost, shouldConfirm, measuredHvpMs, describeCost, costPrompt } from '../../src/core/estimate';
import { diagnose } from '../../src/core/diagnose';

describe('cost estimate (src/core/estimate.ts)', function () {
  this.timeout(120000);

  it('plans the HVPs of the quick and full modes from the budgets', () => {
    // quick: top 1 with the λ_min estimate → max(100, 10·2) = 100 Lanczos steps
    assert.deepStrictEqual(planHvps({ top: 1 }, 10000), {
      lanczos: 100,
      trace: 0,
      density: 0,
      eigSlices: 0,
      layerCurvature: 0,
      total: 100,
    });
    assert.strictEqual(planHvps({ top: 1, maxIter: 30 }, 10000).lanczos, 30);
    assert.strictEqual(planHvps({ top: 1 }, 50).lanczos, 50, 'never more Lanczos steps than parameters');
    // the extension's full mode with default settings, 3 layers, n = 10,000
    const full = {
      top: 5,
      bottom: 2,
      trace: true,
      traceHvps: 150,
      density: true,
      densityProbes: 4,
      slices: ['1d', '2d'] as ('1d' | '2d')[],
      sharpness: true,
      pgb: true,
      layerCurvature: true,
    };
    const p = planHvps(full, 10000, 3);
    // per-layer curvature reuses the spectrum's top eigenvector: 30 probes + 40 Lanczos steps per layer;
    // the density reuses the spectrum's Krylov space as its first probe: 3 new probes of 40 steps
    assert.deepStrictEqual(p, { lanczos: 100, trace: 150, density: 120, eigSlices: 0, layerCurvature: 30 + 120, total: 520 });
    // without a spectrum it plans its own top-1 Lanczos, and the eigenvector slices theirs
    assert.strictEqual(planHvps({ layerCurvature: true }, 10000, 3).layerCurvature, 100 + 30 + 120);
    assert.strictEqual(planHvps({ slices: ['eig'] }, 10000).eigSlices, 100);
    assert.strictEqual(planHvps({ top: 1, bottom: 1, slices: ['eig'] }, 10000).eigSlices, 0);
    // sharpness 4 × 20 gradients + 6 ASAM, 80 losses; PAC-Bayes 480 losses; slices 51 + 625
    assert.deepStrictEqual(planEvaluations(full), { gradients: 1 + 80 + 6, losses: 80 + 480 + 51 + 625, jvpVjp: 480 });
    assert.strictEqual(planHvps({ top: 8, bottom: 4 }, 10000).lanczos, 120);
  });

  it('time from a measured HVP, memory from the parameter count, and when to ask', () => {
    const e = estimateCost({ top: 1 }, { params: 1000, hvpMs: 20 });
    // 100 HVPs + ½ gradient = 100.5 HVP-equivalents × 20 ms
    assert.ok(Math.abs(e.seconds! - 2.01) < 1e-12, String(e.seconds));
    // 100 Lanczos steps in a thick-restart workspace of 50 vectors (lanczosWorkspace), + 12 working vectors
    assert.strictEqual(e.memoryBytes, 50 * 1000 * 4 + 12 * 1000 * 4);
    assert.strictEqual(
      estimateCost({ top: 1 }, { params: 1000, hvpMs: 20, chunk: 256, activationsPerSample: 33 }).memoryBytes,
      e.memoryBytes + 256 * 33 * 16,
    );
    assert.ok(!shouldConfirm(e, 60));
    assert.ok(shouldConfirm(e, 2));
    assert.ok(!shouldConfirm(e, 0), '0 = never ask');
    assert.ok(!shouldConfirm(estimateCost({ top: 1 }, { params: 1000 }), 1), 'no measurement: no question');
    assert.strictEqual(measuredHvpMs({ hessian: { ms: 300, hvps: 100 } }), 3);
    assert.strictEqual(measuredHvpMs({ counts: { hvp: 10 }, timings: { hessianMs: 50 } }), 5);
    assert.strictEqual(measuredHvpMs({}), undefined);
    assert.match(describeCost(e), /^about 100 HVPs \(lanczos 100\), about 2 s, about \d+ KB of memory$/);
    assert.match(describeCost(e, 8), /about 800 HVPs/);
  });

  it('the prompt: asks only above the threshold, for the whole batch', () => {
    const e = estimateCost({ top: 1 }, { params: 1000, hvpMs: 100 }); // 10.05 s each
    assert.deepStrictEqual(
      [costPrompt(e, 1, 60, 'x').ask, costPrompt(e, 6, 60, 'x').ask, costPrompt(e, 6, 0, 'x').ask],
      [false, true, false],
    );
    const p = costPrompt(e, 8, 60, 'Full diagnosis of run a');
    assert.ok(Math.abs(p.seconds! - 80.4) < 1e-9);
    assert.match(
      p.message,
      /^Full diagnosis of run a \(8 checkpoints\): about 800 HVPs .*about 80 s.* more than the 60 s of landscapeLens.confirmAboveSeconds\.$/,
    );
    const unknown = costPrompt(estimateCost({ top: 1 }, { params: 1000 }), 1, 1, 'x');
    assert.ok(!unknown.ask && /time unknown/.test(unknown.message));
  });

  it('a real diagnosis spends no more HVPs than planned (SLQ exactly probes × steps)', async () => {
    const ckpt = path.resolve(__dirname, '../../../test/fixtures/workspace/models/mlp/model.json');
    const opts = {
      checkpoint: ckpt,
      data: path.join(path.dirname(ckpt), 'data.npz'),
      top: 2,
      trace: true,
      traceHvps: 30,
      density: true,
      densityProbes: 2,
      densitySteps: 10,
      backend: 'cpu' as const,
    };
    const messages: string[] = [];
    const r = await diagnose(opts, undefined, p => {
      if (p.message) messages.push(p.message);
    });
    const plan = planHvps(opts, r.params);
    // progress: HVPs done / planned, counting up to what the result reports
    const done = messages.map(m => /· HVPs (\d+) \/ (\d+)$/.exec(m)).filter((m): m is RegExpExecArray => !!m);
    assert.ok(done.length > 10, messages.slice(0, 5).join(' | '));
    assert.ok(
      done.every(m => Number(m[2]) === plan.total),
      `planned ${plan.total}: ${done[0][0]}`,
    );
    assert.strictEqual(Number(done[done.length - 1][1]), r.counts.hvp);
    assert.strictEqual(r.hessian!.density!.hvps, plan.density);
    assert.ok(r.hessian!.trace!.hvps <= plan.trace, `trace ${r.hessian!.trace!.hvps} ≤ ${plan.trace}`);
    assert.ok(r.hessian!.lanczos!.hvps <= plan.lanczos, `Lanczos ${r.hessian!.lanczos!.hvps} ≤ ${plan.lanczos}`);
    assert.ok(r.counts.hvp <= plan.total, `${r.counts.hvp} ≤ ${plan.total}`);
    const perHvp = measuredHvpMs(r); // a measured time: only that it is there and sane, not how long
    assert.ok(perHvp !== undefined && Number.isFinite(perHvp) && perHvp >= 0, String(perHvp));
  });
});
