/**
 * The headline numbers have one home (src/shared/headline.ts) and every view agrees: the CLI's
 * compare table (src/cli/commands.ts compareRows), the HTML report's summary (src/core/report/html.ts
 * summaryRows), the hover / runs tree / status bar readers (src/shared/resultView.ts) and the
 * dashboard's cards (webview/cards.ts). The fixtures are the cases where they used to disagree:
 * λ_min only as the estimate from the Krylov space of λ_max (the CLI showed "—", the report the
 * estimate), a sharpness without the ε = 1e-3 full-space value (two views fell back to the first
 * Keskar value, two showed nothing), and a cached "local minimum" without any λ_min (the hover said
 * "stationary (curvature not checked)", the report and the CLI "local minimum"). The expected
 * values are written by hand from the fixture.
 */
import * as assert from 'assert';
import type { DiagnoseResult } from '../../src/shared/result';
import { headline, lambdaMax, lambdaMin, sharpnessOf, verdictOf } from '../../src/shared/headline';
import { lambdaMinText, keyNumbers } from '../../src/shared/resultView';
import { compareRows } from '../../src/cli/commands';
import { summaryRows } from '../../src/core/report/html';
import { headlineCards } from '../../webview/cards';
import { fmt } from '../../src/shared/format';
import { resultFixture } from './reference/resultFixture';

const eig = (value: number) => ({
  value,
  residual: 1e-3,
  gapBound: null,
  bound: 2e-3,
  lower: value - 2e-3,
  upper: value + 2e-3,
  status: 'converged',
});

function result(over: Record<string, unknown>): DiagnoseResult {
  return resultFixture({ loss: 0.25, gradNorm: 1e-7, lossFunction: { kind: 'mse', reason: 'linear output' }, ...over }, { samples: 8 });
}

/** λ_min only as the estimate; Keskar values at ε = 5e-4 and in a subspace, none at 1e-3 full space; a saddle verdict. */
const estimateOnly = result({
  hessian: { top: [eig(4)], bottom: [], bottomEstimate: { ...eig(-0.5), status: 'converged' } },
  sharpness: {
    keskar: [
      { epsilon: 5e-4, subspace: null, value: 0.011, maxLoss: 0.26, evaluations: 3 },
      { epsilon: 1e-3, subspace: 100, value: 0.007, maxLoss: 0.26, evaluations: 3 },
    ],
  },
  verdict: { kind: 'saddle', confidence: 0.9, reasons: [], thresholds: {}, measures: {} },
});
/** An old cached result: "local minimum" with λ_max only (no λ_min at all), ε = 1e-3 full-space sharpness present. */
const oldMinimum = result({
  hessian: { top: [eig(2)], bottom: [] },
  sharpness: {
    keskar: [
      { epsilon: 5e-4, subspace: null, value: 0.5, maxLoss: 1, evaluations: 3 },
      { epsilon: 1e-3, subspace: null, value: 0.02, maxLoss: 0.3, evaluations: 3 },
    ],
  },
  verdict: { kind: 'local minimum', confidence: 0.8, reasons: [], thresholds: {}, measures: {} },
});

describe('headline numbers: one home, every view agrees', () => {
  it('the home: λ_min falls back to the Krylov estimate, the sharpness to the first Keskar value, an unchecked minimum is not a minimum', () => {
    assert.strictEqual(lambdaMax(estimateOnly), 4);
    assert.strictEqual(lambdaMin(estimateOnly), -0.5);
    assert.strictEqual(sharpnessOf(estimateOnly), 0.011);
    assert.strictEqual(headline(estimateOnly).sharpness?.fallback, true);
    assert.strictEqual(verdictOf(estimateOnly)?.kind, 'saddle');
    assert.strictEqual(lambdaMin(oldMinimum), undefined);
    assert.strictEqual(sharpnessOf(oldMinimum), 0.02);
    assert.strictEqual(headline(oldMinimum).sharpness?.fallback, false);
    assert.strictEqual(verdictOf(oldMinimum)?.kind, 'stationary (curvature not checked)');
  });

  it('the CLI compare table shows the same λ_max, λ_min, sharpness and verdict', () => {
    const rows = Object.fromEntries(compareRows(estimateOnly, oldMinimum));
    const cell = (k: string) => rows[k].split('  |  ');
    assert.deepStrictEqual(cell('λ_max').map(Number), [4, 2]);
    assert.deepStrictEqual(cell('λ_min'), ['-0.5', '—']);
    assert.deepStrictEqual(cell('ε-sharpness').map(Number), [0.011, 0.02]);
    assert.deepStrictEqual(cell('verdict'), ['saddle', 'stationary (curvature not checked)']);
  });

  it('the HTML report summary shows the same', () => {
    const rows = summaryRows({
      title: 't',
      runs: [
        {
          name: 'run',
          dir: '/w',
          checkpoints: [
            { path: '/w/a', label: 'a', result: estimateOnly },
            { path: '/w/b', label: 'b', result: oldMinimum },
          ],
        },
      ],
    } as never);
    assert.deepStrictEqual(
      rows.map(r => [r.lambdaMax, r.lambdaMin, r.keskar, r.verdict]),
      [
        [4, -0.5, 0.011, 'saddle'],
        [2, null, 0.02, 'stationary (curvature not checked)'],
      ],
    );
  });

  it('the hover / runs tree readers and the dashboard cards show the same', () => {
    assert.strictEqual(lambdaMinText(estimateOnly), `≈ ${fmt(-0.5)} (estimate)`);
    assert.strictEqual(lambdaMinText(oldMinimum), '—');
    assert.ok(keyNumbers(oldMinimum).startsWith('stationary (curvature not checked)'), keyNumbers(oldMinimum));
    const card = (r: DiagnoseResult, id: string) => headlineCards(r).find(c => c.id === id)!;
    assert.strictEqual(card(estimateOnly, 'lambdaMax').raw, 4);
    assert.strictEqual(card(estimateOnly, 'lambdaMin').raw, -0.5);
    assert.strictEqual(card(estimateOnly, 'lambdaMin').value, `≈ ${fmt(-0.5)} (estimate)`);
    assert.strictEqual(card(estimateOnly, 'sharpness').raw, 0.011);
    assert.strictEqual(card(estimateOnly, 'sharpness').title, 'Keskar ε=0.0005, full space');
    assert.strictEqual(card(oldMinimum, 'lambdaMin').value, 'not computed');
    assert.strictEqual(card(oldMinimum, 'sharpness').raw, 0.02);
  });
});
