/**
 * How the views show a verdict and the curvature it rests on (pure display logic shared by the
 * runs tree, hover, CodeLens, CLI and HTML report): every verdict kind gets a tone; kinds that claim
 * nothing get no confidence; λ_min shows whether it is the quick estimate or unresolved; every
 * result states how it was evaluated (older cached results too); no text refers to CLI flags.
 */
import * as assert from 'assert';
import {
  verdictTone,
  verdictOf,
  lambdaMinText,
  lambdaMinInfo,
  evaluationLine,
  verdictText,
  keyNumbers,
} from '../../src/extension/resultView';
import { renderDiagnose } from '../../src/cli/format';
import { eigText } from '../../src/core/diagnostics/hessian';
import { VERDICT_KINDS, verdict, claimsSomething } from '../../src/core/diagnostics/verdict';
import type { DiagnoseResult } from '../../src/core/diagnose';
import { eigFixture, resultFixture } from './reference/resultFixture';

function result(over: Partial<DiagnoseResult> = {}): DiagnoseResult {
  return resultFixture({
    engine: undefined,
    loss: 1.5,
    gradNorm: 0,
    verdict: verdict({ loss: 1.5, gradNorm: 0, top: [{ value: 3, residual: 0 }] }),
    evaluation: {
      mode: 'inference',
      batchNormLayers: 0,
      dropoutLayers: 0,
      samples: 'all',
      n: 64,
      total: 64,
      seed: 0,
      loss: 'mse',
      lossReason: 'the model ends in a linear output',
      deterministic: true,
      summary:
        'inference mode (no BatchNorm or dropout: the same function as in training); all 64 samples; mse loss (the model ends in a linear output); deterministic',
      determinism: 'deterministic',
    },
    ...over,
  });
}
const eig = (value: number, status: 'converged' | 'unresolved' = 'converged', extraHvps?: number | null) =>
  eigFixture(value, { residual: 1e-3, status, extraHvps });

describe('result display logic', () => {
  it('every verdict kind has a tone; the kinds that claim nothing are neutral and show no confidence', () => {
    for (const kind of VERDICT_KINDS) {
      const r = result({ verdict: { kind, confidence: 0.61, reasons: [], thresholds: {} as never, measures: {} } });
      const tone = verdictTone(r);
      assert.ok(['good', 'warn', 'info', 'bad'].includes(tone), `${kind}: ${tone}`);
      if (!claimsSomething(kind)) {
        assert.strictEqual(tone, 'info', `${kind} claims nothing`);
        assert.ok(!/%/.test(verdictText(r.verdict)), verdictText(r.verdict));
        assert.ok(
          !/%/.test(
            renderDiagnose(r)
              .split('\n')
              .find(l => /^\s+verdict/.test(l))!,
          ),
        );
      }
    }
    assert.strictEqual(
      verdictTone(
        result({
          verdict: { kind: 'local minimum', confidence: 0.9, reasons: [], thresholds: {} as never, measures: {} },
          hessian: { top: [eig(3)], bottom: [], bottomEstimate: eig(0.2), hvps: 3, hvpMethod: 'exact', ms: 1 },
        }),
      ),
      'good',
    );
    assert.strictEqual(
      verdictTone(result({ verdict: { kind: 'saddle', confidence: 0.9, reasons: [], thresholds: {} as never, measures: {} } })),
      'warn',
    );
    assert.strictEqual(verdictText({ kind: 'saddle', confidence: 0.93 }), 'saddle (93 %)');
  });

  it('a quick diagnosis without λ_min reads "stationary (curvature not checked)", never "local minimum", and names no CLI flag', () => {
    const r = result();
    assert.strictEqual(r.verdict.kind, 'stationary (curvature not checked)');
    const text = renderDiagnose(r);
    assert.ok(!/local minimum/i.test(text.split('\n').find(l => /^\s+verdict/.test(l))!));
    assert.ok(!/--[a-z]/.test(text), text);
    assert.ok(keyNumbers(r).startsWith('stationary (curvature not checked)'));
  });

  it('a result cached by an earlier engine that called a point a minimum without λ_min is shown as "curvature not checked"', () => {
    const old = result({
      verdict: { kind: 'local minimum', confidence: 0.61, reasons: ['stationary'], thresholds: {} as never, measures: {} },
    });
    delete (old as Partial<DiagnoseResult>).evaluation;
    const v = verdictOf(old)!;
    assert.strictEqual(v.kind, 'stationary (curvature not checked)');
    assert.strictEqual(verdictTone(old), 'info');
    assert.ok(keyNumbers(old).startsWith('stationary (curvature not checked)'));
    const withMin = result({
      verdict: { kind: 'local minimum', confidence: 0.8, reasons: [], thresholds: {} as never, measures: {} },
      hessian: { top: [eig(3)], bottom: [eig(0.5)], hvps: 3, hvpMethod: 'exact', ms: 1 },
    });
    assert.strictEqual(verdictOf(withMin)!.kind, 'local minimum');
  });

  it('λ_min: requested, estimated from the top run, or unresolved', () => {
    const h = { top: [eig(3)], bottom: [], hvps: 3, hvpMethod: 'exact' as const, ms: 1 };
    assert.strictEqual(lambdaMinText(result()), '—');
    const est = result({ hessian: { ...h, bottomEstimate: eig(-0.072) } });
    assert.deepStrictEqual(lambdaMinInfo(est), { value: -0.072, estimate: true, unresolved: false, bound: 1e-4 });
    assert.strictEqual(lambdaMinText(est), '≈ −0.072 (estimate)');
    assert.strictEqual(lambdaMinText(result({ hessian: { ...h, bottom: [eig(-0.0065, 'unresolved', 40)] } })), '−0.0065 (unresolved)');
    assert.strictEqual(eigText(eig(-0.0065, 'unresolved', 40)), '-0.0065 (±1e-4, unresolved: ~40 more HVPs)');
    const text = renderDiagnose(est);
    assert.ok(/λ_min estimate\s+-0\.072 \(±1e-4\) \(from the Krylov space of λ_max\)/.test(text), text);
  });

  it('the evaluation line: mode, samples, loss, determinism; rebuilt for results cached before the field existed', () => {
    const r = result();
    assert.strictEqual(evaluationLine(r), r.evaluation.summary);
    assert.ok(/evaluated\s+inference mode/.test(renderDiagnose(r)));
    const old = result({ samples: 50, data: { file: '/w/data.npz', xKey: 'x', yKey: 'y', total: 200, samples: 50, seed: 3 } });
    delete (old as Partial<DiagnoseResult>).evaluation;
    assert.strictEqual(
      evaluationLine(old),
      'a seeded random subset of 50 of 200 samples (seed 3); mse loss (the model ends in a linear output)',
    );
  });
});
