/**
 * The basin test of perturb --retrain (src/core/surgery/basin.ts) on constructed cases: each outcome from
 * the numbers alone, the contradiction (loss 0.73 → 0.0079 called "the same basin") and the
 * boundaries of the stated tolerances.
 */
import * as assert from 'assert';
import { basinTest, LOSS_LEVEL_TOLERANCE } from '../../src/core/surgery/basin';
import { basinOf, surgeryAssessment } from '../../src/extension/surgeryLog';

const base = { lossBefore: 0.5, finalLoss: 0.5, barrier: 0, distanceBack: 0.002, distanceStart: 0.01, steps: 50 };

describe('perturb: the basin test', () => {
  it('loss fell 0.73 → 0.0079 with no barrier: left the basin for a lower minimum (never "same basin")', () => {
    const b = basinTest({ lossBefore: 0.73, finalLoss: 0.007858, barrier: 0, distanceBack: 0.0756, distanceStart: 0.01, steps: 200 });
    assert.strictEqual(b.outcome, 'lower');
    assert.strictEqual(b.sameBasin, false);
    assert.match(
      b.conclusion,
      /^left the basin: loss fell 0\.73 → 0\.007858 \(barrier 0 along the path\) — the perturbed weights found a lower minimum/,
    );
  });

  it('same level, no barrier, closer than the perturbation: returned to the same basin, with distance and loss stated', () => {
    const b = basinTest({ ...base, finalLoss: 0.51 });
    assert.strictEqual(b.outcome, 'returned');
    assert.ok(b.sameBasin);
    assert.match(b.conclusion, /^returned to the same basin: distance to θ 0\.2 % of ‖θ‖, from 1 % of ‖θ‖, loss within 0\.0265 of L\(θ\)/);
  });

  it('a barrier above 1e-3·(1 + L(θ)) separates: left the basin, whatever the loss', () => {
    const tol = 1e-3 * 1.5;
    assert.strictEqual(basinTest({ ...base, barrier: tol * 1.01 }).outcome, 'barrier');
    assert.strictEqual(basinTest({ ...base, barrier: tol * 0.99 }).outcome, 'returned');
    const lower = basinTest({ ...base, barrier: 0.2, finalLoss: 0.1 });
    assert.strictEqual(lower.outcome, 'barrier');
    assert.match(lower.conclusion, /barrier of 0\.2 .* lower minimum in another basin/);
    assert.strictEqual(basinTest({ ...base, barrier: NaN }).outcome, 'barrier', 'a NaN barrier is not "no barrier"');
  });

  it('the loss level tolerance is 5 % of L(θ) plus the barrier tolerance, both ways', () => {
    const tol = LOSS_LEVEL_TOLERANCE * 0.5 + 1e-3 * 1.5;
    assert.strictEqual(basinTest({ ...base, finalLoss: 0.5 - tol * 0.99 }).outcome, 'returned');
    assert.strictEqual(basinTest({ ...base, finalLoss: 0.5 - tol * 1.01 }).outcome, 'lower');
    assert.strictEqual(basinTest({ ...base, finalLoss: 0.5 + tol * 0.99 }).outcome, 'returned');
    const h = basinTest({ ...base, finalLoss: 0.5 + tol * 1.01 });
    assert.strictEqual(h.outcome, 'higher');
    assert.strictEqual(h.sameBasin, false);
    assert.match(h.conclusion, /^not decided: after 50 steps/);
  });

  it('same level and no barrier but farther than the perturbation: a flat valley of the same basin', () => {
    const b = basinTest({ ...base, distanceBack: 0.05 });
    assert.strictEqual(b.outcome, 'drifted');
    assert.ok(b.sameBasin);
    assert.match(b.conclusion, /flat valley.*moved farther from θ \(distance to θ 5 % of ‖θ‖, from 1 % of ‖θ‖\)/);
  });

  it('the test is stated with its tolerances', () => {
    const b = basinTest(base);
    assert.match(b.test, /no barrier \(≤ 0\.0015 = 1e-3·\(1 \+ L\(θ\)\), 11 points\)/);
    assert.match(b.test, /within 0\.0265 \(5 % of L\(θ\) \+ that\)/);
  });

  it('records from before the test: recomputed from their numbers, and the notification tone follows the outcome', () => {
    const old = { finalLoss: 0.0079, distanceBack: 0.0756, distanceStart: 0.01, steps: 200, barrier: 0, sameBasin: true };
    assert.strictEqual(basinOf(old, 0.73).outcome, 'lower');
    const rec = (rt: object) =>
      ({
        id: 1,
        kind: 'perturb',
        at: '',
        checkpoint: '/r/a.onnx',
        outFiles: [],
        result: { mode: 'gaussian', lossBefore: 0.73, lossAfter: 0.8, relativeNorm: 0.01, parameters: {}, retrain: rt },
      }) as never;
    const a = surgeryAssessment(rec(old))!;
    assert.strictEqual(a.tone, 'warn');
    assert.match(a.text, /^left the basin: loss fell 0\.73 → 0\.0079/);
    assert.strictEqual(surgeryAssessment(rec({ ...old, finalLoss: 0.73, distanceBack: 0.001 }))!.tone, 'good');
  });
});
