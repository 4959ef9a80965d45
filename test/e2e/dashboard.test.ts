/**
 * End-to-end: the run dashboard in the real VS Code (code-server) driven by Chromium. The three
 * checkpoints of the fixture run are diagnosed from the dashboard's own controls; the panel then
 * shows the float64-checked loss of the selected checkpoint, non-blank charts (pixel variance on
 * every canvas), and a click on a checkpoint marker of the training curves switches the
 * eigenvalue chart to that checkpoint. Screenshots in the dark, light and high-contrast themes
 * are saved under artifacts/screenshots/.
 */
import * as assert from 'assert';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import {
  startWorkbench,
  runCommand,
  findWebviewFrame,
  screenshot,
  assertServedFromInstalledExtension,
  openRunDashboard,
  pickInQuickInput,
  waitForQuickPickClosed,
  scaled,
} from './harness';
import { readDenseNet, lossAndGrad64 } from '../unit/reference/denseNet64';
import { loadDataset } from '../../src/core/data/dataset';

const ROOT = path.resolve(__dirname, '../../..');
const WS = path.join(ROOT, 'test/fixtures/workspace');
const RUN = path.join(WS, 'runs/mlp-run');

/** Standard deviation of the pixel values (RGB) over the canvas' opaque pixels, and how many there are. */
async function canvasStats(frame: Frame, id: string): Promise<{ std: number; opaque: number; colours: number }> {
  return frame.locator(`#${id}`).evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let n = 0,
      s = 0,
      s2 = 0;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 3) {
      if (data[i + 3] === 0) continue;
      const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
      n++;
      s += v;
      s2 += v * v;
      seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    }
    const m = n ? s / n : 0;
    return { std: n ? Math.sqrt(Math.max(0, s2 / n - m * m)) : 0, opaque: n, colours: seen.size };
  });
}

/** The workbench's class for each theme this test uses (VS Code sets it on .monaco-workbench). */
const THEME_CLASS: Record<string, string> = { 'Dark Modern': 'vs-dark', 'Light Modern': 'vs', 'Dark High Contrast': 'hc-black' };

/** Chooses a colour theme in its quick pick (Enter once the row is focused) and waits until the workbench wears it. */
async function setTheme(page: Page, label: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  await pickInQuickInput(page, label);
  await waitForQuickPickClosed(page);
  await page.waitForFunction(cls => document.querySelector('.monaco-workbench')?.classList.contains(cls) === true, THEME_CLASS[label], {
    timeout: scaled(15000),
  });
}

describe('e2e: the run dashboard', function () {
  this.timeout(420000);
  let wb: Awaited<ReturnType<typeof startWorkbench>>;

  before(async () => {
    wb = await startWorkbench({ workspace: WS });
  });
  after(async () => {
    await wb?.stop();
  });

  it('diagnoses the run from the dashboard, shows numbers and non-blank charts, a marker click selects a checkpoint; dark/light/high-contrast screenshots', async () => {
    const page = wb.page;
    await setTheme(page, 'Dark Modern');
    // two runs in the workspace: pick the training run
    await openRunDashboard(page, 'mlp-run');
    const frame = await findWebviewFrame(
      page,
      f =>
        f
          .locator('#curveChart')
          .count()
          .then(n => n > 0),
      60000,
    );
    await assertServedFromInstalledExtension(frame, wb);
    await runCommand(page, 'View: Close Primary Side Bar').catch(() => undefined);
    // diagnose every checkpoint (full) from the dashboard's controls
    const options = await frame.locator('#checkpointSelect option').evaluateAll((os: HTMLOptionElement[]) => os.map(o => o.value));
    assert.strictEqual(options.length, 3, `checkpoints in the select: ${options.join(', ')}`);
    for (const v of options) {
      await frame.locator('#checkpointSelect').selectOption(v);
      await frame.locator('#diagnoseFull').click();
    }
    // wait until all three are diagnosed (the status line counts them)
    await frame.waitForFunction(
      () => /3 of 3 checkpoints diagnosed/.test(document.getElementById('jobStatus')?.textContent ?? ''),
      undefined,
      { timeout: 240000 },
    );
    // select step 600 and check its numbers against the float64 reference
    const c600 = options.find(o => o.includes('step_600'))!;
    await frame.locator('#checkpointSelect').selectOption(c600);
    await frame.waitForFunction(() => (document.getElementById('loss')?.textContent ?? '—') !== '—');
    const data = loadDataset(path.join(RUN, 'data.npz'));
    const ref = lossAndGrad64(readDenseNet(path.join(RUN, 'step_600/model.json')), data.x, data.m, data.y.data, 'ce');
    // the card shows 4 significant digits; its full value (data-value) is checked against the reference
    const lossText = (await frame.locator('#loss').getAttribute('data-value')) ?? '';
    assert.ok(Math.abs(Number(lossText) - ref.loss) / ref.loss < 1e-5, `panel has loss ${lossText}, float64 reference ${ref.loss}`);
    const shownLoss = (await frame.locator('#loss').innerText()).trim();
    assert.strictEqual(shownLoss, String(Number(ref.loss.toPrecision(4))), 'the loss card shows 4 significant digits');
    const text = await frame.locator('body').innerText();
    for (const s of [
      'Training curves',
      'λ_max',
      'Spectral density',
      'PGB residual',
      'Where the curvature lives',
      'Verdict:',
      'Edge of stability',
    ])
      assert.ok(text.includes(s), `panel text has ${s}`);
    assert.match(await frame.locator('#verdictCard').innerText(), /confidence \d+(\.\d)? %/, 'confidence as a percentage');
    const lmax = Number((await frame.locator('#lambdaMax').innerText()).trim());
    assert.ok(lmax > 1 && lmax < 20, `λ_max shown: ${lmax}`);
    await page.waitForTimeout(500);
    // the fixture's layers are too small for a power-law fit: the α chart says so instead of drawing empty axes
    assert.match(await frame.locator('#alphaChart-empty').innerText(), /not enough singular values|at least 10/);
    for (const id of [
      'curveChart',
      'eigChart',
      'densityChart',
      'sliceChart',
      'slice2d',
      'layerChart',
      'layerCurvChart',
      'acrossChart',
      'eosChart',
      'pgbChart',
    ]) {
      const st = await canvasStats(frame, id);
      assert.ok(st.opaque > 500 && st.std > 3 && st.colours >= 3, `${id} is not blank: ${JSON.stringify(st)}`);
    }
    // λ_min < 0 is visible: the eigenvalue axis (symmetric log) reaches below 0, the negative bar is tall enough to see, and it is labelled
    const axes = JSON.parse((await frame.locator('#eigChart').getAttribute('data-axes')) ?? '{}') as Record<
      string,
      { min: number; max: number }
    >;
    const bars = JSON.parse((await frame.locator('#eigChart').getAttribute('data-bars')) ?? '[]') as {
      label: string;
      value: number;
      top: number;
      bottom: number;
    }[];
    const neg = bars.find(b => b.value < 0);
    const top = bars.find(b => b.label === 'λ1');
    assert.ok(neg && top, `bars: ${JSON.stringify(bars)}`);
    assert.ok(axes.y.min < neg.value && axes.y.min < 0, `axis min ${axes.y.min} below λ_min ${neg.value}`);
    assert.ok(
      neg.bottom - neg.top >= 0.25 * (top.bottom - top.top),
      `the negative bar (${neg.bottom - neg.top} px) is at least a quarter of λ_max's (${top.bottom - top.top} px); on a linear axis it would be ${(Math.abs(neg.value / top.value) * 100).toFixed(1)} %`,
    );
    const thr = JSON.parse((await frame.locator('#eigChart').getAttribute('data-thresholds')) ?? '{}') as { negativeCurvature: number };
    assert.ok(
      thr.negativeCurvature < 0 && Math.abs(thr.negativeCurvature + 1e-3 * lmax) < 1e-3 * lmax * 1e-3 + 1e-12,
      `saddle threshold −τ·λ_max marked: ${JSON.stringify(thr)}`,
    );
    // checkpoint markers are coloured by verdict, and the legend under the curves says what the colours mean
    const legend = await frame.locator('#markerLegend').innerText();
    assert.match(legend, /Checkpoint markers: .*(local minimum|flat valley|saddle|not stationary|stationary)/, legend);
    // the learning rate has its own (right) axis; the heat map has a colour scale
    const curveAxes = JSON.parse((await frame.locator('#curveChart').getAttribute('data-axes')) ?? '{}') as Record<
      string,
      { title?: string }
    >;
    assert.strictEqual(curveAxes.y2?.title, 'lr', `curve axes: ${JSON.stringify(curveAxes)}`);
    const colorbar = JSON.parse((await frame.locator('#slice2d').getAttribute('data-colorbar')) ?? '[]') as { u: number; loss: number }[];
    assert.ok(colorbar.length === 5 && colorbar[0].loss < colorbar[4].loss, `colour bar: ${JSON.stringify(colorbar)}`);
    // edge of stability: the run logs lr = 0.4, so 2/η = 5; λ_max of each checkpoint against it and the sentence
    const eos = JSON.parse((await frame.locator('#eosChart').getAttribute('data-eos')) ?? 'null') as {
      tag: string;
      points: { step: number; lambdaMax: number; threshold: number; ratio: number; atEdge: boolean }[];
      sentence: string;
    };
    assert.ok(eos && eos.tag === 'lr' && eos.points.length === 3, `edge of stability: ${JSON.stringify(eos)}`);
    for (const p of eos.points) {
      assert.ok(Math.abs(p.threshold - 5) < 1e-12 && Math.abs(p.ratio - p.lambdaMax / 5) < 1e-12, JSON.stringify(p));
      assert.strictEqual(p.atEdge, p.lambdaMax >= 4.5, JSON.stringify(p));
    }
    const sentence = await frame.locator('#eosSentence').innerText();
    assert.match(
      sentence,
      eos.points.some(p => p.atEdge) ? /edge of stability \(λ_max ≥ 2\/η within 10 %\)/ : /^Below the edge of stability/,
      sentence,
    );
    assert.ok(/vscode-dark/.test((await frame.locator('body').getAttribute('class')) ?? ''), 'dark theme in the webview');
    await screenshot(page, 'dashboard-dark');
    // the charts below the fold: the spectrum on its symmetric-log axis, the heat map's colour scale; the edge-of-stability row
    await frame.locator('#eigChart-panel').evaluate((e: HTMLElement) => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(400);
    await screenshot(page, 'dashboard-spectrum');
    await frame.locator('#eosChart-panel').evaluate((e: HTMLElement) => e.scrollIntoView({ block: 'center' }));
    await page.waitForTimeout(400);
    await screenshot(page, 'dashboard-edge-of-stability');
    await frame.locator('#curves-panel').evaluate((e: HTMLElement) => e.scrollIntoView({ block: 'start' }));

    // a click on the step-200 marker switches the eigenvalue chart to that checkpoint
    const before = await frame.locator('#eigChart').getAttribute('data-values');
    const markers = JSON.parse((await frame.locator('#curveChart').getAttribute('data-markers')) ?? '[]') as {
      x: number;
      y: number;
      checkpoint: string;
    }[];
    const m200 = markers.find(m => m.checkpoint.includes('step_200'));
    assert.ok(m200, `markers: ${JSON.stringify(markers)}`);
    await frame.locator('#curveChart').scrollIntoViewIfNeeded();
    await frame.locator('#curveChart').click({ position: { x: m200.x, y: m200.y } });
    await frame.waitForFunction(
      () => (document.getElementById('eigChart') as HTMLElement).dataset.checkpoint?.includes('step_200'),
      undefined,
      { timeout: 10000 },
    );
    const after = await frame.locator('#eigChart').getAttribute('data-values');
    assert.notStrictEqual(after, before, 'the eigenvalue chart changed');
    assert.strictEqual(await frame.locator('#checkpointSelect').inputValue(), m200.checkpoint);
    const ref200 = lossAndGrad64(readDenseNet(path.join(RUN, 'step_200/model.json')), data.x, data.m, data.y.data, 'ce');
    const loss200 = Number(await frame.locator('#loss').getAttribute('data-value'));
    assert.ok(Math.abs(loss200 - ref200.loss) / ref200.loss < 1e-5, `after the click: loss ${loss200}, reference ${ref200.loss}`);
    // keyboard: arrow right from step 200 selects step 400
    await frame.locator('#curveChart').focus();
    await page.keyboard.press('ArrowRight');
    await frame.waitForFunction(
      () => (document.getElementById('eigChart') as HTMLElement).dataset.checkpoint?.includes('step_400'),
      undefined,
      { timeout: 10000 },
    );
    await frame.locator('#checkpointSelect').selectOption(c600);

    await setTheme(page, 'Light Modern');
    const bodyClass = await frame.locator('body').getAttribute('class');
    assert.ok(/vscode-light/.test(bodyClass ?? ''), `light theme applied to the webview: ${bodyClass}`);
    await page.waitForTimeout(800);
    for (const id of ['curveChart', 'eigChart', 'slice2d']) {
      const st = await canvasStats(frame, id);
      assert.ok(st.std > 3 && st.colours >= 3, `${id} is not blank in the light theme: ${JSON.stringify(st)}`);
    }
    await screenshot(page, 'dashboard-light');
    await setTheme(page, 'Dark High Contrast');
    await page.waitForTimeout(800);
    await screenshot(page, 'dashboard-high-contrast');
    await setTheme(page, 'Dark Modern');
  });
});
