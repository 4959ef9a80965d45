/**
 * The dashboard says why a per-layer chart leaves a layer out (issue 24: "α: too few singular values"), and a
 * panel with nothing to show collapses to one line with its reason (its empty text kept) instead of an empty
 * chart box. The reasons are checked on hand-made results with the expected strings written by hand; the
 * collapse in the report opened in Chromium (webview/skipped.ts, setEmpty / setNote of webview/dom.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderReport, type ReportInput } from '../../src/core/report/html';
import type { DiagnoseResult } from '../../src/shared/result';
import { eigFixture, resultFixture } from './reference/resultFixture';
import { alphaSkipped, curvatureSkipped, skipNote } from '../../webview/skipped';

const ROOT = path.resolve(__dirname, '../../..');
const CHROMIUM = '/usr/lib/chromium/chromium';

function result(file: string): DiagnoseResult {
  const eig = (value: number) => eigFixture(value, { halfWidth: 0 });
  const spectrum = (name: string, layer: string, shape: [number, number], alpha: number | null) => ({
    name,
    layer,
    shape,
    alpha,
    stableRank: 2,
    spectralNorm: 3,
    frobenius: 4,
    xmin: null,
    ks: null,
    tail: 0,
  });
  return resultFixture(
    {
      checkpoint: file,
      format: 'onnx',
      engine: 'ort',
      gradNorm: 0.1,
      lossFunction: { kind: 'ce', reason: 'class labels' },
      data: { file: '/w/run/data.npz', xKey: 'x', yKey: 'y', total: 64, samples: 64, seed: 0 },
      layers: [
        { name: 'conv1', params: 9408, gradNorm: 0.05, traceShare: 0.7, trace: 7, topEigenvalue: 2, topVectorMass: 0.8 },
        { name: 'bn1', params: 128, gradNorm: 0.01 },
        { name: 'fc', params: 2565, gradNorm: 0.08, traceShare: 0.3, trace: 3, topEigenvalue: 1, topVectorMass: 0.2 },
      ],
      counts: { loss: 1, gradient: 1, hvp: 20, forward: 0, jvp: 0, vjp: 0 },
      hessian: { top: [eig(2)], bottom: [eig(-0.1)], hvps: 20, hvpMethod: 'exact', ms: 1 },
      slices: [],
      weights: { layers: [spectrum('conv1.weight', 'conv1', [64, 147], 3.2), spectrum('fc.weight', 'fc', [5, 512], null)] },
      verdict: { kind: 'saddle', confidence: 0.9, reasons: ['λ_min < 0'] },
      theory: undefined,
      timings: { loadMs: 1, backendMs: 1, gradientMs: 1, hessianMs: 1, totalMs: 5 },
    },
    { params: 12101 },
  );
}

/** A loss 10× above the logged one and a loss that does not fit the targets (texts written by hand). */
const FLAGS = {
  lossCheck: {
    logged: { value: 0.05, step: 100, from: 100, to: 100, points: 1, tag: 'loss', file: '/w/run/train_log.csv' },
    evaluated: 0.5,
    ratio: 10,
    factor: 3,
    flagged: true,
    causes: ['BatchNorm statistics'],
    option: 'evaluate in training mode',
    text: 'evaluated loss 0.5 is 10× above the logged training loss 0.05 at step 100',
  },
  lossAdvice: 'mse on integer class labels: ce is the loss these targets suggest',
};

const ALPHA_NOTE =
  'Not shown (2 layers): fc.weight: too few singular values (a 5 × 512 matrix has 5; a power-law fit needs at least 10); ' +
  'bn1: no weight matrix (only biases or normalisation parameters).';
const CURV_NOTE = 'Not shown (1 layer): bn1: no Hessian block computed for this layer by the engine version that diagnosed it.';

describe('dashboard: the layers a chart leaves out, and collapsed empty panels', function () {
  this.timeout(180000);

  it('names every layer the α and curvature charts leave out, with its reason', () => {
    const r = result('/w/run/model.onnx');
    assert.deepStrictEqual(
      alphaSkipped(r).map(s => s.layer),
      ['fc.weight', 'bn1'],
    );
    assert.strictEqual(skipNote(alphaSkipped(r)), ALPHA_NOTE);
    assert.strictEqual(skipNote(curvatureSkipped(r)), CURV_NOTE);
    // a square matrix large enough to fit but without a tail; a layer whose matrix could be over 2,048 × 2,048
    const big = result('/w/run/model.onnx');
    big.weights!.layers[1] = { ...big.weights!.layers[1], shape: [64, 64] };
    big.layers[1] = { name: 'huge', params: 5000 * 5000, gradNorm: 1 };
    assert.deepStrictEqual(
      alphaSkipped(big).map(s => s.reason),
      [
        'no power-law tail (the positive singular values are too few or all equal)',
        'no weight matrix in the spectra (only 1-D parameters, or both sides of the matrix over 2,048)',
      ],
    );
    // nothing computed: no note (the chart's empty text says it); nothing left out: no note
    assert.deepStrictEqual(alphaSkipped(null), []);
    assert.deepStrictEqual(curvatureSkipped({ ...r, layers: r.layers.map(l => ({ name: l.name, params: l.params, gradNorm: 1 })) }), []);
    assert.strictEqual(skipNote([]), '');
  });

  it('in the report: empty panels are one line with their reason; the α and curvature charts note the layers left out', async function () {
    if (!fs.existsSync(CHROMIUM) || !fs.existsSync(path.join(ROOT, 'dist/webview.js'))) this.skip();
    const input: ReportInput = {
      title: 'skipped and collapsed',
      generatedAt: '2026-01-01T00:00:00.000Z',
      runs: [
        {
          name: 'run',
          dir: '/w/run',
          series: [],
          checkpoints: [
            { path: '/w/run/model.onnx', label: 'model.onnx', step: 100, result: { ...result('/w/run/model.onnx'), ...FLAGS } },
          ],
        },
      ],
    };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-skipped-')), 'report.html');
    fs.writeFileSync(file, renderReport(input));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', e => errors.push(String(e)));
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 60000 });
      assert.strictEqual((await page.textContent('#alphaChart-note'))?.trim(), ALPHA_NOTE);
      // the honest flags stand in the verdict card, as in the CLI's check rows and the hover (headline.ts flagsOf)
      assert.deepStrictEqual(await page.locator('#verdictCard #verdictFlags li').allTextContents(), [
        `⚠ ${FLAGS.lossCheck.text}`,
        `⚠ ${FLAGS.lossAdvice}`,
      ]);
      assert.strictEqual((await page.textContent('#layerCurvChart-note'))?.trim(), CURV_NOTE);
      const panel = (id: string) =>
        page.locator(`#${id}`).evaluate(e => {
          const p = e.closest('.panel') as HTMLElement;
          const empty = document.getElementById(`${e.id}-empty`) as HTMLElement;
          const buttons = Array.from(p.querySelectorAll('.panel-head button')).filter(b => (b as HTMLElement).offsetParent !== null).length;
          return {
            collapsed: p.classList.contains('collapsed'),
            height: p.getBoundingClientRect().height,
            emptyShown: empty.offsetParent !== null ? empty.textContent : null,
            lineHeight: parseFloat(getComputedStyle(empty).lineHeight) || 20,
            buttons,
          };
        });
      // nothing to show: the density (no Hessian density), the slices, the training curves (no logs): one line each
      for (const id of ['densityChart', 'sliceChart', 'curveChart']) {
        const p = await panel(id);
        assert.ok(p.collapsed && p.emptyShown, `${id}: ${JSON.stringify(p)}`);
        assert.ok(p.height < 3 * p.lineHeight + 16, `${id} is about one line high: ${JSON.stringify(p)}`);
        assert.strictEqual(p.buttons, 0, `${id}: no export buttons for nothing`);
      }
      assert.strictEqual(await page.textContent('#curveChart-empty'), 'No training logs in this run.');
      // charts with something to show keep their box
      for (const id of ['alphaChart', 'layerChart', 'layerCurvChart', 'eigChart']) {
        const p = await panel(id);
        assert.ok(!p.collapsed && p.emptyShown === null && p.height > 200, `${id}: ${JSON.stringify(p)}`);
      }
      assert.deepStrictEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
