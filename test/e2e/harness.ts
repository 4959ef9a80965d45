/**
 * Helpers for the end-to-end UI tests: the real VS Code (code-server) with the extension installed
 * from the packaged VSIX (artifacts/landscape-lens-<version>.vsix, built by scripts/package.js
 * from dist/ when missing or stale) into a fresh extensions folder, with no extension development
 * path: the shipped artifact is what the tests drive, through Chromium and playwright-core.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { startWorkbench as start, ROOT, Workbench } from '../harness/codeServer';
import { scaled, timeFactor } from '../harness/speed';

export { scaled, timeFactor };

// eslint-disable-next-line @typescript-eslint/no-var-requires
const packaging = require(path.join(ROOT, 'scripts/package.js')) as { ensureVsix(): string };
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  publisher: string;
  version: string;
};
/** the extension's id and the folder code-server installs it into */
export const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
export const INSTALLED_FOLDER = `${EXTENSION_ID}-${manifest.version}`;

let vsix: string | undefined;

export async function startWorkbench(opts: { workspace: string }): Promise<Workbench> {
  vsix ??= packaging.ensureVsix();
  const wb = await start({ workspace: opts.workspace, vsix });
  live.add(wb);
  const stop = wb.stop;
  wb.stop = async () => {
    live.delete(wb);
    await stop();
  };
  try {
    assert.ok(
      wb.server.installed.includes(`${EXTENSION_ID}@${manifest.version}`),
      `code-server lists ${EXTENSION_ID}@${manifest.version} as installed (it lists: ${wb.server.installed.join(', ') || 'nothing'})`,
    );
    assert.ok(
      fs.existsSync(path.join(wb.server.extensionsDir, INSTALLED_FOLDER, 'dist', 'extension.js')),
      `the VSIX was unpacked into ${wb.server.extensionsDir}`,
    );
    assert.strictEqual(wb.server.payload.length, 0, 'no extension development path: the installed extension is the one that runs');
  } catch (e) {
    await wb.stop();
    throw e;
  }
  // the explorer shows the workspace once the workbench has restored
  await wb.page.waitForSelector('.explorer-folders-view, .monaco-workbench .part.sidebar', { timeout: scaled(90000) });
  await wb.page.waitForTimeout(scaled(1500));
  return wb;
}

/**
 * The webview in `frame` was rendered by the installed extension: its script (asWebviewUri of
 * <extensionPath>/dist/webview.js) is served from the VSIX's folder in the run's extensions
 * folder, not from the repository's dist/. Returns the script's decoded URL.
 */
export async function assertServedFromInstalledExtension(frame: Frame, wb: Workbench): Promise<string> {
  const src = await frame.evaluate(
    () =>
      Array.from(document.scripts)
        .map(s => s.src)
        .find(s => /webview\.js/.test(s)) ?? '',
  );
  const url = decodeURIComponent(src);
  const installed = path.join(wb.server.extensionsDir, INSTALLED_FOLDER, 'dist', 'webview.js');
  assert.ok(url.includes(installed), `webview script ${url || '(none)'} is served from the installed extension ${installed}`);
  assert.ok(!url.includes(path.join(ROOT, 'dist')), `webview script ${url} is not the repository's dist/`);
  return url;
}

/** Runs a command by its palette label: F1, type the label, then the matching quick pick row (exact label preferred). */
export async function runCommand(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('F1');
  try {
    await input.waitFor({ state: 'visible', timeout: scaled(5000) });
  } catch {
    await page.keyboard.press('Control+Shift+P');
    await input.waitFor({ state: 'visible', timeout: scaled(15000) });
  }
  await input.fill('>' + label);
  const rows = page.locator('.quick-input-widget .monaco-list-row', { hasText: label });
  await rows.first().waitFor({ state: 'visible', timeout: scaled(15000) });
  // the row whose label is exactly `label`, else the first that contains it
  const labels = await rows
    .locator('.label-name')
    .allInnerTexts()
    .catch(() => [] as string[]);
  const exact = labels.findIndex(t => t.replace(/\s+/g, ' ').trim() === label);
  const row = rows.nth(exact >= 0 ? exact : 0);
  const focused = await row.evaluate(el => el.classList.contains('focused')).catch(() => false);
  if (focused) await page.keyboard.press('Enter');
  else await row.click();
  // done when the palette closed, or was replaced by the command's own quick input (Go to File...)
  const typed = '>' + label;
  for (let i = 0, n = scaled(50); i < n; i++) {
    const still = await input.evaluate((el: HTMLInputElement, t) => el.offsetParent !== null && el.value === t, typed).catch(() => false);
    if (!still) break;
    await page.waitForTimeout(100);
  }
}

/** Webviews are nested iframes on the same origin: search every frame until one satisfies `pred` (for `timeoutMs` × the machine-speed factor). */
export async function findWebviewFrame(page: Page, pred: (f: Frame) => Promise<boolean>, timeoutMs = 60000): Promise<Frame> {
  const deadline = Date.now() + scaled(timeoutMs);
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try {
        if (await pred(f)) return f;
      } catch {
        /* frame navigating or detached */
      }
    }
    await page.waitForTimeout(500);
  }
  throw new Error(
    `no webview frame matched within ${scaled(timeoutMs)} ms (time factor ${timeFactor()}; frames: ${page
      .frames()
      .map(f => f.url())
      .join(', ')})`,
  );
}

/** In the open quick pick: type `text`, wait for a row showing it, and choose the (first, focused) row. */
export async function pickInQuickInput(page: Page, text: string, timeoutMs = 15000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: scaled(timeoutMs) });
  await input.fill(text);
  await page
    .locator('.quick-input-widget .monaco-list-row', { hasText: text })
    .first()
    .waitFor({ state: 'visible', timeout: scaled(timeoutMs) });
  // Enter chooses the focused row: wait until the filtered list has focused a row showing `text`
  await page
    .locator('.quick-input-widget .monaco-list-row.focused', { hasText: text })
    .first()
    .waitFor({ state: 'visible', timeout: scaled(timeoutMs) });
  await page.keyboard.press('Enter');
}

/** *Landscape: Open Dashboard* for the run whose name contains `run` (the workspace has several). */
export async function openRunDashboard(page: Page, run: string): Promise<void> {
  await runCommand(page, 'Landscape: Open Dashboard');
  await pickInQuickInput(page, run);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(ROOT, 'artifacts', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Workbenches started by startWorkbench and not stopped yet (for the failure capture below). */
const live = new Set<Workbench>();

/**
 * A failing e2e test leaves its evidence under artifacts/failures/: a screenshot of every open
 * workbench, its log (extension-host lines, the page's console, the profile's ud/logs), and a copy of code-server's log
 * (the run folder under artifacts/runs/ keeps the rest). A root-level hook: registered once, when
 * the first e2e file loads this module, it runs after every e2e test.
 */
export async function captureFailure(title: string): Promise<string[]> {
  const dir = path.join(ROOT, 'artifacts', 'failures');
  fs.mkdirSync(dir, { recursive: true });
  const base = `${new Date().toISOString().replace(/[:.]/g, '-')}-${title.replace(/[^\w.-]+/g, '_').slice(0, 80)}`;
  const files: string[] = [];
  let i = 0;
  for (const wb of live) {
    const stem = path.join(dir, `${base}${live.size > 1 ? `-${i++}` : ''}`);
    try {
      await wb.page.screenshot({ path: `${stem}.png`, timeout: scaled(10000) });
      files.push(`${stem}.png`);
    } catch {
      /* page gone */
    }
    try {
      // the workbench log: extension-host lines, the page's console, and the server-side logs of the profile (ud/logs)
      const serverLogs: string[] = [];
      const walk = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.name.endsWith('.log'))
            serverLogs.push(`── ${path.relative(wb.runDir, p)} ──\n${fs.readFileSync(p, 'utf8').slice(-200000)}`);
        }
      };
      if (fs.existsSync(path.join(wb.runDir, 'ud', 'logs'))) walk(path.join(wb.runDir, 'ud', 'logs'));
      fs.writeFileSync(
        `${stem}.workbench.log`,
        [
          `time factor ${timeFactor()}`,
          `run folder ${wb.runDir}`,
          '',
          '══ extension host ══',
          ...wb.logs,
          '',
          '══ workbench console ══',
          ...wb.console,
          '',
          '══ profile logs ══',
          ...serverLogs,
          '',
        ].join('\n'),
      );
      files.push(`${stem}.workbench.log`);
      if (fs.existsSync(wb.server.logFile)) {
        fs.copyFileSync(wb.server.logFile, `${stem}.code-server.log`);
        files.push(`${stem}.code-server.log`);
      }
    } catch {
      /* best effort */
    }
  }
  return files;
}

if (typeof afterEach === 'function') {
  afterEach(async function () {
    const t = this.currentTest;
    if (!t || t.state !== 'failed') return;
    this.timeout(scaled(30000));
    const files = await captureFailure(t.fullTitle());
    if (files.length) console.log(`      failure evidence: ${files.map(f => path.relative(ROOT, f)).join(', ')}`);
  });
}
