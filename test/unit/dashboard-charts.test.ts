/**
 * The pure parts of the dashboard's charts: the symmetric-log transform (values against the closed
 * form sign(x)·log10(1 + |x|/c), the inverse round trip, tick positions and labels at real values),
 * the one number format, single-point ranges, and the edge-of-stability comparison (the learning
 * rate matched to each checkpoint's step by hand, 2/η and λ_max·η/2 computed by hand, the sentence).
 * Also: the webview bundle pulls in no Node module.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { fmt, pct } from '../../src/shared/format';
import { symlog, symlogInverse, symlogConstant, symlogTicks, tickLabel, singlePointRange } from '../../webview/scales';
import { edgeOfStability, isLearningRateTag, findLearningRateSeries, learningRateAt } from '../../src/core/diagnostics/edgeOfStability';

const ROOT = path.resolve(__dirname, '../../..');

describe('dashboard: symmetric-log axis', () => {
  it('matches sign(x)·log10(1+|x|/c) and inverts', () => {
    assert.strictEqual(symlog(0, 0.01), 0);
    assert.ok(Math.abs(symlog(9, 1) - 1) < 1e-12);
    assert.ok(Math.abs(symlog(-99, 1) + 2) < 1e-12);
    assert.ok(Math.abs(symlog(0.0052, 0.0052) - Math.log10(2)) < 1e-12);
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 10, noNaN: true }), (x, c) => {
      const back = symlogInverse(symlog(x, c), c);
      return Math.abs(back - x) <= 1e-9 * Math.max(1, Math.abs(x));
    }));
  });

  it('keeps a small negative eigenvalue visible next to a large positive one', () => {
    // λ = 5.205 and −0.1214 (the fixture run's step 600), verdict threshold τ·λ_max = 1e-3·5.205
    const vals = [5.205, 4.1, -0.1214];
    const c = symlogConstant(vals, 1e-3 * 5.205);
    assert.ok(Math.abs(c - 5.205e-3) < 1e-15);
    const top = symlog(5.205, c), neg = symlog(-0.1214, c);
    // on a linear 0…6 axis the negative bar is 2 % of the positive one; on the symlog axis over 40 %
    assert.ok(Math.abs(-0.1214 / 5.205) < 0.03);
    assert.ok(-neg / top > 0.4, `${neg} vs ${top}`);
    // c never exceeds the smallest non-zero |value|: every value lies at least log10(2) from 0
    const c2 = symlogConstant([1, 1e-6], 1e-3);
    assert.strictEqual(c2, 1e-6);
    assert.ok(symlog(1e-6, c2) >= Math.log10(2) - 1e-12);
    assert.strictEqual(symlogConstant([0, 0]), 1);
  });

  it('ticks at real nice values covering the data, labelled with the real values', () => {
    const c = 5e-3;
    const t = symlogTicks(-0.1214, 5.205, c);
    assert.ok(t.includes(0) && t.includes(-0.1) && t.includes(1) && t.includes(5) && t.includes(-0.01), t.join(' '));
    assert.ok(t.every(v => v === 0 || Math.abs(v) >= c * 0.999), t.join(' '));
    assert.ok(t.every(v => v >= -0.1214 && v <= 5.205), t.join(' '));
    assert.deepStrictEqual([...t].sort((a, b) => a - b), t);
    // many decades: only the powers of ten
    const wide = symlogTicks(-1, 1e6, 1e-3);
    assert.ok(wide.includes(1e6) && wide.includes(1e-3) && !wide.includes(2) && !wide.includes(50), wide.join(' '));
    assert.strictEqual(tickLabel(0), '0');
    assert.strictEqual(tickLabel(-0.1), '−0.1');
    assert.strictEqual(tickLabel(1e-3), '1e-3');
    assert.strictEqual(tickLabel(1e4), '1e4');
    assert.strictEqual(tickLabel(20), '20');
    assert.strictEqual(tickLabel(-5e-3), '−0.005');
  });

  it('one number format: 4 significant digits, percentages', () => {
    assert.strictEqual(fmt(5.204913311), '5.205');
    assert.strictEqual(fmt(-0.12140685), '−0.1214');
    assert.strictEqual(fmt(0.000123456), '1.235e-4');
    assert.strictEqual(fmt(1234567), '1.235e+6');
    assert.strictEqual(fmt(1e-5), '1e-5');
    assert.strictEqual(fmt(12), '12');
    assert.strictEqual(fmt(null), '—');
    assert.strictEqual(fmt(Infinity), '∞');
    assert.strictEqual(pct(0.934), '93 %');
    assert.strictEqual(pct(0.05), '5.0 %');
    assert.strictEqual(pct(1), '100 %');
  });

  it('a single point gets a padded range with ticks at the point', () => {
    assert.deepStrictEqual(singlePointRange([600], 1), { min: 300, max: 900, step: 300 });
    assert.deepStrictEqual(singlePointRange([0], 1), { min: -1, max: 1, step: 1 });
    const r = singlePointRange([5.205])!;
    assert.ok(r.min < 5.205 && r.max > 5.205 && Math.abs((5.205 - r.min) / r.step - 1) < 1e-12);
    assert.strictEqual(singlePointRange([1, 2]), undefined);
  });
});

describe('dashboard: edge of stability (Cohen et al. 2021)', () => {
  const lr = { tag: 'lr', steps: [0, 100, 300, 500], values: [0.4, 0.4, null, 0.2] as (number | null)[] };

  it('recognises learning-rate tags', () => {
    for (const t of ['lr', 'learning_rate', 'train/lr', 'lr-Adam', 'lr_0', 'Learning Rate', 'optimizer/learning-rate']) assert.ok(isLearningRateTag(t), t);
    for (const t of ['loss', 'val_loss', 'lr_decay', 'clr', 'learner', 'accuracy', 'lr_scale']) assert.ok(!isLearningRateTag(t), t);
    const s = findLearningRateSeries([{ tag: 'loss', steps: [0], values: [1] }, { tag: 'lr-Adam', steps: [0], values: [0.1] }, { tag: 'lr', steps: [0], values: [0.2] }]);
    assert.strictEqual(s?.tag, 'lr');
    assert.strictEqual(findLearningRateSeries([{ tag: 'loss', steps: [0], values: [1] }]), undefined);
    assert.strictEqual(findLearningRateSeries([{ tag: 'lr', steps: [0], values: [null] }]), undefined);
  });

  it('takes the rate in force at the step (last at or before, else the first after)', () => {
    assert.deepStrictEqual(learningRateAt(lr, 200), { lr: 0.4, step: 100 });
    assert.deepStrictEqual(learningRateAt(lr, 300), { lr: 0.4, step: 100 }); // null at 300 skipped
    assert.deepStrictEqual(learningRateAt(lr, 600), { lr: 0.2, step: 500 });
    assert.deepStrictEqual(learningRateAt({ tag: 'lr', steps: [50], values: [0.1] }, 10), { lr: 0.1, step: 50 });
  });

  it('compares λ_max with 2/η: ratio, within 10 %, the sentence', () => {
    const e = edgeOfStability([{ tag: 'loss', steps: [0], values: [1] }, lr], [
      { step: 600, lambdaMax: 10.5 }, { step: 200, lambdaMax: 4.0 }, { step: 400, lambdaMax: 4.6 }, { step: null, lambdaMax: 9 }, { step: 700, lambdaMax: null },
    ])!;
    assert.strictEqual(e.tag, 'lr');
    assert.deepStrictEqual(e.points.map(p => p.step), [200, 400, 600]);
    // by hand: η = 0.4, 0.4, 0.2 → 2/η = 5, 5, 10; ratios 0.8, 0.92, 1.05
    assert.deepStrictEqual(e.points.map(p => p.threshold), [5, 5, 10]);
    const ratios = e.points.map(p => p.ratio);
    [0.8, 0.92, 1.05].forEach((r, i) => assert.ok(Math.abs(ratios[i] - r) < 1e-12, `${ratios[i]} vs ${r}`));
    assert.deepStrictEqual(e.points.map(p => p.atEdge), [false, true, true]);
    assert.deepStrictEqual(e.thresholdCurve, [{ step: 0, value: 5 }, { step: 100, value: 5 }, { step: 500, value: 10 }]);
    assert.match(e.sentence, /^Training runs at the edge of stability \(λ_max ≥ 2\/η within 10 %\) at steps 400, 600: λ_max·η\/2 reaches 1\.05 \(λ_max 10\.5, 2\/η 10 at step 600\)\.$/);
  });

  it('says beyond when λ_max exceeds 2/η by more than 10 %, below otherwise', () => {
    const beyond = edgeOfStability([lr], [{ step: 200, lambdaMax: 6 }])!;
    assert.match(beyond.sentence, /beyond the edge of stability .* at step 200: λ_max·η\/2 reaches 1\.2 /);
    const below = edgeOfStability([lr], [{ step: 200, lambdaMax: 2 }, { step: 600, lambdaMax: 3 }])!;
    assert.match(below.sentence, /^Below the edge of stability at every diagnosed checkpoint: λ_max is at most 0\.4 × 2\/η \(λ_max 2, 2\/η 5 at step 200\)\.$/);
    const none = edgeOfStability([lr], [{ step: 200, lambdaMax: null }])!;
    assert.match(none.sentence, /diagnose the checkpoints/);
    assert.strictEqual(edgeOfStability([{ tag: 'loss', steps: [0], values: [1] }], [{ step: 0, lambdaMax: 1 }]), undefined);
  });

  it('the webview bundle imports no Node module', () => {
    const src = fs.readFileSync(path.join(ROOT, 'src/core/diagnostics/edgeOfStability.ts'), 'utf8') + fs.readFileSync(path.join(ROOT, 'webview/scales.ts'), 'utf8');
    assert.ok(!/\bfrom '(fs|path|os|crypto|worker_threads|child_process)'|require\(/.test(src));
    const bundle = path.join(ROOT, 'dist/webview.js');
    if (fs.existsSync(bundle)) {
      const b = fs.readFileSync(bundle, 'utf8');
      assert.ok(!/require\("(fs|path|os|crypto|worker_threads|child_process)"\)/.test(b), 'dist/webview.js requires a Node module');
    }
  });
});
