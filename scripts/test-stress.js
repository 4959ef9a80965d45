#!/usr/bin/env node
// `npm run test:stress`: the integration and e2e suites, three times in a row, each with a CPU-bound
// process running beside them (`node -e 'for(;;){}'`, killed at the end), to catch tests that only
// pass on an idle machine. Runs scripts/test-all.js --integration --e2e per round (after the build
// and the test compile, as `npm test` does), and ends with one line `N passed, N failed` over all
// rounds; non-zero exit on any failure.
//   --rounds N   rounds (default 3)      --burners N   CPU-bound processes beside the tests (default 1)
//   --only integration|e2e               one suite instead of both
'use strict';
const path = require('path');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt; };
const rounds = Math.max(1, Number(opt('--rounds', 3)) || 3);
const burnersN = Math.max(0, Number(opt('--burners', 1)) || 0);
const only = opt('--only', '');
const suites = only ? [`--${only}`] : ['--integration', '--e2e'];
if (only && only !== 'integration' && only !== 'e2e') { console.error(`--only must be integration or e2e, not '${only}'`); process.exit(2); }

const burners = [];
function startBurners() {
  for (let i = 0; i < burnersN; i++) {
    const b = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
    b.on('error', () => { /* reported by the missing load only */ });
    burners.push(b);
  }
}
function stopBurners() {
  // only the processes this script started, by their pid
  for (const b of burners.splice(0)) { try { b.kill('SIGKILL'); } catch { /* already gone */ } }
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopBurners(); process.exit(130); });
process.on('exit', stopBurners);

function round(i) {
  return new Promise(resolve => {
    console.log(`\n══ stress round ${i}/${rounds}: ${suites.join(' ')} beside ${burnersN} CPU-bound process(es) ══`);
    const child = spawn(process.execPath, [path.join(__dirname, 'test-all.js'), ...suites], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', d => { process.stdout.write(d); tail = (tail + d.toString()).slice(-4000); });
    child.on('close', code => {
      // test-all.js ends with `N passed, N failed`
      const m = [...tail.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
      if (m) resolve({ passed: Number(m[1]), failed: Number(m[2]), code });
      else resolve({ passed: 0, failed: 1, code, note: `test-all.js exited with ${code} without a summary line` });
    });
  });
}

async function main() {
  const t0 = Date.now();
  const results = [];
  startBurners();
  try {
    for (let i = 1; i <= rounds; i++) results.push(await round(i));
  } finally { stopBurners(); }
  console.log('\n── stress summary ──');
  results.forEach((r, i) => console.log(`  round ${i + 1}: ${r.passed} passed, ${r.failed} failed${r.note ? ` (${r.note})` : ''}`));
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s, ${burnersN} CPU-bound process(es) beside the tests)`);
  const passed = results.reduce((a, r) => a + r.passed, 0), failed = results.reduce((a, r) => a + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

main().catch(e => { stopBurners(); console.error(e); console.log('0 passed, 1 failed'); process.exit(1); });
