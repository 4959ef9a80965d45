/**
 * The dashboard and the HTML report say what the tree says (src/shared/verdictLabel.ts): a quick verdict that a
 * full diagnosis could change reads "local minimum? — quick" on the verdict card, the marker tooltip text and the
 * report's summary; a checkpoint that lacks an input (weights only: the architecture; then data) shows its message
 * and, in the editor, the buttons that post the need commands (read-only in the report). Opened in Chromium: the
 * report standalone, and the panel's page with a stand-in acquireVsCodeApi that records the posted messages;
 * the panel page at 400 px has no horizontal overflow. The expected strings are written by hand.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderReport, reportData, summaryRows, summaryText, type ReportInput } from '../../src/core/report/html';
import type { DiagnoseResult } from '../../src/shared/result';
import type { FromWebview } from '../../src/shared/protocol';
import { eigFixture, resultFixture } from './reference/resultFixture';

const ROOT = path.resolve(__dirname, '../../..');
const CHROMIUM = '/usr/lib/chromium/chromium';

/** A quick diagnosis: λ_min only estimated (hessian.bottomEstimate, hessian.bottom empty), verdict local minimum (35 %). */
function quickResult(file: string): DiagnoseResult {
  const eig = (value: number) => eigFixture(value, { halfWidth: 0 });
  return resultFixture(
    {
      checkpoint: file,
      format: 'onnx',
      engine: 'ort',
      loss: 0.0079,
      lossFunction: { kind: 'ce', reason: 'class labels' },
      data: { file: '/w/run/data.npz', xKey: 'x', yKey: 'y', total: 64, samples: 64, seed: 0 },
      counts: { loss: 1, gradient: 1, hvp: 20, forward: 0, jvp: 0, vjp: 0 },
      hessian: { top: [eig(2)], bottom: [], bottomEstimate: eig(1e-3), hvps: 20, hvpMethod: 'exact', ms: 1 },
      slices: [],
      verdict: { kind: 'local minimum', confidence: 0.35, reasons: ['λ_min ≈ 0.001 > 0'] },
      theory: undefined,
      timings: { loadMs: 1, backendMs: 1, gradientMs: 1, hessianMs: 1, totalMs: 5 },
    },
    { params: 42 },
  );
}

const ARCH_MSG = 'checkpoints/model_step100.pt holds weights only (a state_dict): it has no architecture';
const DATA_MSG = 'no data found for checkpoints/model_step200.onnx';

function input(): ReportInput {
  return {
    title: 'need and provisional',
    generatedAt: '2026-01-01T00:00:00.000Z',
    runs: [
      {
        name: 'run',
        dir: '/w/run',
        series: [{ tag: 'loss', file: 'log.csv', steps: [0, 100, 200, 300], values: [2, 1, 0.5, 0.25] }],
        checkpoints: [
          {
            path: '/w/run/checkpoints/model_step100.pt',
            label: 'checkpoints/model_step100.pt',
            step: 100,
            error: ARCH_MSG,
            need: 'architecture',
          },
          {
            path: '/w/run/checkpoints/model_step200.onnx',
            label: 'checkpoints/model_step200.onnx',
            step: 200,
            error: DATA_MSG,
            need: 'data',
          },
          {
            path: '/w/run/checkpoints/model_step300.onnx',
            label: 'checkpoints/model_step300.onnx',
            step: 300,
            result: quickResult('/w/run/checkpoints/model_step300.onnx'),
          },
        ],
      },
    ],
  };
}

describe('dashboard and report: provisional verdicts and what a checkpoint lacks', function () {
  this.timeout(180000);

  it('the summary and the init message carry the provisional label as the tree shows it', () => {
    const rows = summaryRows(input());
    assert.deepStrictEqual(
      rows.map(r => [r.verdict, r.provisional ?? false]),
      [
        ['error', false],
        ['error', false],
        ['local minimum', true],
      ],
    );
    assert.ok(summaryText(rows).includes('local minimum? — quick'), summaryText(rows));
    const ck = reportData(input()).runs[0].checkpoints;
    assert.deepStrictEqual(
      ck.map(c => [c.need, c.provisional, c.verdictLabel]),
      [
        ['architecture', false, null],
        ['data', false, null],
        [null, true, 'local minimum? — quick'],
      ],
    );
  });

  const launch = async (t: Mocha.Context) => {
    if (!fs.existsSync(CHROMIUM) || !fs.existsSync(path.join(ROOT, 'dist/webview.js'))) t.skip();
    const { chromium } = await import('playwright-core');
    return chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  };
  const write = (html: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-need-')), 'page.html');
    fs.writeFileSync(file, html);
    return `file://${file}`;
  };

  it('the report: provisional verdict card and summary, the need message without buttons; no overflow at 400 px', async function () {
    const browser = await launch(this);
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', e => errors.push(String(e)));
      await page.goto(write(renderReport(input())));
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 60000 });
      assert.match((await page.textContent('#summary')) ?? '', /local minimum\? — quick/);
      // the last diagnosed checkpoint is selected
      assert.match((await page.textContent('#verdictCard')) ?? '', /^Verdict: local minimum\? — quick \(confidence 35(\.0)? %\)/);
      assert.match((await page.textContent('#provisionalNote')) ?? '', /a full diagnosis computes it/);
      await page.locator('#summary tbody tr').nth(0).click();
      assert.strictEqual(((await page.textContent('#ckptNeed')) ?? '').trim(), ARCH_MSG);
      assert.strictEqual(await page.locator('#ckptNeed button').count(), 0, 'read-only in the report');
      assert.strictEqual(await page.locator('#ckptError').count(), 0, 'not "Diagnosis failed"');
      // 400 px wide: the summary table scrolls inside its box, the page does not
      await page.setViewportSize({ width: 400, height: 900 });
      // (the charts resize on their ResizeObserver: give them the frames to do it)
      await page
        .waitForFunction(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth, undefined, { timeout: 5000 })
        .catch(() => undefined);
      const [overflow, wide] = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        const out = Array.from(document.querySelectorAll('body *'))
          .filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > w + 0.5)
          .filter(e => !Array.from(e.children).some(k => k.getBoundingClientRect().right > w + 0.5))
          .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
        return [document.documentElement.scrollWidth - w, out.slice(0, 10)] as const;
      });
      assert.ok(overflow <= 0, `the report overflows at 400 px by ${overflow} px: ${wide.join('; ')}`);
      assert.deepStrictEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it('the panel: need buttons post the need commands; 400 px wide without horizontal overflow', async function () {
    const browser = await launch(this);
    try {
      const page = await browser.newPage({ viewport: { width: 400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', e => errors.push(String(e)));
      // the report's page without its data, with a stand-in for VS Code's webview API before the bundle
      const stub =
        '<script>window.__posts = []; function acquireVsCodeApi() { let s; return { postMessage: m => window.__posts.push(m), ' +
        'getState: () => s, setState: v => { s = v; } }; }</script>';
      const html = renderReport(input())
        .replace(/<script type="application\/json" id="landscape-report">[\s\S]*?<\/script>/, '')
        .replace('<script>', () => `${stub}<script>`);
      await page.goto(write(html));
      const init = { ...reportData(input()).runs[0], selected: '/w/run/checkpoints/model_step100.pt' };
      await page.evaluate(m => window.postMessage(m, '*'), init);
      await page.waitForSelector('#ckptNeed', { timeout: 60000 });
      assert.strictEqual(((await page.textContent('#ckptNeed p')) ?? '').trim(), ARCH_MSG);
      assert.deepStrictEqual(await page.locator('#ckptNeed button').allTextContents(), ['Set Up PyTorch Export', 'Pick the Architecture…']);
      await page.locator('#ckptNeed button', { hasText: 'Pick the Architecture…' }).click();
      await page.locator('#ckptNeed button', { hasText: 'Set Up PyTorch Export' }).click();
      const posts = (await page.evaluate(() => (window as unknown as { __posts: FromWebview[] }).__posts)).filter(m => m.type === 'need');
      assert.deepStrictEqual(posts, [
        { type: 'need', command: 'landscapeLens.pickArchitecture', checkpoint: '/w/run/checkpoints/model_step100.pt' },
        { type: 'need', command: 'landscapeLens.setupPytorchExport', checkpoint: '/w/run/checkpoints/model_step100.pt' },
      ]);
      // no horizontal overflow; on failure, the elements that stick out (id or class, right edge)
      const [overflow, wide] = await page.evaluate(() => {
        const w = document.documentElement.clientWidth;
        const out = Array.from(document.querySelectorAll('body *'))
          .filter(
            e => e.getBoundingClientRect().right > w + 0.5 && !Array.from(e.children).some(k => k.getBoundingClientRect().right > w + 0.5),
          )
          .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
        return [document.documentElement.scrollWidth - w, out.slice(0, 10)] as const;
      });
      assert.ok(overflow <= 0, `horizontal overflow at 400 px: ${overflow} px: ${wide.join('; ')}`);
      // the data need: one button
      await page.evaluate(() => window.postMessage({ type: 'select', checkpoint: '/w/run/checkpoints/model_step200.onnx' }, '*'));
      await page.waitForFunction(() => document.querySelector('#ckptNeed p')?.textContent?.startsWith('no data'));
      assert.deepStrictEqual(await page.locator('#ckptNeed button').allTextContents(), ['Choose Data File…']);
      assert.deepStrictEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});
