/**
 * Entry point that VS Code's extension host runs as `extensionTestsPath` (under code-server
 * here, under @vscode/test-electron on machines that can download VS Code): runs the mocha
 * suites test/integration/*.test.js inside the real extension host and writes a results JSON
 * to $LANDSCAPE_TEST_RESULTS (temp name, then rename) that the driver waits for.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface TestResults { passed: number; failed: number; tests: { title: string; state: 'passed' | 'failed'; err?: string; ms?: number }[] }

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 180000, color: false, reporter: 'spec' });
  const files = fs.readdirSync(__dirname).filter(f => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const results: TestResults = { passed: 0, failed: 0, tests: [] };
  const write = (): void => {
    const out = process.env.LANDSCAPE_TEST_RESULTS;
    if (!out) return;
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
    fs.renameSync(tmp, out);
  };
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run(failures => {
        write();
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
      runner.on('pass', t => { results.passed++; results.tests.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }); console.log(`[integration] ✔ ${t.fullTitle()} (${t.duration} ms)`); });
      runner.on('fail', (t, err: Error) => { results.failed++; results.tests.push({ title: t.fullTitle(), state: 'failed', err: String(err?.stack ?? err) }); console.log(`[integration] ✘ ${t.fullTitle()}: ${err?.message}`); });
    } catch (e) {
      results.failed++; results.tests.push({ title: 'loading the integration suites', state: 'failed', err: String((e as Error).stack ?? e) });
      write();
      reject(e);
    }
  });
}
