#!/usr/bin/env node
// `npm test` (after the build and the test compile): all test suites, ending with one line
// `N passed, N failed`; non-zero exit on any failure and when no test ran.
//   unit         mocha, no VS Code: readers, numerics against float64 references, CLI
//   integration  mocha inside the real VS Code extension host (code-server 4.100.3)
//   e2e          Playwright + Chromium driving that VS Code's UI, with the extension installed
//                from the packaged VSIX (artifacts/, packaged from dist/ when missing or stale)
// Flags --unit / --integration / --e2e select suites (default: all). The test VS Code and the
// Debian packages it needs are provisioned on first use (scripts/provision-vscode.js).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'out');
const flags = new Set(process.argv.slice(2));
const all = !['--unit', '--integration', '--e2e'].some(f => flags.has(f));
const want = s => all || flags.has('--' + s);
// screenshots the e2e tests save under artifacts/screenshots/ (and docs/images/ when missing)
const SCREENSHOTS = [
  'diagnose-panel',
  'dashboard-dark',
  'dashboard-spectrum',
  'dashboard-edge-of-stability',
  'dashboard-light',
  'dashboard-high-contrast',
  'runs-tree',
  'hover',
  'dashboard-surgery',
  'dashboard-special-neurons',
  'walkthrough',
  'demo-dashboard',
];

function listTests(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTests(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function runMocha(name, files, timeoutMs) {
  if (files.length === 0)
    return { name, passed: 0, failed: 1, failedTests: [{ title: `${name}: no compiled test files (run npm run compile-tests)`, err: '' }] };
  const counts = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-counts-')), 'counts.json');
  console.log(`\n── ${name} tests (${files.length} files) ──`);
  const r = spawnSync(
    process.execPath,
    [
      require.resolve('mocha/bin/mocha.js'),
      '--no-config',
      '--reporter',
      path.join(__dirname, 'mocha-count-reporter.js'),
      '--timeout',
      String(timeoutMs),
      ...files,
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, LANDSCAPE_COUNTS_FILE: counts } },
  );
  if (!fs.existsSync(counts))
    return {
      name,
      passed: 0,
      failed: 1,
      failedTests: [{ title: `${name}: mocha exited with ${r.status ?? r.signal} before reporting`, err: '' }],
    };
  const c = JSON.parse(fs.readFileSync(counts, 'utf8'));
  fs.rmSync(path.dirname(counts), { recursive: true, force: true });
  // mocha exits with the failure count; anything else non-zero (a crash after the run) is a failure too
  if (c.failed === 0 && r.status !== 0) {
    c.failed = 1;
    c.failedTests.push({ title: `${name}: mocha exited with ${r.status ?? r.signal}`, err: '' });
  }
  return { name, passed: c.passed, failed: c.failed, failedTests: c.failedTests };
}

async function main() {
  const results = [];
  const t0 = Date.now();
  // Debian packages first: the unit suite runs PyTorch (python3-torch) for its references
  require('./provision-vscode.js').ensureDebianPackages();
  if (want('unit')) results.push(runMocha('unit', listTests(path.join(OUT, 'test', 'unit')), 120000));
  if (want('integration') || want('e2e')) {
    console.log('\n── provisioning the test VS Code ──');
    const t = Date.now();
    try {
      const p = require('./provision-vscode.js').provision();
      console.log(`  code-server ${p.codeServer} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    } catch (e) {
      console.error(`provisioning failed: ${e && e.message}`);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
  }
  if (want('integration')) {
    console.log('\n── integration tests (inside the VS Code extension host) ──');
    try {
      const { runIntegration } = require(path.join(OUT, 'test/harness/runIntegration.js'));
      const r = await runIntegration();
      results.push({
        name: 'integration',
        passed: r.passed,
        failed: r.failed,
        failedTests: r.tests.filter(t => t.state === 'failed').map(t => ({ title: t.title, err: t.err })),
      });
    } catch (e) {
      results.push({
        name: 'integration',
        passed: 0,
        failed: 1,
        failedTests: [{ title: 'integration harness', err: String((e && e.stack) || e) }],
      });
    }
  }
  if (want('e2e')) {
    for (const n of SCREENSHOTS) fs.rmSync(path.join(ROOT, 'artifacts', 'screenshots', `${n}.png`), { force: true }); // no stale screenshots
    const r = runMocha('e2e', listTests(path.join(OUT, 'test', 'e2e')), 300000);
    results.push(r);
    // the README's screenshots are the ones the e2e tests take: copied when missing or on request
    // (LANDSCAPE_UPDATE_SCREENSHOT=1), so a test run does not modify tracked files
    for (const n of SCREENSHOTS) {
      const shot = path.join(ROOT, 'artifacts', 'screenshots', `${n}.png`);
      const docShot = path.join(ROOT, 'docs', 'images', `${n}.png`);
      if (
        r.failed === 0 &&
        r.passed > 0 &&
        fs.existsSync(shot) &&
        (!fs.existsSync(docShot) || process.env.LANDSCAPE_UPDATE_SCREENSHOT === '1')
      ) {
        fs.mkdirSync(path.dirname(docShot), { recursive: true });
        fs.copyFileSync(shot, docShot);
        console.log(`  screenshot copied to ${path.relative(ROOT, docShot)}`);
      }
    }
  }
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  console.log('\n── summary ──');
  for (const r of results) {
    console.log(`  ${r.name.padEnd(12)} ${r.passed} passed, ${r.failed} failed`);
    for (const t of r.failedTests || [])
      console.log(`    ✘ ${t.title}${t.err ? `\n      ${String(t.err).split('\n').slice(0, 3).join('\n      ')}` : ''}`);
  }
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  const empty = results.filter(r => r.passed + r.failed === 0).map(r => r.name);
  if (empty.length) console.log(`  no tests ran in: ${empty.join(', ')}: failing`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 || empty.length > 0 ? 1 : 0);
}

main().catch(e => {
  console.error(e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
