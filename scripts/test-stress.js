#!/usr/bin/env node
// `npm run test:stress` (issue 25): the test suite (`npm test`'s scripts/test-all.js, after the build and
// the test compile) run several rounds in a row beside CPU-bound processes — by default one busy loop per
// core (`os.cpus().length` Node children spinning), started once and killed by pid at the end, also on a
// failure, SIGINT, SIGTERM or SIGHUP; a busy loop whose parent is gone exits by itself — to catch tests
// that only pass on an idle machine. Every round runs and is reported unless --bail. The output ends with
// the per-round table (passed, failed, duration) and one line `N passed, N failed` over all rounds;
// non-zero exit when any round fails.
//
//   npm run test:stress                          every suite, five rounds, one busy loop per core
//   npm run test:stress -- --rounds 1 --unit     the unit suite once under the same load
//
//   --rounds N                  rounds (default 5)
//   --unit, --integration, --e2e  the suites to run, passed through to test-all.js (default: all three)
//   --suite S                   all | unit | integration | e2e, or a comma list (the same, one flag; --only: older name)
//   --burners N                 CPU-bound processes beside the tests (default: one per core)
//   --bail                      stop after the first round with a failure (default: run every round)
'use strict';
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const SUITES = ['unit', 'integration', 'e2e'];

// A busy loop that exits once its parent (this script, pid in argv) is gone: no spinning orphan even after a SIGKILL.
const BUSY_LOOP =
  'const p = Number(process.argv[1]); for (let i = 1; ; i++) if ((i & 0x3ffffff) === 0 && process.ppid !== p) process.exit(0);';

/** Parses the command line; throws an Error with a usage message on bad input. */
function parseArgs(argv) {
  const o = { rounds: 5, suites: SUITES.slice(), burners: Math.max(1, os.cpus().length), bail: false };
  const picked = new Set();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    const count = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} must be an integer ≥ ${min}, not '${v}'`);
      return n;
    };
    if (a === '--rounds') o.rounds = count(value(), 1);
    else if (a === '--burners') o.burners = count(value(), 0);
    else if (a === '--bail') o.bail = true;
    else if (SUITES.includes(a.replace(/^--/, '')) && a.startsWith('--')) picked.add(a.slice(2));
    else if (a === '--suite' || a === '--only') {
      const v = value();
      const list =
        v === 'all'
          ? SUITES.slice()
          : v
              .split(',')
              .map(s => s.trim())
              .filter(Boolean);
      const bad = list.filter(s => !SUITES.includes(s));
      if (!list.length || bad.length) throw new Error(`${a} must be all or a comma list of ${SUITES.join(', ')}, not '${v}'`);
      o.suites = SUITES.filter(s => list.includes(s)); // test-all.js's order
    } else throw new Error(`unknown option '${a}' (--rounds N, --unit, --integration, --e2e, --suite all|list, --burners N, --bail)`);
  }
  if (picked.size) o.suites = SUITES.filter(s => picked.has(s)); // test-all.js's order
  return o;
}

/** What test-all.js printed: the last `N passed, N failed` line, the per-suite lines and the failed tests of its summary. */
function parseSummary(text) {
  const total = [...text.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
  const summary = text.lastIndexOf('── summary ──') >= 0 ? text.slice(text.lastIndexOf('── summary ──')) : '';
  const perSuite = {};
  for (const m of summary.matchAll(/^ {2}(unit|integration|e2e)\s+(\d+) passed, (\d+) failed$/gm))
    perSuite[m[1]] = { passed: Number(m[2]), failed: Number(m[3]) };
  const failedTests = [...summary.matchAll(/^ {4}✘ (.*)$/gm)].map(m => m[1]);
  return total ? { passed: Number(total[1]), failed: Number(total[2]), perSuite, failedTests } : undefined;
}

/** The per-round table and the final line. */
function report(results, opts) {
  const lines = [
    '',
    `── stress summary: ${opts.suites.join(' + ')}, ${results.length} of ${opts.rounds} round(s), ${opts.burners} CPU-bound process(es) beside ──`,
  ];
  const cols = opts.suites.map(s => s.padStart(16));
  lines.push(`  ${'round'.padEnd(6)}${cols.join('')}${'total'.padStart(18)}${'time'.padStart(8)}`);
  results.forEach((r, i) => {
    const cell = s => (r.perSuite && r.perSuite[s] ? `${r.perSuite[s].passed} ✔ ${r.perSuite[s].failed} ✘` : '—').padStart(16);
    lines.push(
      `  ${String(i + 1).padEnd(6)}${opts.suites.map(cell).join('')}${`${r.passed} ✔ ${r.failed} ✘`.padStart(18)}${`${r.seconds.toFixed(0)} s`.padStart(8)}${r.note ? `  (${r.note})` : ''}`,
    );
    for (const t of r.failedTests || []) lines.push(`        ✘ ${t}`);
  });
  if (opts.bail && results.length < opts.rounds) lines.push(`  stopped after round ${results.length} (--bail)`);
  const passed = results.reduce((a, r) => a + r.passed, 0),
    failed = results.reduce((a, r) => a + r.failed, 0);
  lines.push(`${passed} passed, ${failed} failed`);
  return { text: lines.join('\n'), passed, failed };
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const flags = opts.suites.map(s => `--${s}`);

  const burners = [];
  const stopBurners = () => {
    // only the processes this script started, by their pid
    for (const b of burners.splice(0)) {
      try {
        b.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  let child;
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ])
    process.on(sig, () => {
      stopBurners();
      // test-all.js and what it started (mocha, VS Code, Chromium) form one process group: signal all of it
      if (child)
        try {
          process.kill(-child.pid, sig);
        } catch {
          child.kill(sig);
        }
      process.exit(code);
    });
  process.on('exit', stopBurners);
  for (let i = 0; i < opts.burners; i++) {
    const b = spawn(process.execPath, ['-e', BUSY_LOOP, String(process.pid)], { stdio: 'ignore' });
    b.on('error', () => {
      /* shows as a missing load only */
    });
    burners.push(b);
  }

  const round = i =>
    new Promise(resolve => {
      console.log(`\n══ stress round ${i}/${opts.rounds}: ${flags.join(' ')} beside ${opts.burners} CPU-bound process(es) ══`);
      const t0 = Date.now();
      child = spawn(process.execPath, [path.join(__dirname, 'test-all.js'), ...flags], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
        detached: true, // its own process group (see the signal handlers)
      });
      let tail = '';
      child.stdout.on('data', d => {
        process.stdout.write(d);
        tail = (tail + d.toString()).slice(-20000);
      });
      child.on('close', code => {
        child = undefined;
        const seconds = (Date.now() - t0) / 1000;
        const s = parseSummary(tail);
        if (s)
          resolve({ ...s, seconds, code, ...(code !== 0 && s.failed === 0 ? { failed: 1, note: `test-all.js exited with ${code}` } : {}) });
        else resolve({ passed: 0, failed: 1, seconds, code, note: `test-all.js exited with ${code} without a summary line` });
      });
    });

  (async () => {
    const results = [];
    try {
      for (let i = 1; i <= opts.rounds; i++) {
        const r = await round(i);
        results.push(r);
        if (opts.bail && r.failed > 0) break;
      }
    } finally {
      stopBurners();
    }
    const { text, passed, failed } = report(results, opts);
    console.log(text);
    process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
  })().catch(e => {
    stopBurners();
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
}

if (require.main === module) main();
module.exports = { parseArgs, parseSummary, report };
