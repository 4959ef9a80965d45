/**
 * End-to-end: the demo workspace (`npm run demo` builds it; here built into a temporary folder by
 * the same builder) opened in VS Code with the installed extension: the runs view lists its four
 * runs, and the dashboard of runs/special-neurons shows the logged series (max_abs_a among them)
 * with a checkpoint marker per checkpoint; *Diagnose all* computes every checkpoint (the stuck
 * network with special neurons added reads as a saddle, the fine-tuned one shows its max|a_k|). Screenshot: artifacts/screenshots/demo-dashboard.png.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startWorkbench, runCommand, findWebviewFrame, screenshot, openRunDashboard } from './harness';

describe('e2e: the demo workspace in VS Code', function () {
  this.timeout(420000);
  let wb: Awaited<ReturnType<typeof startWorkbench>>;
  let dir: string;

  before(async () => {
    const { buildDemo } = await import('../../examples/demo/build');
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-demo-e2e-')), 'demo-workspace');
    await buildDemo({ dir });
    wb = await startWorkbench({ workspace: dir });
  });
  after(async () => {
    await wb?.stop();
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it("lists the four runs and shows the special-neurons run's curves and checkpoints in its dashboard", async () => {
    const page = wb.page;
    await runCommand(page, 'View: Show Landscape');
    await page.waitForFunction(
      () =>
        ['runs/small-batch', 'runs/large-batch', 'runs/saddle', 'runs/special-neurons'].every(r =>
          (document.querySelector('.sidebar')?.textContent ?? '').includes(r),
        ),
      undefined,
      { timeout: 60000 },
    );
    await openRunDashboard(page, 'special-neurons');
    const frame = await findWebviewFrame(
      page,
      f =>
        f
          .locator('#curveChart')
          .count()
          .then(n => n > 0),
      60000,
    ).catch(async e => {
      await screenshot(page, 'demo-dashboard-failure');
      throw e;
    });
    await frame
      .waitForFunction(() => /special-neurons/.test(document.getElementById('runName')?.textContent ?? ''), undefined, { timeout: 30000 })
      .catch(async e => {
        await screenshot(page, 'demo-dashboard-failure');
        throw new Error(
          `${(e as Error).message}: run shown ${await frame
            .locator('#runName')
            .innerText()
            .catch(() => '?')}`,
        );
      });
    await frame.waitForFunction(() => /max_abs_a/.test(document.getElementById('tags')?.textContent ?? ''), undefined, { timeout: 30000 });
    const tags = await frame.locator('#tags').innerText();
    for (const t of ['loss', 'original_loss', 'penalty', 'max_abs_a']) assert.ok(tags.includes(t), `series ${t}: ${tags}`);
    const markers = JSON.parse((await frame.locator('#curveChart').getAttribute('data-markers')) ?? '[]') as { checkpoint: string }[];
    assert.strictEqual(markers.length, 8, `a marker per checkpoint: ${markers.map(m => m.checkpoint).join(', ')}`);
    const options = await frame.locator('#checkpointSelect option').allInnerTexts();
    assert.ok(
      options.some(o => o.includes('step 1500')),
      options.join(' | '),
    );
    // Diagnose all: every checkpoint of the run, then the story in numbers (max|a_k| rises, then falls)
    await frame.locator('#diagnoseRun').click();
    await frame.waitForFunction(
      () => /8 of 8 checkpoints diagnosed/.test(document.getElementById('jobStatus')?.textContent ?? ''),
      undefined,
      { timeout: 240000 },
    );
    await frame.locator('#checkpointSelect').selectOption({ index: 0 });
    await frame.waitForFunction(() => /saddle/.test(document.getElementById('verdictCard')?.textContent ?? ''), undefined, {
      timeout: 15000,
    });
    // the saddle's negative λ_min is visible on the eigenvalue chart's symmetric-log axis, below the marked threshold −τ·λ_max
    await frame.waitForFunction(() => ((document.getElementById('eigChart') as HTMLElement).dataset.bars ?? '').includes('-'), undefined, {
      timeout: 15000,
    });
    const bars = JSON.parse((await frame.locator('#eigChart').getAttribute('data-bars')) ?? '[]') as {
      label: string;
      value: number;
      top: number;
      bottom: number;
    }[];
    const axes = JSON.parse((await frame.locator('#eigChart').getAttribute('data-axes')) ?? '{}') as Record<string, { min: number }>;
    const thr = JSON.parse((await frame.locator('#eigChart').getAttribute('data-thresholds')) ?? '{}') as { negativeCurvature: number };
    const lmin = bars.filter(b => b.value < 0).sort((x, y) => x.value - y.value)[0];
    assert.ok(
      lmin && lmin.value < thr.negativeCurvature && axes.y.min < lmin.value,
      `λ_min bar ${JSON.stringify(lmin)}, axis ${JSON.stringify(axes)}, threshold ${JSON.stringify(thr)}`,
    );
    assert.ok(lmin.bottom - lmin.top >= 8, `the negative bar is ${lmin.bottom - lmin.top} px tall`);
    await frame.locator('#checkpointSelect').selectOption({ index: 7 });
    await frame.waitForFunction(() => (document.getElementById('specialA')?.textContent ?? '').length > 0, undefined, { timeout: 15000 });
    const a = Number((await frame.locator('#specialA').innerText()).split(' ')[0]);
    assert.ok(a > 0.01 && a < 0.2, `max|a_k| at step 1500: ${a}`);
    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
    await screenshot(page, 'demo-dashboard');
  });
});
