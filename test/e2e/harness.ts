/**
 * Helpers for the end-to-end UI tests: the real VS Code (code-server) with the extension loaded
 * from the repository, driven by Chromium through playwright-core.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { startWorkbench as start, ROOT, Workbench } from '../harness/codeServer';

export async function startWorkbench(opts: { workspace: string }): Promise<Workbench> {
  const wb = await start({ workspace: opts.workspace, extensionDevelopmentPath: ROOT });
  // the explorer shows the workspace once the workbench has restored
  await wb.page.waitForSelector('.explorer-folders-view, .monaco-workbench .part.sidebar', { timeout: 90000 });
  await wb.page.waitForTimeout(1500);
  return wb;
}

/** Runs a command by its palette label: F1, type the label, then the matching quick pick row (exact label preferred). */
export async function runCommand(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('F1');
  try {
    await input.waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    await page.keyboard.press('Control+Shift+P');
    await input.waitFor({ state: 'visible', timeout: 15000 });
  }
  await input.fill('>' + label);
  const rows = page.locator('.quick-input-widget .monaco-list-row', { hasText: label });
  await rows.first().waitFor({ state: 'visible', timeout: 15000 });
  // the row whose label is exactly `label`, else the first that contains it
  const labels = await rows.locator('.label-name').allInnerTexts().catch(() => [] as string[]);
  const exact = labels.findIndex(t => t.replace(/\s+/g, ' ').trim() === label);
  const row = rows.nth(exact >= 0 ? exact : 0);
  const focused = await row.evaluate(el => el.classList.contains('focused')).catch(() => false);
  if (focused) await page.keyboard.press('Enter');
  else await row.click();
  // done when the palette closed, or was replaced by the command's own quick input (Go to File...)
  const typed = '>' + label;
  for (let i = 0; i < 50; i++) {
    const still = await input.evaluate((el: HTMLInputElement, t) => el.offsetParent !== null && el.value === t, typed).catch(() => false);
    if (!still) break;
    await page.waitForTimeout(100);
  }
}

/** Webviews are nested iframes on the same origin: search every frame until one satisfies `pred`. */
export async function findWebviewFrame(page: Page, pred: (f: Frame) => Promise<boolean>, timeoutMs = 60000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try { if (await pred(f)) return f; } catch { /* frame navigating or detached */ }
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`no webview frame matched within ${timeoutMs} ms (frames: ${page.frames().map(f => f.url()).join(', ')})`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(ROOT, 'artifacts', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
