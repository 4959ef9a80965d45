#!/usr/bin/env node
// `npm run test:hostile` (after the build and the test compile): the hostile corpora of issues 16 and 25
// (test/fixtures/hostile/make-hostile*.ts) through the built CLI bundle, one child per case. Each case must
// end with its expected exit code and one-line message, print no raw escape sequence, write nothing outside
// its folder, finish within 30 s, and peak at ≤ 2 GB resident memory (the child's own maximum RSS, read by a
// preload hook at exit from process.resourceUsage()). Ends with one line `N passed, N failed`; exit 1 on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FIX = path.join(ROOT, 'out', 'test', 'fixtures', 'hostile');
const MAX_RSS_BYTES = 2 * 2 ** 30;
const MAX_SECONDS = 30;

for (const f of [CLI, path.join(FIX, 'make-hostile25.js')])
  if (!fs.existsSync(f)) {
    console.error(`test-hostile: ${path.relative(ROOT, f)} missing: run npm run build and npm run compile-tests first`);
    process.exit(2);
  }
const { makeHostile25, checkCase } = require(path.join(FIX, 'make-hostile25.js'));
const { makeHostile } = require(path.join(FIX, 'make-hostile.js'));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'landscape-test-hostile-'));
const hook = path.join(tmp, 'rss-hook.js');
fs.writeFileSync(
  hook,
  // VmHWM (peak resident set of this process image; getrusage's maxRSS survives exec and would report the parent's)
  "process.on('exit', () => { try { const fs = require('fs'); const m = /VmHWM:\\s*(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8')); " +
    'fs.writeFileSync(process.env.LL_RSS_FILE, String(m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024)); } catch {} });\n',
);
const cases = [
  ...makeHostile25(path.join(tmp, 'c25')),
  // issue 16's cases: the same outcome checks as test/unit/hostile.test.ts
  ...makeHostile(path.join(tmp, 'c16')).map(c => ({ cls: 16, name: c.name, args: c.args, code: c.code, output: c.error })),
];
let passed = 0,
  failed = 0,
  peak = 0,
  slowest = 0;
for (const [i, c] of cases.entries()) {
  const rssFile = path.join(tmp, `rss-${i}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--require', hook, CLI, ...c.args], {
    encoding: 'utf8',
    timeout: 2 * MAX_SECONDS * 1000,
    cwd: c.cwd ?? tmp,
    env: { ...process.env, NO_COLOR: '1', LL_RSS_FILE: rssFile },
    maxBuffer: 256 * 2 ** 20,
  });
  const seconds = (Date.now() - t0) / 1000;
  const rss = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) : NaN;
  let why = c.cls === 16 ? undefined16(c, r) : checkCase(c, r);
  if (!why && seconds > MAX_SECONDS) why = `took ${seconds.toFixed(1)} s (limit ${MAX_SECONDS} s)`;
  if (!why && !(rss <= MAX_RSS_BYTES)) why = `peak memory ${(rss / 2 ** 20).toFixed(0)} MiB (limit ${MAX_RSS_BYTES / 2 ** 20} MiB)`;
  peak = Math.max(peak, rss || 0);
  slowest = Math.max(slowest, seconds);
  const line = `[${String(c.cls).padStart(2)}] ${c.name.slice(0, 70).padEnd(70)} ${seconds.toFixed(1).padStart(5)} s ${(rss / 2 ** 20).toFixed(0).padStart(5)} MiB`;
  if (why) {
    failed++;
    console.log(`FAIL ${line}\n     ${why}`);
  } else {
    passed++;
    console.log(`ok   ${line}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`peak memory ${(peak / 2 ** 20).toFixed(0)} MiB, slowest case ${slowest.toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

/** Issue 16's outcome checks (test/unit/hostile.test.ts). */
function undefined16(c, r) {
  if (r.signal) return `killed by ${r.signal}`;
  if (r.status !== c.code) return `exit ${r.status}, expected ${c.code}; stderr: ${r.stderr.slice(0, 300)}`;
  if (!c.output.test(r.stderr)) return `stderr does not match ${c.output}: ${r.stderr.slice(0, 300)}`;
  if (/internal error|\n\s+at /.test(r.stderr)) return `a stack trace: ${r.stderr.slice(0, 300)}`;
  return undefined;
}
