/**
 * End-to-end: a newcomer with the installed VSIX and an empty folder runs *Landscape: Create Demo
 * Workspace* from the command palette, accepts the folder in the dialog, and the window reopens on
 * the demo: the runs view lists the four runs with their checkpoints already diagnosed (the seeded
 * results imported into the new window's cache on activation), none "not diagnosed".
 * Screenshot: artifacts/screenshots/create-demo.png.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startWorkbench, runCommand, screenshot, scaled } from './harness';

describe('e2e: Create Demo Workspace from an empty folder', function () {
  this.timeout(420000);
  let wb: Awaited<ReturnType<typeof startWorkbench>>;
  let ws: string;

  before(async () => {
    ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-create-demo-e2e-')), 'empty');
    fs.mkdirSync(ws);
    wb = await startWorkbench({ workspace: ws });
  });
  after(async () => { await wb?.stop(); fs.rmSync(path.dirname(ws), { recursive: true, force: true }); });

  it('builds the demo into the chosen folder, reopens it, and the runs tree shows results at once', async () => {
    const page = wb.page;
    await runCommand(page, 'Landscape: Create Demo Workspace');
    // the open dialog (a quick input in the browser): the empty workspace folder is offered
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: scaled(30000) });
    await input.fill(`${ws}/`);
    await page.waitForTimeout(scaled(800));
    await page.locator('.quick-input-widget .monaco-button, .quick-input-widget .quick-input-action a', { hasText: 'Create Demo Here' }).first().click();
    // trained, diagnosed and reopened: the seed file was imported (renamed) by the new window
    const imported = path.join(ws, '.landscape', 'seed-results.imported.json');
    for (let i = 0, n = scaled(1800); i < n && !fs.existsSync(imported); i++) await page.waitForTimeout(200);
    assert.ok(fs.existsSync(path.join(ws, 'runs', 'saddle')), 'the demo runs were written');
    assert.ok(fs.existsSync(imported), 'the reopened window imported the seeded results');
    await page.waitForSelector('.monaco-workbench .part.sidebar', { timeout: scaled(90000) });
    await runCommand(page, 'View: Show Landscape');
    await page.waitForFunction(() => ['runs/small-batch', 'runs/large-batch', 'runs/saddle', 'runs/special-neurons'].some(r => (document.querySelector('.sidebar')?.textContent ?? '').includes(r)), undefined, { timeout: scaled(60000) });
    await page.waitForFunction(() => /λmax/.test(document.querySelector('.sidebar')?.textContent ?? ''), undefined, { timeout: scaled(60000) });
    const text = (await page.locator('.sidebar').first().innerText()).replace(/\s+/g, ' ');
    assert.ok(!/not diagnosed/.test(text), `every checkpoint shown has a result: ${text.slice(0, 600)}`);
    assert.match(text, /step 0 /);
    await screenshot(page, 'create-demo');
  });
});
