#!/usr/bin/env node
// `npm run demo`: the README's run command. Sets up what is missing (npm packages), builds the CLI
// and the demo builder, trains the demo runs from scratch (seeded) into examples/demo-workspace/,
// diagnoses every checkpoint (`landscape report`), writes examples/demo-workspace/report.html
// (self-contained: opens from disk with no network), and prints the summary table and the three
// stories it tells: large batch → sharper minimum (Keskar et al. 2017); the saddle's negative
// eigenvalue; the special neurons' |a| (Kawaguchi & Kaelbling 2020).
'use strict';
const path = require('path');
const { execSync, spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const t0 = Date.now();
const step = s => console.log(`\n▸ ${s}  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
require('./ensure-deps.js');

step('building the CLI (webpack) and the demo builder (tsc)');
execSync('npx webpack --mode production --config-name engine', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
execSync('npx tsc -p tsconfig.test.json', { cwd: root, stdio: 'inherit' });

step('training the demo runs (TF.js, seeded)');
const { buildDemo } = require(path.join(root, 'out/examples/demo/build.js'));

(async () => {
  const ws = await buildDemo({ log: s => console.log(`  ${s}`) });
  step('diagnosing every checkpoint: landscape report examples/demo-workspace');
  const html = path.join(ws, 'report.html');
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'report', ws, '--html', html, '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0 && r.status !== 2) {
    console.error(r.stdout);
    process.exit(r.status ?? 1);
  }
  const out = JSON.parse(r.stdout);
  const { summaryText } = require(path.join(root, 'out/src/core/report/html.js'));
  console.log(`\n${summaryText(out.summary)}\n`);

  // the stories, from the results
  const byRun = new Map();
  for (const res of out.results) {
    const rel = path.relative(ws, res.checkpoint).split(path.sep);
    const run = rel.slice(0, 2).join('/');
    if (!byRun.has(run)) byRun.set(run, []);
    byRun.get(run).push(res);
  }
  const last = run => {
    const l = byRun.get(run) || [];
    return l[l.length - 1];
  };
  const lmax = x => (x && x.hessian && x.hessian.top[0] ? x.hessian.top[0].value : NaN);
  const lmin = x => (x && x.hessian && x.hessian.bottom && x.hessian.bottom[0] ? x.hessian.bottom[0].value : NaN);
  const sharp = x => {
    const k = x && x.sharpness && x.sharpness.keskar;
    return k && k.length ? (k.find(e => e.subspace === null) || k[0]).value : NaN;
  };
  const f = (v, d = 4) => (Number.isFinite(v) ? v.toPrecision(d) : '—');
  const sb = last('runs/small-batch'),
    lb = last('runs/large-batch'),
    sd = last('runs/saddle');
  console.log('The stories:');
  console.log(
    `  1. Large batch → sharper minimum (Keskar et al., ICLR 2017): final λ_max ${f(lmax(lb))} (large batch) vs ${f(lmax(sb))} (small batch), ×${f(lmax(lb) / lmax(sb), 3)};` +
      ` ε-sharpness ${f(sharp(lb), 3)} vs ${f(sharp(sb), 3)}, ×${f(sharp(lb) / sharp(sb), 3)}; training losses ${f(lb && lb.loss, 3)} vs ${f(sb && sb.loss, 3)}; verdicts ${lb && lb.verdict ? lb.verdict.kind : '—'} / ${sb && sb.verdict ? sb.verdict.kind : '—'}.`,
  );
  console.log(
    `  2. A saddle: runs/saddle ends with ‖∇L‖ = ${f(sd && sd.gradNorm, 3)} and a negative eigenvalue λ_min = ${f(lmin(sd), 3)} — verdict: ${sd && sd.verdict ? sd.verdict.kind : '—'}.`,
  );
  const sn = byRun.get('runs/special-neurons') || [];
  const as = sn.map(x => (x.specialNeurons ? x.specialNeurons.maxAbsA : NaN));
  const peak = Math.max(...as.filter(Number.isFinite));
  const s0 = sn[0];
  console.log(
    `  3. Special neurons (Kawaguchi & Kaelbling, AISTATS 2020): the stuck ReLU network with the neurons added (a = 0, same outputs) is no longer a minimum: λ_min = ${f(lmin(s0), 3)}, verdict ${s0 && s0.verdict ? s0.verdict.kind : '—'}.` +
      ` Fine-tuning: max|a_k| ${as.map(a => f(a, 2)).join(' → ')} — rises from 0 while the neuron takes the fit, peaks at ${f(peak, 3)}, falls back to ${f(as[as.length - 1], 3)} as the penalty wins (why not to 0 here: examples/demo-workspace/README.md).`,
  );
  console.log(`\nreport: ${path.relative(process.cwd(), html)} (open it in a browser; no network needed)`);
  console.log(
    `open the folder in VS Code with the extension to see the same in the runs tree and the dashboard: code ${path.relative(process.cwd(), ws) || '.'}`,
  );
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
})().catch(e => {
  console.error(e);
  process.exit(1);
});
