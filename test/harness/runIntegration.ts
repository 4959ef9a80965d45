/**
 * Drives the integration suites inside the real VS Code extension host (code-server): a fresh
 * copy of test/fixtures/workspace, the extension loaded from the repository (dist/), the compiled
 * test/integration/index.js as extensionTestsPath; waits for the results JSON it writes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { startWorkbench, ROOT } from './codeServer';
import type { TestResults } from '../integration/index';

// workbench start-up chatter that the extension-host log channel also carries
const NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|\[Service Worker\]|ChatSessionStore:)/;

export async function runIntegration(opts: { timeoutMs?: number; extensionTestsPath?: string } = {}): Promise<TestResults> {
  fs.mkdirSync(path.join(ROOT, 'artifacts'), { recursive: true });
  const resultsDir = fs.mkdtempSync(path.join(ROOT, 'artifacts', 'results-'));
  const resultsFile = path.join(resultsDir, 'integration.json');
  const t0 = Date.now();
  let quiet = false; // after the results: the workbench's shutdown chatter is not the tests'
  const wb = await startWorkbench({
    workspace: path.join(ROOT, 'test/fixtures/workspace'),
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: opts.extensionTestsPath ?? path.join(ROOT, 'out/test/integration/index'),
    env: { LANDSCAPE_TEST_RESULTS: resultsFile },
    onLog: line => {
      if (!quiet) for (const l of line.split('\n')) if (l.trim() && !NOISE.test(l.trim())) console.log(`    [ext host] ${l}`);
    },
  });
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 300000);
    let exitCode: number | undefined;
    void wb.exited.then(c => {
      exitCode = c;
    });
    while (!fs.existsSync(resultsFile)) {
      if (exitCode !== undefined) {
        // give a late rename a moment
        await new Promise(r => setTimeout(r, 1000));
        if (fs.existsSync(resultsFile)) break;
        return {
          passed: 0,
          failed: 1,
          tests: [
            {
              title: 'integration suites',
              state: 'failed',
              err: `the extension host exited with ${exitCode} before writing results; logs in ${wb.runDir}`,
            },
          ],
        };
      }
      if (Date.now() > deadline)
        return {
          passed: 0,
          failed: 1,
          tests: [
            {
              title: 'integration suites',
              state: 'failed',
              err: `no results after ${((Date.now() - t0) / 1000).toFixed(0)} s; logs in ${wb.runDir}`,
            },
          ],
        };
      await new Promise(r => setTimeout(r, 500));
    }
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as TestResults;
    quiet = true;
    console.log(
      `    integration: ${results.passed} passed, ${results.failed} failed in ${((Date.now() - t0) / 1000).toFixed(1)} s (run folder ${path.relative(ROOT, wb.runDir)})`,
    );
    return results;
  } finally {
    await wb.stop();
    fs.rmSync(resultsDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runIntegration().then(
    r => {
      for (const t of r.tests) console.log(`${t.state === 'passed' ? '✔' : '✘'} ${t.title}${t.err ? '\n' + t.err : ''}`);
      process.exit(r.failed || !r.passed ? 1 : 0);
    },
    e => {
      console.error(e);
      process.exit(1);
    },
  );
}
