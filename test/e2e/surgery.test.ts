/**
 * End-to-end: acting on a minimum from the dashboard in the real VS Code. "Perturb weights…" on
 * the selected checkpoint walks through the quick picks (escape along the most negative
 * eigenvector, default step, 200 retraining steps); the new checkpoint is written beside the
 * original (whose bytes are unchanged), the notification states the loss change, and the
 * dashboard's surgery section lists the measured effects with a non-blank retraining curve.
 * Screenshot: artifacts/screenshots/dashboard-surgery.png.
 */
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { startWorkbench, runCommand, findWebviewFrame, screenshot, openRunDashboard, pickInQuickInput, acceptInputBox } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const WS = path.join(ROOT, 'test/fixtures/workspace');
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('e2e: surgery from the dashboard', function () {
  this.timeout(420000);
  let wb: Awaited<ReturnType<typeof startWorkbench>>;

  before(async () => {
    wb = await startWorkbench({ workspace: WS });
  });
  after(async () => {
    await wb?.stop();
  });

  it('Perturb weights… (escape the saddle, retrain): a new checkpoint, the original unchanged, the effects in the dashboard', async () => {
    const page = wb.page;
    const run = path.join(wb.workspace, 'runs', 'mlp-run');
    const original = path.join(run, 'step_600');
    const hashes = Object.fromEntries(fs.readdirSync(original).map(f => [f, sha(path.join(original, f))]));
    await openRunDashboard(page, 'mlp-run');
    const input = page.locator('.quick-input-widget input');
    const frame = await findWebviewFrame(
      page,
      f =>
        f
          .locator('#surgery-panel')
          .count()
          .then(n => n > 0),
      60000,
    );
    const c600 = (await frame.locator('#checkpointSelect option').evaluateAll((os: HTMLOptionElement[]) => os.map(o => o.value))).find(v =>
      v.includes('step_600'),
    )!;
    await frame.locator('#checkpointSelect').selectOption(c600);
    assert.match(await frame.locator('#surgery-panel').innerText(), /Nothing done to this run yet/);
    await frame.locator('#perturb').click();
    // mode
    await pickInQuickInput(page, 'Escape the saddle');
    // step: empty = 1 % of ‖θ‖
    await acceptInputBox(page, /Step t along the eigenvector/);
    // retraining steps (default 200)
    await acceptInputBox(page, /Gradient-descent steps/);
    // learning rate, shown before the run with its default (1/λ_max at the perturbed point) prefilled
    const lrPrompt = /Learning rate of the 200 gradient-descent steps/;
    await page.waitForFunction(r => new RegExp(r).test(document.querySelector('.quick-input-widget')?.textContent ?? ''), lrPrompt.source, {
      timeout: 15000,
    });
    assert.strictEqual(await input.inputValue(), '1/λ_max');
    await acceptInputBox(page, lrPrompt);
    try {
      await frame.waitForFunction(() => document.querySelectorAll('#surgeryList > li').length > 0, undefined, { timeout: 180000 });
    } catch (e) {
      await screenshot(page, 'dashboard-surgery-failure');
      const toasts = await page
        .locator('.notifications-toasts')
        .innerText()
        .catch(() => '');
      throw new Error(`no surgery record in the dashboard: ${(e as Error).message}; notifications: ${toasts}`);
    }
    const text = await frame.locator('#surgeryList').innerText();
    assert.match(text, /eigen \(bottom eigenvector, λ = [−-]?[\d.e-]+\): loss [\d.e-]+ → [\d.e-]+/, text);
    assert.match(text, /retrained 200 steps/, text);
    assert.match(text, /derived[\\/]step_600\.perturbed[\\/]model\.json/, text);
    const toast = await page
      .locator('.notifications-toasts')
      .innerText()
      .catch(() => '');
    assert.match(toast, /Wrote .*step_600\.perturbed/, toast);
    assert.ok(
      fs.existsSync(path.join(run, 'derived', 'step_600.perturbed', 'model.json')),
      "the new checkpoint in the run's derived/ folder",
    );
    for (const [f, h] of Object.entries(hashes)) assert.strictEqual(sha(path.join(original, f)), h, `${f} unchanged`);
    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
    await frame.locator('#surgery-panel').evaluate(e => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(800);
    const st = await frame.locator('#surgeryChart').evaluate((c: HTMLCanvasElement) => {
      const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
      const seen = new Set<number>();
      let n = 0;
      for (let i = 0; i < data.length; i += 12)
        if (data[i + 3]) {
          n++;
          seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
      return { opaque: n, colours: seen.size };
    });
    assert.ok(st.opaque > 500 && st.colours >= 3, `the retraining curve is drawn: ${JSON.stringify(st)}`);
    await screenshot(page, 'dashboard-surgery');
  });

  it('Add Special Neurons from the palette (fine-tune 100 steps): new checkpoints, max|a_k| curve and summary in the dashboard', async () => {
    const page = wb.page;
    const run = path.join(wb.workspace, 'runs', 'mlp-run');
    const original = path.join(run, 'step_400');
    const hashes = Object.fromEntries(fs.readdirSync(original).map(f => [f, sha(path.join(original, f))]));
    const step = (re: RegExp, value?: string) => acceptInputBox(page, re, value);
    // the command's first prompt (the checkpoint); the palette is retried once if the command did not start
    await runCommand(page, 'Landscape: Add Special Neurons');
    const prompt = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'model.json' }).first();
    if (
      !(await prompt.waitFor({ state: 'visible', timeout: 20000 }).then(
        () => true,
        () => false,
      ))
    ) {
      await screenshot(page, 'add-special-neurons-retry');
      await page.keyboard.press('Escape');
      await runCommand(page, 'Landscape: Add Special Neurons');
      await prompt.waitFor({ state: 'visible', timeout: 30000 });
    }
    await pickInQuickInput(page, 'step_400/model.json', 30000);
    await page
      .locator('.quick-input-widget .monaco-list-row', { hasText: 'Add and fine-tune' })
      .first()
      .waitFor({ state: 'visible', timeout: 30000 });
    await step(/Add and fine-tune/, 'Add and fine-tune');
    await step(/Penalty weight λ/);
    await step(/Fine-tuning steps/, '100');
    await step(/Learning rate/);
    await page.waitForFunction(
      () => /Wrote .*step_400\.special\.trained/.test(document.querySelector('.notifications-toasts')?.textContent ?? ''),
      undefined,
      { timeout: 180000 },
    );
    const toast = await page.locator('.notifications-toasts').innerText();
    assert.match(toast, /added 3 special neurons over 5 inputs/, toast);
    assert.match(toast, /max\|a_k\| peak [\d.e-]+ → final [\d.e-]+/, toast);
    for (const f of ['step_400.special', 'step_400.special.trained'])
      assert.ok(fs.existsSync(path.join(run, 'derived', f, 'model.json')), f);
    for (const [f, h] of Object.entries(hashes)) assert.strictEqual(sha(path.join(original, f)), h, `${f} unchanged`);
    // the run's dashboard lists it, with the fine-tuning curve (max|a_k|, penalty, L(θ))
    const frame = await findWebviewFrame(
      page,
      f =>
        f
          .locator('#surgeryList')
          .count()
          .then(n => n > 0),
      30000,
    );
    await frame.waitForFunction(() => /Special neurons/.test(document.getElementById('surgeryList')?.textContent ?? ''), undefined, {
      timeout: 30000,
    });
    const legend = await frame.locator('#surgeryChart').getAttribute('data-record');
    assert.ok(legend, 'the surgery chart shows a record');
    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
    await frame.locator('#surgery-panel').evaluate(e => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(800);
    await screenshot(page, 'dashboard-special-neurons');
  });
});
