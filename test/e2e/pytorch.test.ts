/**
 * End-to-end, the PyTorch user's story in the real VS Code (code-server, the installed VSIX): a workspace
 * whose plain training script saved `torch.save(model.state_dict(), ...)` checkpoints — run by real PyTorch
 * before the workbench starts — shows the architecture message with its buttons first (not a data
 * question, no CLI flag); then a script using the export helper (media/pytorch/landscape_lens.py, as
 * *Set Up PyTorch Export* inserts it) writes a run, and the runs tree lists its checkpoints by step without
 * the architecture file; *Compare With Previous Checkpoint* on step 100 compares with step 90.
 * Every wait is on state (a toast, a tree row, a file, the dashboard's compare card), never on the clock.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Frame } from 'playwright-core';
import { startWorkbench, runCommand, pickInQuickInput, findWebviewFrame, screenshot, scaled } from './harness';

const ROOT = path.resolve(__dirname, '../../..');
const PY = '/usr/bin/python3';
const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '1' };

/** The helper's documented in-loop form (what Set Up PyTorch Export inserts into saves_state_dict.py). */
const WITH_HELPER = `import torch
import torch.nn as nn
from landscape_lens import LandscapeRun

torch.manual_seed(0)
data = torch.randn(128, 10)
target = (data[:, :3].sum(1) > 0).long()
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2))
landscape_run = LandscapeRun("runs/train", model, every=10)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for step in range(1, 101):
    batch = torch.randint(0, 128, (16,))
    loss = loss_fn(model(data[batch]), target[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    landscape_run.step(data[batch], target[batch], loss=loss, lr=optimizer.param_groups[0]["lr"])
`;

function python(args: string[], cwd: string): void {
  const r = spawnSync(PY, args, { cwd, env, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, `${PY} ${args.join(' ')}: ${r.stderr}`);
}

describe('e2e: the PyTorch path (state dicts, the export helper, compare previous)', function () {
  this.timeout(600000);
  let wb: Awaited<ReturnType<typeof startWorkbench>>;
  let ws: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-pytorch-e2e-'));
    // a plain script's weights-only checkpoints, and a run the export helper wrote — both by real PyTorch
    fs.copyFileSync(path.join(ROOT, 'test/fixtures/pytorch-scripts/saves_state_dict.py'), path.join(ws, 'train.py'));
    python(['train.py'], ws);
    const exp = path.join(ws, 'export');
    fs.mkdirSync(exp);
    fs.copyFileSync(path.join(ROOT, 'media/pytorch/landscape_lens.py'), path.join(exp, 'landscape_lens.py'));
    fs.writeFileSync(path.join(exp, 'train_export.py'), WITH_HELPER);
    python(['train_export.py'], exp);
    assert.ok(fs.existsSync(path.join(exp, 'runs/train/model.step_100.pt')) && fs.existsSync(path.join(exp, 'runs/train/model.onnx')));
    wb = await startWorkbench({ workspace: ws });
  });
  after(async () => {
    await wb?.stop();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
  });

  it('a plain torch.save(state_dict) checkpoint shows the architecture message and its two buttons first', async () => {
    const page = wb.page;
    await runCommand(page, 'Landscape: Diagnose Checkpoint');
    await pickInQuickInput(page, 'model_step100');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'holds weights only' }).first();
    try {
      await toast.waitFor({ state: 'visible', timeout: scaled(60000) });
    } catch (e) {
      await screenshot(page, 'pytorch-architecture-failure');
      throw e;
    }
    const text = await toast.innerText();
    assert.match(text, /model_step100\.pt holds weights only \(a PyTorch state dict\) and there is no architecture/, text);
    assert.doesNotMatch(text, /--data|--\w+|no dataset/, 'no CLI flag, no data question first');
    for (const b of ['Set Up PyTorch Export', 'Pick the Architecture…'])
      await toast
        .locator('.monaco-button', { hasText: b })
        .first()
        .waitFor({ state: 'visible', timeout: scaled(15000) });
    await screenshot(page, 'pytorch-weights-only');
  });

  it("the helper's run lists checkpoints by step without model.onnx; Compare With Previous on step 100 compares with step 90", async () => {
    const page = wb.page;
    await runCommand(page, 'View: Show Landscape');
    const runRow = page.locator('.sidebar .monaco-list-row', { hasText: 'export/runs/train' });
    await runRow.first().waitFor({ state: 'visible', timeout: scaled(60000) });
    // the run node expanded: its checkpoints are there (a collapsed run is opened once)
    if ((await runRow.first().getAttribute('aria-expanded')) !== 'true') await runRow.first().click();
    await page.waitForFunction(
      () => {
        const r = Array.from(document.querySelectorAll('.sidebar .monaco-list-row')).find(e =>
          /export\/runs\/train/.test(e.textContent ?? ''),
        );
        return r?.getAttribute('aria-expanded') === 'true' && /step 100/.test(document.querySelector('.sidebar')?.textContent ?? '');
      },
      undefined,
      { timeout: scaled(30000) },
    );
    const rows = (await page.locator('.sidebar .monaco-list-row').allInnerTexts()).map(t => t.replace(/\s+/g, ' ').trim());
    // the run's own rows: from its row to the next row that is not a checkpoint
    const at = rows.findIndex(t => t.includes('export/runs/train'));
    assert.ok(at >= 0, `the run's row: ${rows.join(' | ')}`);
    const steps: number[] = [];
    for (let i = at + 1; i < rows.length && /^step \d+/.test(rows[i]); i++) steps.push(Number(/^step (\d+)/.exec(rows[i])![1]));
    assert.deepStrictEqual(steps, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], `by step: ${rows.join(' | ')}`);
    assert.ok(!rows.some(t => /model\.onnx/.test(t)), `no architecture file as a checkpoint: ${rows.join(' | ')}`);
    await screenshot(page, 'pytorch-run-tree');

    await runCommand(page, 'Landscape: Compare With Previous Checkpoint');
    await pickInQuickInput(page, 'model.step_100.pt');
    // the dashboard's compare card names the other checkpoint (read without auto-waiting: frames come and go)
    const cardText = (f: Frame) => f.evaluate(() => document.getElementById('compareSummary')?.textContent ?? '');
    let frame: Frame;
    try {
      frame = await findWebviewFrame(page, f => cardText(f).then(t => /B = train\/model\.step_\d+\.pt/.test(t)), 200000);
    } catch (e) {
      await screenshot(page, 'pytorch-compare-failure');
      const toasts = await page
        .locator('.notifications-toasts')
        .innerText()
        .catch(() => '');
      throw new Error(`no compare card: ${(e as Error).message}; notifications: ${toasts}`);
    }
    const card = await cardText(frame);
    assert.match(card, /B = train\/model\.step_90\.pt/, card);
    await screenshot(page, 'pytorch-compare-previous');
  });
});
