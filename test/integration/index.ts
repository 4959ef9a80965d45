/**
 * Entry point that VS Code's extension host runs as `extensionTestsPath` (under code-server
 * here, under @vscode/test-electron on machines that can download VS Code): runs the mocha
 * suites test/integration/*.test.js inside the real extension host and writes a results JSON
 * to $LANDSCAPE_TEST_RESULTS (temp name, then rename) that the driver waits for.
 *
 * The suites do not depend on their order (each writes only into its own folder, see util.ts):
 * LANDSCAPE_TEST_ORDER=reverse runs the files in reverse name order to check that;
 * LANDSCAPE_TEST_FILES=workspace,surgery runs only the named suites.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export interface TestResults {
  passed: number;
  failed: number;
  tests: { title: string; state: 'passed' | 'failed'; err?: string; ms?: number }[];
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 180000, color: false, reporter: 'spec' });
  // a compiled suite whose source is gone (renamed or deleted; out/ is never cleaned) is not run
  const src = path.resolve(__dirname, '../../../test/integration');
  let files = fs
    .readdirSync(__dirname)
    .filter(f => f.endsWith('.test.js'))
    .filter(f => !fs.existsSync(src) || fs.existsSync(path.join(src, f.replace(/\.js$/, '.ts'))))
    .sort();
  // LANDSCAPE_TEST_FILES=workspace,surgery: only those suites (while working on them)
  const only = (process.env.LANDSCAPE_TEST_FILES ?? '')
    .split(',')
    .map(x => x.trim())
    .filter(Boolean);
  if (only.length) files = files.filter(f => only.includes(f.replace(/\.test\.js$/, '')));
  const order = process.env.LANDSCAPE_TEST_ORDER ?? 'name';
  if (order === 'reverse') files.reverse();
  else if (order !== 'name') throw new Error(`LANDSCAPE_TEST_ORDER must be 'name' or 'reverse', not '${order}'`);
  console.log(`[integration] suite order (${order}): ${files.join(', ')}`);
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
      runner.on('pass', t => {
        results.passed++;
        results.tests.push({ title: t.fullTitle(), state: 'passed', ms: t.duration });
        console.log(`[integration] ✔ ${t.fullTitle()} (${t.duration} ms)`);
      });
      runner.on('fail', (t, err: Error) => {
        results.failed++;
        results.tests.push({ title: t.fullTitle(), state: 'failed', err: String(err?.stack ?? err) });
        console.log(`[integration] ✘ ${t.fullTitle()}: ${err?.message}`);
      });
    } catch (e) {
      results.failed++;
      results.tests.push({ title: 'loading the integration suites', state: 'failed', err: String((e as Error).stack ?? e) });
      write();
      reject(e);
    }
  });
}
