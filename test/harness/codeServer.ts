/**
 * A real VS Code for the tests: code-server 4.100.3 (VS Code 1.100) on 127.0.0.1 with a fresh
 * user-data and extensions folder per run, driven by Debian's Chromium through playwright-core.
 *
 * code-server rejects --extensionDevelopmentPath/--extensionTestsPath on its command line; the web
 * workbench takes them from the URL's `payload` (vscode-remote:// URIs on this server). The
 * workbench reports extension-host log lines through window.codeAutomationLog and the end of an
 * extensionTestsPath run through window.codeAutomationExit, which we expose to the page before
 * navigating. The extension host is a child of code-server and inherits its environment, so `env`
 * reaches the tests (e.g. LANDSCAPE_TEST_RESULTS).
 */
import * as cp from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as util from 'util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { scaled, timeFactor } from './speed';

export const ROOT = path.resolve(__dirname, '../../..');

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { provision } = require(path.join(ROOT, 'scripts/provision-vscode.js')) as { provision(): { codeServer: string; chromium: string } };

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface ServerOptions {
  /** folder to open; copied into the run folder first unless `copyWorkspace` is false */
  workspace: string;
  copyWorkspace?: boolean;
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
  /**
   * a .vsix to install into the run's fresh extensions folder before code-server starts (the
   * end-to-end tests: the shipped artifact, not the repository, is what runs)
   */
  vsix?: string;
  /** extra environment for code-server and so for the extension host */
  env?: Record<string, string>;
  /** run folder name suffix (default: integration when extensionTestsPath is set, else e2e) */
  kind?: string;
}

export interface CodeServer {
  port: number;
  runDir: string;
  /** the workspace actually opened (the copy) */
  workspace: string;
  logFile: string;
  /** the extensions folder code-server was started with (the VSIX is installed there) */
  extensionsDir: string;
  /** `publisher.name@version` lines of `--list-extensions --show-versions` after the VSIX install */
  installed: string[];
  /** workbench URL for `folder` (default: the workspace) with the extension dev/test payload (default: from the options) */
  url(folder?: string, payload?: [string, string][]): string;
  /** the payload built from extensionDevelopmentPath / extensionTestsPath */
  payload: [string, string][];
  stop(): Promise<void>;
}

export interface StartOptions extends ServerOptions {
  onLog?: (line: string) => void;
  viewport?: { width: number; height: number };
}

export interface Workbench {
  page: Page;
  port: number;
  runDir: string;
  workspace: string;
  server: CodeServer;
  /** extension-host log lines received so far */
  logs: string[];
  /** the workbench page's browser console (the last 2,000 messages), for failure reports */
  console: string[];
  /** resolves with the extension host's exit code (when tests were run) */
  exited: Promise<number>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

function get(url: string): Promise<number> {
  return new Promise(resolve => {
    const req = http.get(url, res => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

export function newRunDir(kind: string): string {
  const dir = path.join(ROOT, 'artifacts', 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${kind}-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * `code-server --install-extension <vsix> --extensions-dir <dir>` (offline: the gallery is off),
 * then `--list-extensions --show-versions`; returns the installed `publisher.name@version` lines.
 */
export function installVsix(entry: string, vsix: string, extensionsDir: string, userDataDir: string, runDir: string): string[] {
  if (!fs.existsSync(vsix)) throw new Error(`VSIX not found: ${vsix}`);
  const cs = (args: string[]): string => {
    const r = cp.spawnSync(process.execPath, [entry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, ...args], {
      encoding: 'utf8',
      timeout: scaled(120000),
      env: { ...process.env, EXTENSIONS_GALLERY: '{}' },
    });
    fs.appendFileSync(path.join(runDir, 'install-extension.log'), `$ code-server ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`);
    if (r.status !== 0)
      throw new Error(
        `code-server ${args.join(' ')} exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().slice(-2000)}`,
      );
    return r.stdout ?? '';
  };
  cs(['--install-extension', vsix]);
  return cs(['--list-extensions', '--show-versions'])
    .split('\n')
    .map(l => l.trim())
    .filter(l => /^[\w.-]+@[\w.+-]+$/.test(l));
}

/** Starts code-server (own process group, logs in the run folder) and waits for /healthz. */
export async function startCodeServer(opts: ServerOptions): Promise<CodeServer> {
  const { codeServer } = provision();
  // measured before code-server loads the machine; exported in LANDSCAPE_TIME_FACTOR to the extension host
  const factor = timeFactor();
  const runDir = newRunDir(opts.kind ?? (opts.extensionTestsPath ? 'integration' : 'e2e'));
  let workspace = opts.workspace;
  if (opts.copyWorkspace !== false) {
    // the tests never touch the fixtures: they get a copy
    workspace = path.join(runDir, 'workspace');
    fs.cpSync(opts.workspace, workspace, { recursive: true });
  }
  // quiet, deterministic workbench: no git prompts, no welcome pages, no telemetry
  fs.mkdirSync(path.join(runDir, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(runDir, 'ud', 'User', 'settings.json'),
    JSON.stringify(
      {
        'git.enabled': false,
        'git.openRepositoryInParentFolders': 'never',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'workbench.enableExperiments': false,
      },
      null,
      2,
    ),
  );
  const entry = path.join(codeServer, 'out', 'node', 'entry.js');
  const extensionsDir = path.join(runDir, 'exts');
  fs.mkdirSync(extensionsDir, { recursive: true });
  let installed: string[] = [];
  if (opts.vsix) installed = installVsix(entry, opts.vsix, extensionsDir, path.join(runDir, 'ud'), runDir);
  const port = await freePort();
  const config = path.join(runDir, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = path.join(runDir, 'code-server.log');
  const logFd = fs.openSync(logFile, 'a');
  const args = [
    entry,
    '--config',
    config,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--user-data-dir',
    path.join(runDir, 'ud'),
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    workspace,
  ];
  const server = cp.spawn(process.execPath, args, {
    detached: true, // own process group: stop() kills code-server, its extension hosts and their workers
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, EXTENSIONS_GALLERY: '{}', LANDSCAPE_TIME_FACTOR: String(factor), ...opts.env },
  });
  server.on('error', () => {
    /* reported through exitCode / healthz timeout */
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const kill = (sig: NodeJS.Signals | 0): boolean => {
      try {
        if (server.pid) process.kill(-server.pid, sig);
        return true;
      } catch {
        return false;
      }
    };
    if (kill('SIGTERM')) {
      for (let i = 0; i < 20 && kill(0); i++) await new Promise(r => setTimeout(r, 100));
      kill('SIGKILL');
    }
    try {
      fs.closeSync(logFd);
    } catch {
      /* closed */
    }
  };
  const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload: [string, string][] = [];
  if (opts.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(path.resolve(opts.extensionDevelopmentPath))]);
  if (opts.extensionTestsPath) payload.push(['extensionTestsPath', remote(path.resolve(opts.extensionTestsPath))]);
  const url = (folder = workspace, p = payload): string => {
    let u = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
    if (p.length) u += `&payload=${encodeURIComponent(JSON.stringify(p))}`;
    return u;
  };
  try {
    const deadline = Date.now() + scaled(60000);
    while ((await get(`http://127.0.0.1:${port}/healthz`)) !== 200) {
      if (server.exitCode !== null || server.signalCode !== null)
        throw new Error(`code-server exited with ${server.exitCode ?? server.signalCode}; see ${logFile}`);
      if (Date.now() > deadline)
        throw new Error(`code-server did not answer /healthz within ${scaled(60)} s (time factor ${factor}); see ${logFile}`);
      await new Promise(r => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, runDir, workspace, logFile, extensionsDir, installed, url, payload, stop };
}

/** code-server plus a fresh Chromium context on its workbench, with the automation hooks exposed. */
export async function startWorkbench(opts: StartOptions): Promise<Workbench> {
  const { chromium: chromiumPath } = provision();
  const server = await startCodeServer(opts);
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      await context?.close();
    } catch {
      /* already gone */
    }
    try {
      await browser?.close();
    } catch {
      /* already gone */
    }
    await server.stop();
  };
  try {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 } });
    const page = await context.newPage();
    const logs: string[] = [];
    const consoleLines: string[] = [];
    page.on('console', m => {
      consoleLines.push(`${new Date().toISOString()} ${m.type()}: ${m.text()}`);
      if (consoleLines.length > 2000) consoleLines.shift();
    });
    page.on('pageerror', e => {
      consoleLines.push(`${new Date().toISOString()} pageerror: ${e.message}`);
    });
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>(r => {
      resolveExit = r;
    });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = util.format(...(Array.isArray(args) ? args : [args]));
      logs.push(`${type}: ${line}`);
      opts.onLog?.(line);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      resolveExit(Number(code));
    });
    page.setDefaultTimeout(scaled(30000)); // playwright waits without an explicit timeout
    await page.goto(server.url(), { waitUntil: 'domcontentloaded', timeout: scaled(60000) });
    await page.waitForSelector('.monaco-workbench', { timeout: scaled(90000) });
    return {
      page,
      port: server.port,
      runDir: server.runDir,
      workspace: server.workspace,
      server,
      logs,
      console: consoleLines,
      exited,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
