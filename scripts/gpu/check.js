#!/usr/bin/env node
// The GPU check (issue 26), run by scripts/gpu/run.sh with the node it unpacked: on the reference MLP's shape
// (784-256-128-10, 1,000 samples) and a small CNN (3×32×32, two conv+pool stages, 256 samples), the GPU
// execution provider's loss, gradient and H·v equal the CPU provider's to 1e-4 relative (float32 on both
// sides, different reduction orders), and a speed table: gradient and HVP milliseconds per provider, the
// median of --reps timed calls after 2 warm-up calls (session creation and first-run compilation excluded).
// A provider that cannot start (no GPU adapter, a missing library) is one clear line, not a silent CPU run:
// ONNX Runtime would otherwise fall back to the CPU. Exit 0 only when every GPU provider asked for ran and
// agreed; the CPU rows print in any case.
//
//   node scripts/gpu/check.js [--engine dist/gpu-engine.js] [--providers webgpu[,cuda]] [--tasks mlp,cnn] [--reps 7]
'use strict';
const fs = require('fs');
const path = require('path');

const TOL = 1e-4;

function parseArgs(argv) {
  const o = { engine: path.resolve(__dirname, '..', '..', 'dist', 'gpu-engine.js'), providers: ['webgpu'], tasks: ['mlp', 'cnn'], reps: 7 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i],
      v = argv[i + 1];
    if (v === undefined) throw new Error(`${a} needs a value`);
    i++;
    if (a === '--engine') o.engine = path.resolve(v);
    else if (a === '--providers') o.providers = v.split(',').filter(Boolean);
    else if (a === '--tasks') o.tasks = v.split(',').filter(Boolean);
    else if (a === '--reps') {
      o.reps = Number(v);
      if (!Number.isInteger(o.reps) || o.reps < 1 || o.reps > 1000) throw new Error(`--reps must be an integer from 1 to 1000, not '${v}'`);
    } else throw new Error(`unknown option '${a}' (--engine FILE, --providers webgpu,cuda, --tasks mlp,cnn, --reps N)`);
  }
  for (const p of o.providers) if (!['webgpu', 'cuda'].includes(p)) throw new Error(`--providers: webgpu or cuda, not '${p}'`);
  return o;
}

/** Median of `reps` timed calls after two warm-up calls (ms). */
async function timeIt(reps, f) {
  await f();
  await f();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

/** Why a GPU provider did not start, in one line ("no GPU adapter" when WebGPU found none). */
function whyNot(ep, notices) {
  const text = notices.join('; ');
  const adapter = /Failed to get a WebGPU adapter[^;)]*/.exec(text);
  if (ep === 'webgpu' && (adapter || /adapter/i.test(text))) return `no GPU adapter: WebGPU found none (${adapter ? adapter[0] : text})`;
  return `${ep} could not start (${text || 'no reason given'})`;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`gpu check: ${e.message}`);
    process.exit(2);
  }
  if (!fs.existsSync(o.engine)) {
    console.error(`gpu check: ${o.engine} is missing (node scripts/gpu/pack.js bundles it; run.sh unpacks it)`);
    process.exit(2);
  }
  const E = require(o.engine);
  if (!E.loadOrt()) {
    console.error(`gpu check: onnxruntime-node does not load: ${E.ortLoadError()}`);
    process.exit(1);
  }
  console.log(`node ${process.version}, onnxruntime ${E.ortVersion()}, ${process.platform}-${process.arch}`);
  console.log(
    `GPU device nodes: ${['/dev/nvidia0', '/dev/dri/renderD128'].filter(f => fs.existsSync(f)).join(', ') || 'none'}; ` +
      `VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES || '(unset)'}`,
  );
  const rows = [];
  const problems = [];
  for (const name of o.tasks) {
    const make = E.TASKS[name];
    if (!make) {
      problems.push(`unknown task '${name}' (${Object.keys(E.TASKS).join(', ')})`);
      continue;
    }
    const { model, data } = make();
    const spec = E.resolveLoss(model, data);
    const theta = model.theta;
    const v = Float32Array.from({ length: model.numParams }, (_, i) => Math.sin(i));
    const label = `${name} (${model.numParams.toLocaleString('en-US')} params, ${data.m} samples)`;
    console.log(`\n── ${label} ──`);
    const cpu = new E.OrtObjective(model, data, spec, { ep: 'cpu' });
    try {
      const ref = await cpu.valueAndGradient(theta);
      const refHv = await cpu.hvp(theta, v);
      console.log(`  cpu     loss ${ref.loss.toPrecision(8)}`);
      rows.push({
        task: name,
        ep: 'cpu',
        grad: await timeIt(o.reps, () => cpu.valueAndGradient(theta)),
        hvp: await timeIt(o.reps, () => cpu.hvp(theta, v)),
        check: 'reference',
      });
      for (const ep of o.providers) {
        let dev;
        try {
          dev = new E.OrtObjective(model, data, spec, { ep });
          const got = await dev.valueAndGradient(theta);
          if (dev.ep !== ep) {
            const why = whyNot(ep, dev.notices);
            console.log(`  ${ep.padEnd(7)} FAILED: ${why}`);
            problems.push(`${name} on ${ep}: ${why}`);
            rows.push({ task: name, ep, check: 'did not start' });
            continue;
          }
          const hv = await dev.hvp(theta, v);
          const errs = {
            loss: Math.abs(got.loss - ref.loss) / Math.max(Math.abs(ref.loss), 1e-30),
            gradient: E.relErr(got.gradient, ref.gradient),
            hvp: E.relErr(hv, refHv),
          };
          const bad = Object.entries(errs).filter(([, e]) => !(e <= TOL));
          const errText = Object.entries(errs)
            .map(([k, e]) => `${k} ${e.toExponential(1)}`)
            .join(', ');
          console.log(`  ${ep.padEnd(7)} loss ${got.loss.toPrecision(8)}; relative difference to the CPU: ${errText} (tolerance ${TOL})`);
          if (bad.length)
            problems.push(`${name} on ${ep}: ${bad.map(([k, e]) => `${k} differs by ${e.toExponential(2)}`).join(', ')} (> ${TOL})`);
          rows.push({
            task: name,
            ep,
            grad: await timeIt(o.reps, () => dev.valueAndGradient(theta)),
            hvp: await timeIt(o.reps, () => dev.hvp(theta, v)),
            check: bad.length ? 'MISMATCH' : `ok (${errText})`,
          });
        } catch (e) {
          const why = String((e && e.message) || e).split('\n')[0];
          console.log(`  ${ep.padEnd(7)} FAILED: ${why}`);
          problems.push(`${name} on ${ep}: ${why}`);
          rows.push({ task: name, ep, check: 'error' });
        } finally {
          if (dev) dev.dispose();
        }
      }
    } finally {
      cpu.dispose();
    }
  }
  console.log(`\n── speed: median of ${o.reps} calls after 2 warm-up calls (ms) ──`);
  console.log(
    `  ${'task'.padEnd(6)}${'provider'.padEnd(10)}${'gradient'.padStart(10)}${'HVP'.padStart(10)}${'HVP vs cpu'.padStart(12)}  check`,
  );
  for (const r of rows) {
    const cpuHvp = rows.find(x => x.task === r.task && x.ep === 'cpu')?.hvp;
    const f = x => (x === undefined ? '—' : x.toFixed(2));
    const ratio = r.hvp !== undefined && cpuHvp ? `${(r.hvp / cpuHvp).toFixed(2)}×` : '—';
    console.log(
      `  ${r.task.padEnd(6)}${r.ep.padEnd(10)}${f(r.grad).padStart(10)}${f(r.hvp).padStart(10)}${ratio.padStart(12)}  ${r.check}`,
    );
  }
  if (problems.length) {
    console.log(`\nGPU check FAILED (${problems.length}):`);
    for (const p of problems) console.log(`  ✘ ${p}`);
    process.exitCode = 1;
  } else console.log(`\nGPU check passed: ${o.providers.join(', ')} equal the CPU provider to ${TOL} on ${o.tasks.join(', ')}`);
}

main().catch(e => {
  console.error(`gpu check: ${(e && e.stack) || e}`);
  process.exit(1);
});
