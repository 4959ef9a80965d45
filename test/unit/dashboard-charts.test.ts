/**
 * The pure parts of the dashboard's charts: the symmetric-log transform (values against the closed
 * form sign(x)·log10(1 + |x|/c), the inverse round trip, tick positions and labels at real values),
 * the one number format, single-point ranges, and the edge-of-stability comparison (the learning
 * rate matched to each checkpoint's step by hand, 2/η and λ_max·η/2 computed by hand, the sentence).
 * Also: the webview bundle pulls in no Node module, and the HTML report is that bundle fed the
 * results (the init messages equal the results; offline; opened in Chromium when it is installed:
 * no console errors, the theory notes as sentences, the run picker, the dark theme, downloads).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import * as os from 'os';
import { renderReport, reportData, summaryRows, summaryText, type ReportInput } from '../../src/core/report/html';
import { verdict } from '../../src/core/diagnostics/verdict';
import type { DiagnoseResult } from '../../src/shared/result';
import type { ReportHeader } from '../../src/shared/protocol';
import { fmt, pct } from '../../src/shared/format';
import { resultRows } from '../../src/core/diagnostics/registry';
import { symlog, symlogInverse, symlogConstant, symlogTicks, tickLabel, singlePointRange } from '../../webview/scales';
import { edgeOfStability, isLearningRateTag, findLearningRateSeries, learningRateAt } from '../../src/core/diagnostics/edgeOfStability';

const ROOT = path.resolve(__dirname, '../../..');

describe('dashboard: symmetric-log axis', () => {
  it('matches sign(x)·log10(1+|x|/c) and inverts', () => {
    assert.strictEqual(symlog(0, 0.01), 0);
    assert.ok(Math.abs(symlog(9, 1) - 1) < 1e-12);
    assert.ok(Math.abs(symlog(-99, 1) + 2) < 1e-12);
    assert.ok(Math.abs(symlog(0.0052, 0.0052) - Math.log10(2)) < 1e-12);
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 10, noNaN: true }), (x, c) => {
        const back = symlogInverse(symlog(x, c), c);
        return Math.abs(back - x) <= 1e-9 * Math.max(1, Math.abs(x));
      }),
    );
  });

  it('keeps a small negative eigenvalue visible next to a large positive one', () => {
    // λ = 5.205 and −0.1214 (the fixture run's step 600), verdict threshold τ·λ_max = 1e-3·5.205
    const vals = [5.205, 4.1, -0.1214];
    const c = symlogConstant(vals, 1e-3 * 5.205);
    assert.ok(Math.abs(c - 5.205e-3) < 1e-15);
    const top = symlog(5.205, c),
      neg = symlog(-0.1214, c);
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
    assert.ok(
      t.every(v => v === 0 || Math.abs(v) >= c * 0.999),
      t.join(' '),
    );
    assert.ok(
      t.every(v => v >= -0.1214 && v <= 5.205),
      t.join(' '),
    );
    assert.deepStrictEqual(
      [...t].sort((a, b) => a - b),
      t,
    );
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
    for (const t of ['lr', 'learning_rate', 'train/lr', 'lr-Adam', 'lr_0', 'Learning Rate', 'optimizer/learning-rate'])
      assert.ok(isLearningRateTag(t), t);
    for (const t of ['loss', 'val_loss', 'lr_decay', 'clr', 'learner', 'accuracy', 'lr_scale']) assert.ok(!isLearningRateTag(t), t);
    const s = findLearningRateSeries([
      { tag: 'loss', steps: [0], values: [1] },
      { tag: 'lr-Adam', steps: [0], values: [0.1] },
      { tag: 'lr', steps: [0], values: [0.2] },
    ]);
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
    const e = edgeOfStability(
      [{ tag: 'loss', steps: [0], values: [1] }, lr],
      [
        { step: 600, lambdaMax: 10.5 },
        { step: 200, lambdaMax: 4.0 },
        { step: 400, lambdaMax: 4.6 },
        { step: null, lambdaMax: 9 },
        { step: 700, lambdaMax: null },
      ],
    )!;
    assert.strictEqual(e.tag, 'lr');
    assert.deepStrictEqual(
      e.points.map(p => p.step),
      [200, 400, 600],
    );
    // by hand: η = 0.4, 0.4, 0.2 → 2/η = 5, 5, 10; ratios 0.8, 0.92, 1.05
    assert.deepStrictEqual(
      e.points.map(p => p.threshold),
      [5, 5, 10],
    );
    const ratios = e.points.map(p => p.ratio);
    [0.8, 0.92, 1.05].forEach((r, i) => assert.ok(Math.abs(ratios[i] - r) < 1e-12, `${ratios[i]} vs ${r}`));
    assert.deepStrictEqual(
      e.points.map(p => p.atEdge),
      [false, true, true],
    );
    assert.deepStrictEqual(e.thresholdCurve, [
      { step: 0, value: 5 },
      { step: 100, value: 5 },
      { step: 500, value: 10 },
    ]);
    assert.match(
      e.sentence,
      /^Training runs at the edge of stability \(λ_max ≥ 2\/η within 10 %\) at steps 400, 600: λ_max·η\/2 reaches 1\.05 \(λ_max 10\.5, 2\/η 10 at step 600\)\.$/,
    );
  });

  it('says beyond when λ_max exceeds 2/η by more than 10 %, below otherwise', () => {
    const beyond = edgeOfStability([lr], [{ step: 200, lambdaMax: 6 }])!;
    assert.match(beyond.sentence, /beyond the edge of stability .* at step 200: λ_max·η\/2 reaches 1\.2 /);
    const below = edgeOfStability(
      [lr],
      [
        { step: 200, lambdaMax: 2 },
        { step: 600, lambdaMax: 3 },
      ],
    )!;
    assert.match(
      below.sentence,
      /^Below the edge of stability at every diagnosed checkpoint: λ_max is at most 0\.4 × 2\/η \(λ_max 2, 2\/η 5 at step 200\)\.$/,
    );
    const none = edgeOfStability([lr], [{ step: 200, lambdaMax: null }])!;
    assert.match(none.sentence, /diagnose the checkpoints/);
    assert.strictEqual(edgeOfStability([{ tag: 'loss', steps: [0], values: [1] }], [{ step: 0, lambdaMax: 1 }]), undefined);
  });

  it('the webview bundle imports no Node module', () => {
    const src =
      fs.readFileSync(path.join(ROOT, 'src/core/diagnostics/edgeOfStability.ts'), 'utf8') +
      fs.readFileSync(path.join(ROOT, 'webview/scales.ts'), 'utf8');
    assert.ok(!/\bfrom '(fs|path|os|crypto|worker_threads|child_process)'|require\(/.test(src));
    const bundle = path.join(ROOT, 'dist/webview.js');
    if (fs.existsSync(bundle)) {
      const b = fs.readFileSync(bundle, 'utf8');
      assert.ok(!/require\("(fs|path|os|crypto|worker_threads|child_process)"\)/.test(b), 'dist/webview.js requires a Node module');
    }
  });
});

// ── the HTML report: the dashboard itself, standalone ──────────────────────────────────────────

/** A full result written by hand (every section the dashboard draws), with two theory rules. */
function handResult(file: string, loss: number): DiagnoseResult {
  const eig = (value: number) => ({
    value,
    residual: 1e-4,
    gapBound: 1e-4,
    bound: 1e-4,
    lower: value - 1e-4,
    upper: value + 1e-4,
    status: 'converged' as const,
  });
  const t = [-1, -0.5, 0, 0.5, 1];
  return {
    version: 1,
    checkpoint: file,
    format: 'tfjs-layers',
    backend: 'cpu',
    engine: 'tfjs',
    params: 42,
    samples: 64,
    loss,
    gradNorm: 1e-6,
    lossFunction: { kind: 'ce', reason: 'the model ends in softmax' },
    data: { file: '/w/run/data.npz', xKey: 'x', yKey: 'y', total: 64, samples: 64, seed: 0 },
    layers: [
      { name: 'dense', params: 30, gradNorm: 1e-6, traceShare: 0.7, topEigenvalue: 5, topVectorMass: 0.8 },
      { name: 'dense_1', params: 12, gradNorm: 2e-7, traceShare: 0.3, topEigenvalue: 1, topVectorMass: 0.2 },
    ],
    model: { layers: [] },
    counts: { loss: 1, gradient: 1, hvp: 40, forward: 0, jvp: 0, vjp: 0 },
    hessian: {
      top: [eig(5.205), eig(2.5)],
      bottom: [eig(-0.1214)],
      trace: { estimate: 9.5, stderr: 0.1, probes: 10, method: 'hutch++', hvps: 20 },
      density: { grid: [-1, 0, 1, 2, 3, 4, 5, 6], values: [0.01, 0.5, 0.2, 0.1, 0.05, 0.04, 0.1, 0.01], nodes: [], weights: [], hvps: 10 },
      hvps: 40,
      hvpMethod: 'exact',
      ms: 5,
    },
    slices: [
      {
        kind: 'eig',
        t,
        loss: t.map(x => loss + 2.6 * x * x),
        label: 'top eigenvector',
        eigenvalue: 5.205,
        quadratic: t.map(x => loss + 2.6025 * x * x),
      },
      { kind: '2d', a: t, b: t, loss: t.map(y => t.map(x => loss + x * x + 2 * y * y)) },
      {
        kind: 'interp',
        t: [0, 0.5, 1],
        loss: [loss, loss + 0.3, loss + 0.01],
        lossA: loss,
        lossB: loss + 0.01,
        barrier: 0.3,
        barrierAt: 0.5,
        other: '/w/run/step_400/model.json',
      },
    ],
    verdict: verdict({ loss, gradNorm: 1e-6, top: [eig(5.205)], bottom: [eig(-0.1214)] }),
    evaluation: {
      summary: 'inference mode; all 64 samples; ce loss (the model ends in softmax); deterministic',
    } as DiagnoseResult['evaluation'],
    theory: [
      {
        id: 'nguyen-hein',
        paper: 'Nguyen & Hein (ICML 2017)',
        assumptions: 'a wide layer',
        status: 'applies',
        statement: 'every local minimum is global when a layer is wider than the samples',
        evidence: 'layer 1 has 64 units',
      },
      {
        id: 'kawaguchi',
        paper: 'Kawaguchi (NeurIPS 2016)',
        assumptions: 'deep linear',
        status: 'does not apply',
        statement: 'deep linear networks have no bad local minima',
        evidence: 'ReLU',
      },
    ],
    weights: {
      layers: [
        {
          name: 'dense',
          layer: 'dense',
          shape: [5, 6],
          alpha: 3.1,
          stableRank: 2,
          spectralNorm: 1.5,
          frobenius: 2,
          xmin: 0.1,
          ks: 0.1,
          tail: 5,
        },
      ],
    },
    notices: ['a notice the user should read'],
    computedAt: new Date(0).toISOString(),
    timings: { loadMs: 1, backendMs: 1, gradientMs: 1, hessianMs: 1, totalMs: 5 },
  } as DiagnoseResult;
}

function reportInput(): ReportInput {
  return {
    title: 'Landscape Lens report — hand-made',
    subtitle: 'Two runs.',
    generatedAt: '2026-01-01T00:00:00.000Z',
    notes: ['a note on the report'],
    runs: [
      {
        name: 'run-a',
        dir: '/w/run-a',
        series: [
          { tag: 'loss', file: 'metrics.csv', steps: [0, 200, 400, 600], values: [2, 1, 0.5, 0.25] },
          { tag: 'lr', file: 'metrics.csv', steps: [0, 600], values: [0.4, 0.4] },
        ],
        checkpoints: [
          {
            path: '/w/run-a/step_400/model.json',
            label: 'step_400/model.json',
            step: 400,
            error: 'step_400/model.json: not JSON (Unexpected end of JSON input)',
          },
          {
            path: '/w/run-a/step_600/model.json',
            label: 'step_600/model.json',
            step: 600,
            result: handResult('/w/run-a/step_600/model.json', 0.25),
          },
        ],
      },
      {
        name: 'run-b',
        dir: '/w/run-b',
        series: [],
        checkpoints: [
          {
            path: '/w/run-b/model.json',
            label: 'model.json',
            result: {
              ...handResult('/w/run-b/model.json', 0.5),
              specialNeurons: { lambda: 0.01, a: [0.1, -0.2], maxAbsA: 0.2, outputShare: 0.05, samples: 64 },
            },
          },
        ],
      },
    ],
  };
}

describe('the HTML report runs the dashboard (src/core/report/html.ts + webview/main.ts standalone)', function () {
  this.timeout(180000);
  const bundle = path.join(ROOT, 'dist/webview.js');
  before(function () {
    if (!fs.existsSync(bundle)) throw new Error(`${bundle} missing: run npm run build first`);
  });

  it('inlines the built webview bundle and its stylesheet; the init message of each run carries the results unchanged; nothing is fetched', () => {
    const input = reportInput();
    const html = renderReport(input);
    const src = fs.readFileSync(bundle, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
    assert.ok(html.includes(`<script>${src}</script>`), 'the webview bundle, verbatim');
    assert.ok(html.includes(fs.readFileSync(path.join(ROOT, 'media/panel.css'), 'utf8')), 'the dashboard stylesheet, verbatim');
    const m = /<script type="application\/json" id="landscape-report">([\s\S]*?)<\/script>/.exec(html);
    assert.ok(m, 'the report data');
    const data = JSON.parse(m[1]) as ReportHeader;
    assert.deepStrictEqual(data, JSON.parse(JSON.stringify(reportData(input))));
    // every result reaches the dashboard as it is (JSON round trip), in an init message like the panel's
    const results = input.runs.flatMap(r => r.checkpoints.map(c => c.result ?? null));
    assert.deepStrictEqual(
      data.runs.flatMap(r => r.checkpoints.map(c => c.result)),
      JSON.parse(JSON.stringify(results)),
    );
    assert.deepStrictEqual(
      data.runs.map(r => [r.type, r.run.name, r.selected]),
      [
        ['init', 'run-a', '/w/run-a/step_600/model.json'],
        ['init', 'run-b', '/w/run-b/model.json'],
      ],
    );
    assert.strictEqual(data.runs[0].checkpoints[0].error, input.runs[0].checkpoints[0].error);
    assert.deepStrictEqual(data.summary, JSON.parse(JSON.stringify(summaryRows(input))));
    // self-contained, offline: no attribute loads anything, no URL, no request API in the page
    assert.ok(!/\s(src|href)\s*=/i.test(html.replace(src, '')), 'no src / href attributes');
    // (the bundle's own comments cite URLs: the page around it has none, and nothing requests one)
    assert.ok(!/https?:\/\//i.test(html.replace(src, '')), 'no URL');
    assert.ok(!/\bfetch\(|XMLHttpRequest|WebSocket|sendBeacon|EventSource/.test(html), 'no request API');
    assert.ok(!/toPrecision|PAGE_SCRIPT|report-data/.test(html.replace(src, '')), 'no second dashboard program in the page');
  });

  it('the summary text uses the one number format (ASCII minus for the terminal)', () => {
    const rows = summaryRows(reportInput());
    const text = summaryText(rows);
    assert.ok(text.includes('-0.121') && !text.includes('−'), text);
    assert.ok(text.includes('5.205') && text.includes('error: step_400'), text);
  });

  it('opens in Chromium from disk, offline and without console errors: header, summary, verdict, evaluation, theory notes, charts, run switch, dark theme', async function () {
    const CHROMIUM = '/usr/lib/chromium/chromium';
    if (!fs.existsSync(CHROMIUM)) this.skip();
    const { chromium } = await import('playwright-core');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-report-')), 'report.html');
    fs.writeFileSync(file, renderReport(reportInput()));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const errors: string[] = [],
        requests: string[] = [];
      page.on('console', msg => {
        if (msg.type() === 'error' || msg.type() === 'warning') errors.push(msg.text());
      });
      page.on('pageerror', e => errors.push(String(e)));
      page.on('request', r => requests.push(r.url()));
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 60000 });
      assert.strictEqual(await page.textContent('#reportTitle'), 'Landscape Lens report — hand-made');
      assert.strictEqual(await page.locator('#summary tbody tr').count(), 3);
      assert.match((await page.textContent('#summary')) ?? '', /5\.205[\s\S]*saddle/);
      assert.strictEqual(await page.textContent('#runName'), 'run-a');
      // the selected checkpoint: numbers, verdict, evaluation, theory notes (status, statement, paper; not JSON)
      assert.strictEqual(await page.textContent('#lambdaMax'), fmt(5.205));
      assert.match((await page.textContent('#verdictCard')) ?? '', /Verdict: saddle \(confidence \d+(\.\d)? %\)/);
      assert.match((await page.textContent('#evaluation')) ?? '', /Evaluated: inference mode; all 64 samples/);
      const theory = (await page.textContent('#theory')) ?? '';
      assert.ok(
        theory.includes('[applies] every local minimum is global when a layer is wider than the samples') &&
          theory.includes('Nguyen & Hein (ICML 2017)'),
        theory,
      );
      assert.ok(!theory.includes('deep linear networks have no bad local minima') && !/[{}"]/.test(theory), theory);
      assert.ok((await page.locator('#theory[open]').count()) === 1, 'open in the report');
      assert.ok(((await page.textContent('#notices')) ?? '').includes('a notice the user should read'));
      // every diagnostic's rows as the registry renders them (the CLI's rows: src/core/diagnostics/registry.ts)
      const numbers = (await page.textContent('#allNumbers')) ?? '';
      for (const [k, v] of resultRows(handResult('/w/run-a/step_600/model.json', 0.25)))
        assert.ok(numbers.includes(k) && numbers.includes(v), `All numbers lacks ${k} ${v}: ${numbers}`);
      assert.ok(/λ top/.test(numbers), numbers);
      assert.strictEqual(
        await page.locator('#diagnoseFull, #compareWith, #addSpecial, #perturb').count(),
        0,
        'no actions that need the extension',
      );
      assert.deepStrictEqual(JSON.parse((await page.getAttribute('#eigChart', 'data-values')) ?? '[]'), [5.205, 2.5, -0.1214]);
      const painted = await page.evaluate(() =>
        [
          'curveChart',
          'eigChart',
          'densityChart',
          'sliceChart',
          'slice2d',
          'layerChart',
          'layerCurvChart',
          'alphaChart',
          'acrossChart',
          'eosChart',
        ].map(id => {
          const c = document.getElementById(id) as HTMLCanvasElement;
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 16) if (d[i]) n++;
          return [id, n] as const;
        }),
      );
      for (const [id, n] of painted) assert.ok(n > 100, `${id} drawn: ${n}`);
      assert.ok(await page.locator('#specialChart-panel').isHidden(), 'no special neurons in run-a: no panel');
      assert.ok(await page.locator('#surgery-panel').isHidden(), 'no surgery in a report: no panel');
      // a summary row of a failed checkpoint shows it with the reason
      await page.locator('#summary tbody tr').nth(0).click();
      assert.match((await page.textContent('#ckptError')) ?? '', /Diagnosis failed: .*not JSON/);
      // the run picker switches the dashboard to the other run
      await page.selectOption('#runSelect', '1');
      assert.strictEqual(await page.textContent('#runName'), 'run-b');
      assert.ok(await page.locator('#specialChart-panel').isVisible(), 'max|a_k| across the checkpoints of run-b');
      assert.match((await page.textContent('#cards')) ?? '', /max\|a_k\|0\.2 \(5\.0 % of the output\)/);
      assert.deepStrictEqual(JSON.parse((await page.getAttribute('#eigChart', 'data-values')) ?? '[]'), [5.205, 2.5, -0.1214]);
      // the theme follows the system: VS Code's dark editor background under prefers-color-scheme: dark
      const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.strictEqual(await bg(), 'rgb(255, 255, 255)');
      await page.emulateMedia({ colorScheme: 'dark' });
      assert.strictEqual(await bg(), 'rgb(31, 31, 31)');
      // an export is a download, not a message to an extension
      const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#eigChart-panel button', { hasText: 'CSV' }).click()]);
      assert.match(dl.suggestedFilename(), /^landscape-run-b-eigChart\.csv$/);
      assert.deepStrictEqual(
        requests.filter(u => !/^(file|data|blob):/.test(u)),
        [],
        'nothing fetched',
      );
      assert.deepStrictEqual(errors, [], 'no console errors');
    } finally {
      await browser.close();
    }
  });
});
