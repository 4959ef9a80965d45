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

/**
 * Waits until the open quick input can take a key press: the widget is shown, its input has the keyboard focus
 * (and holds `value` when given: the filter typed has been applied), and the list holds its items with a focused
 * row that shows `text` — the row Enter chooses. Waits on the DOM (never on the clock): a key pressed before the
 * quick pick holds its items and focus is lost (issue 25: the palette test whose Enter never chose the checkpoint).
 */
export async function waitForQuickPick(page: Page, text: string, opts: { value?: string; timeoutMs?: number } = {}): Promise<void> {
  try {
    await page.waitForFunction(
      ({ text, value }) => {
        const w = document.querySelector<HTMLElement>('.quick-input-widget');
        if (!w || w.style.display === 'none' || w.offsetParent === null) return false;
        const input = w.querySelector<HTMLInputElement>('input');
        if (!input || document.activeElement !== input || (value !== null && input.value !== value)) return false;
        if (w.querySelector('.quick-input-list .monaco-list-row') === null) return false;
        const focused = w.querySelector<HTMLElement>('.quick-input-list .monaco-list-row.focused');
        return focused !== null && (focused.textContent ?? '').includes(text);
      },
      { text, value: opts.value ?? null },
      { timeout: scaled(opts.timeoutMs ?? 15000), polling: 100 },
    );
  } catch (e) {
    const state = await page
      .evaluate(() => {
        const w = document.querySelector<HTMLElement>('.quick-input-widget');
        const input = w?.querySelector<HTMLInputElement>('input');
        return {
          shown: Boolean(w && w.style.display !== 'none'),
          value: input?.value,
          inputFocused: Boolean(input && document.activeElement === input),
          rows: Array.from(w?.querySelectorAll('.quick-input-list .monaco-list-row') ?? []).map(r => r.textContent),
          focused: w?.querySelector('.quick-input-list .monaco-list-row.focused')?.textContent ?? null,
        };
      })
      .catch(() => undefined);
    throw new Error(`the quick pick never held a focused row showing '${text}': ${JSON.stringify(state)} (${String(e)})`);
  }
}

/**
 * In an input box (a quick input without rows) whose prompt matches `prompt`: optionally types `value`, waits until
 * the input has the focus and holds the value (DOM state, not the clock), then presses Enter to accept it.
 */
export async function acceptInputBox(page: Page, prompt: RegExp, value?: string, timeoutMs = 15000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.waitForFunction(r => new RegExp(r).test(document.querySelector('.quick-input-widget')?.textContent ?? ''), prompt.source, {
    timeout: scaled(timeoutMs),
    polling: 100,
  });
  if (value !== undefined) await input.fill(value);
  const expected = value ?? (await input.inputValue());
  await page.waitForFunction(
    v => {
      const i = document.querySelector<HTMLInputElement>('.quick-input-widget input');
      return Boolean(i && i.offsetParent !== null && document.activeElement === i && i.value === v);
    },
    expected,
    { timeout: scaled(timeoutMs), polling: 100 },
  );
  await page.keyboard.press('Enter');
}

/** Waits until no quick input is shown (it closed after a choice, or was replaced by nothing). */
export async function waitForQuickPickClosed(page: Page, timeoutMs = 15000): Promise<void> {
  await page.waitForFunction(
    () => {
      const w = document.querySelector<HTMLElement>('.quick-input-widget');
      return !w || w.style.display === 'none' || w.offsetParent === null;
    },
    undefined,
    { timeout: scaled(timeoutMs), polling: 100 },
  );
}

/** Opens the command palette (F1, else Ctrl+Shift+P) and waits until its input has the focus. */
async function openPalette(page: Page): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const focused = () =>
    page.waitForFunction(
      () => {
        const i = document.querySelector<HTMLInputElement>('.quick-input-widget input');
        return Boolean(i && i.offsetParent !== null && document.activeElement === i);
      },
      undefined,
      { timeout: scaled(5000), polling: 100 },
    );
  await page.keyboard.press('F1');
  try {
    await input.waitFor({ state: 'visible', timeout: scaled(5000) });
    await focused();
  } catch {
    await page.keyboard.press('Control+Shift+P');
    await input.waitFor({ state: 'visible', timeout: scaled(15000) });
    await focused();
  }
}

/** Runs a command by its palette label: F1, type the label, then the matching quick pick row (exact label preferred). */
export async function runCommand(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await openPalette(page);
  const typed = '>' + label;
  await input.fill(typed);
  const rows = page.locator('.quick-input-widget .monaco-list-row', { hasText: label });
  await rows.first().waitFor({ state: 'visible', timeout: scaled(15000) });
  // the filter applied (the input still focused and holding the label, a row focused) before choosing
  await waitForQuickPick(page, '', { value: typed });
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
  for (let i = 0, n = scaled(50); i < n; i++) {
    const still = await input.evaluate((el: HTMLInputElement, t) => el.offsetParent !== null && el.value === t, typed).catch(() => false);
    if (!still) break;
    await page.waitForTimeout(100);
  }
}

/**
 * Opens a workspace file by its relative path through *Go to File...*: types the path, waits until the quick pick
 * has focused the row of that file (and its input the focus), presses Enter, and waits until the editor shows it.
 */
export async function openFile(page: Page, rel: string, timeoutMs = 30000): Promise<void> {
  await runCommand(page, 'Go to File...');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: scaled(timeoutMs) });
  await input.fill(rel);
  const base = rel.split('/').pop() ?? rel;
  await waitForQuickPick(page, base, { value: rel, timeoutMs });
  await page.keyboard.press('Enter');
  await waitForQuickPickClosed(page, timeoutMs);
  await page
    .locator('.tabs-container .tab.active', { hasText: base })
    .first()
    .waitFor({ state: 'visible', timeout: scaled(timeoutMs) });
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

/** In the open quick pick: type `text`, wait until a row showing it is focused (and the input has the focus), choose it. */
export async function pickInQuickInput(page: Page, text: string, timeoutMs = 15000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: scaled(timeoutMs) });
  await input.fill(text);
  // Enter chooses the focused row: wait until the filtered list has focused a row showing `text`
  await waitForQuickPick(page, text, { value: text, timeoutMs });
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
