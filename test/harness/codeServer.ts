/**
 * A real VS Code for the tests: code-server 4.100.3 (VS Code 1.100) on 127.0.0.1 with a fresh
 * user-data and extensions folder per run, driven by Debian's Chromium through playwright-core.
 * code-server rejects --extensionDevelopmentPath/--extensionTestsPath on its command line; the web
 * workbench takes them from the URL's `payload`. The workbench reports extension-host log lines
 * through window.codeAutomationLog and its exit through window.codeAutomationExit, which we expose
 * to the page before navigating.
 */
import * as cp from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as util from 'util';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../../..');

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { provision } = require(path.join(ROOT, 'scripts/provision-vscode.js')) as { provision(): { codeServer: string; chromium: string } };

export interface Workbench {
  page: Page;
  port: number;
  runDir: string;
  workspace: string;
  /** extension-host log lines received so far */
  logs: string[];
  /** resolves with the extension host's exit code (when tests were run) */
  exited: Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** folder to open; copied into the run folder first unless `copyWorkspace` is false */
  workspace: string;
  copyWorkspace?: boolean;
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
  env?: Record<string, string>;
  onLog?: (line: string) => void;
  viewport?: { width: number; height: number };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const a = s.address() as net.AddressInfo; s.close(() => resolve(a.port)); });
  });
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

export function newRunDir(kind: string): string {
  const dir = path.join(ROOT, 'artifacts', 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${kind}-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function startWorkbench(opts: StartOptions): Promise<Workbench> {
  const { codeServer, chromium: chromiumPath } = provision();
  const runDir = newRunDir(opts.extensionTestsPath ? 'integration' : 'e2e');
  let workspace = opts.workspace;
  if (opts.copyWorkspace !== false) {
    workspace = path.join(runDir, 'workspace');
    fs.cpSync(opts.workspace, workspace, { recursive: true });
  }
  // quiet, deterministic workbench: no git prompts, no welcome pages, no telemetry
  fs.mkdirSync(path.join(runDir, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(path.join(runDir, 'ud', 'User', 'settings.json'), JSON.stringify({
    'git.enabled': false, 'git.openRepositoryInParentFolders': 'never', 'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false, 'update.mode': 'none', 'workbench.enableExperiments': false,
  }, null, 2));
  const port = await freePort();
  fs.writeFileSync(path.join(runDir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = fs.openSync(path.join(runDir, 'code-server.log'), 'a');
  const args = [
    path.join(codeServer, 'out', 'node', 'entry.js'),
    '--config', path.join(runDir, 'config.yaml'),
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--user-data-dir', path.join(runDir, 'ud'), '--extensions-dir', path.join(runDir, 'exts'),
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened',
    workspace,
  ];
  const server = cp.spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', logFile, logFile],
    env: { ...process.env, EXTENSIONS_GALLERY: '{}', ...opts.env },
  });
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try { await context?.close(); } catch { /* already gone */ }
    try { await browser?.close(); } catch { /* already gone */ }
    try { if (server.pid) process.kill(-server.pid, 'SIGTERM'); } catch { /* already gone */ }
    await new Promise(r => setTimeout(r, 300));
    try { if (server.pid) process.kill(-server.pid, 'SIGKILL'); } catch { /* already gone */ }
    fs.closeSync(logFile);
  };
  try {
    const deadline = Date.now() + 60000;
    while ((await get(`http://127.0.0.1:${port}/healthz`)) !== 200) {
      if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}; see ${path.join(runDir, 'code-server.log')}`);
      if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s; see ${path.join(runDir, 'code-server.log')}`);
      await new Promise(r => setTimeout(r, 250));
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    const logs: string[] = [];
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>(r => { resolveExit = r; });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = util.format(...(Array.isArray(args) ? args : [args]));
      logs.push(`${type}: ${line}`);
      opts.onLog?.(line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => { resolveExit(Number(code)); });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload: [string, string][] = [];
    if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)]);
    if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(opts.extensionTestsPath)]);
    let url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 90000 });
    return { page, port, runDir, workspace, logs, exited, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
