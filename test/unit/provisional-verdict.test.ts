/**
 * One verdict per checkpoint: a quick verdict that rests on λ_min (local minimum, flat valley, saddle) while
 * λ_min is only the quick estimate is shown as provisional in the tree, CodeLens and hovers ("local
 * minimum? — quick"); a full diagnosis (λ_min computed) and verdicts that do not rest on λ_min are shown plain.
 */
import * as assert from 'assert';
import type { DiagnoseResult } from '../../src/core/diagnose';
import { isProvisional, verdictLong, verdictShort } from '../../src/extension/checkpointLabels';

const result = (kind: string, lambdaMin: 'estimate' | 'computed', confidence = 0.35): DiagnoseResult =>
  ({
    loss: 0.1,
    gradNorm: 1e-4,
    verdict: { kind, confidence, reasons: [] },
    hessian:
      lambdaMin === 'estimate'
        ? { top: [{ value: 2 }], bottomEstimate: { value: 1e-3, status: 'converged' } }
        : { top: [{ value: 2 }], bottom: [{ value: 1e-3 }] },
  }) as unknown as DiagnoseResult;

describe('provisional quick verdicts', () => {
  it('a quick local minimum is provisional; the full one is not', () => {
    const quick = result('local minimum', 'estimate');
    assert.ok(isProvisional(quick));
    assert.strictEqual(verdictShort(quick), 'local minimum? — quick');
    assert.strictEqual(verdictLong(quick), 'local minimum? (35 %) — quick, provisional (a full diagnosis computes λ_min)');
    const full = result('flat valley', 'computed', 0.41);
    assert.ok(!isProvisional(full));
    assert.strictEqual(verdictShort(full), 'flat valley');
    assert.strictEqual(verdictLong(full), 'flat valley (41 %)');
  });
  it('a verdict that does not rest on λ_min is never provisional', () => {
    const r = result('not stationary', 'estimate');
    assert.ok(!isProvisional(r));
    assert.strictEqual(verdictShort(r), 'not stationary');
  });
});
