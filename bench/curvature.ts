/**
 * Curvature-engine benchmark (`npm run bench`): on the reference task, side by side in one run
 * and on every available backend: one loss, one gradient, one HVP (medians), top-1, top-5,
 * bottom-1 eigenvalues, trace to 1 % (Hutch++), and a density; HVP counts and the ratio
 * HVP / gradient, and the peak TF.js memory of one HVP relative to the parameter bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeReferenceTask } from './reference';
import { initBackend, backendLabel } from '../src/core/backend';
import { readCheckpoint } from '../src/core/formats';
import { loadDataset } from '../src/core/data/dataset';
import { resolveLoss } from '../src/core/loss';
import { TfObjective } from '../src/core/objective';
import { hessianSpectrum, hessianOperator } from '../src/core/diagnostics/hessian';
import { powerIterationTopK } from './powerIteration';
import { median } from './timing';

export async function run(opts: { backends?: string[]; full?: string[] } = {}): Promise<void> {
  await initBackend('cpu');
  console.log('\n== Curvature engine: reference MLP 784-256-128-10 (ReLU, softmax CE), 1,000 samples ==');
  const t0 = performance.now();
  const task = await makeReferenceTask();
  console.log(`reference task built and trained in ${((performance.now() - t0) / 1000).toFixed(1)} s (${task.dir})`);
  const backends = opts.backends ?? ['wasm', 'cpu'];
  const full = new Set(opts.full ?? ['wasm']);
  const rows: string[][] = [];
  const targets: [string, boolean, string][] = [];
  const profileLines: string[] = [];
  for (const b of backends) {
    let info;
    try {
      info = await initBackend(b as 'wasm');
    } catch (e) {
      console.log(`backend ${b}: unavailable (${(e as Error).message})`);
      continue;
    }
    const model = readCheckpoint(task.checkpoint);
    const data = loadDataset(task.data);
    const obj = new TfObjective(model, data, resolveLoss(model, data), { chunkSize: 1000 });
    const theta = model.theta;
    const v = new Float32Array(model.numParams).map((_, i) => Math.sin(i));
    const reps = full.has(b) ? 5 : 3;
    const lossMs = await median(reps, () => obj.loss(theta));
    const gradMs = await median(reps, () => obj.valueAndGradient(theta));
    const hvpMs = await median(reps, () => obj.hvp(theta, v));
    // memory: peak bytes of one HVP at two chunk sizes separates the parameter-sized part from
    // the part that scales with one chunk's activations: peak(c) = p + c·a
    const peakOf = async (chunk: number) => {
      const o = chunk === 1000 ? obj : new TfObjective(model, data, resolveLoss(model, data), { chunkSize: chunk });
      await o.hvp(theta, v);
      const base = tf.memory().numBytes;
      const pr = await tf.profile(async () => {
        await o.hvp(theta, v);
      });
      if (o !== obj) o.dispose();
      return { peak: pr.peakBytes - base, prof: pr };
    };
    const m1000 = await peakOf(1000),
      m250 = await peakOf(250);
    const perRow = (m1000.peak - m250.peak) / 750;
    const paramPart = m1000.peak - 1000 * perRow;
    const paramBytes = model.numParams * 4;
    const actBytesPerRow = (784 + 256 + 128 + 10) * 4; // one row's forward activations (input included)
    const label = backendLabel(info);
    rows.push([label, 'loss', lossMs.toFixed(1) + ' ms', '', '']);
    rows.push([label, 'gradient', gradMs.toFixed(1) + ' ms', '', '']);
    rows.push([label, 'HVP', hvpMs.toFixed(1) + ' ms', '', `HVP/grad = ${(hvpMs / gradMs).toFixed(2)} (target ≤ 2.2)`]);
    rows.push([
      label,
      'HVP memory',
      (m1000.peak / 2 ** 20).toFixed(1) + ' MiB',
      '',
      `above resident data, chunk 1000: ${(Math.max(paramPart, 0) / paramBytes).toFixed(1)}× params + ${(perRow / actBytesPerRow).toFixed(1)}× one chunk's forward activations (target ≤ 6× params + 1× activations)`,
    ]);
    targets.push([`${label}: HVP ≤ 2.2× gradient`, hvpMs / gradMs <= 2.2, `${(hvpMs / gradMs).toFixed(2)}×`]);
    targets.push([
      `${label}: HVP memory ≤ 6× params + one chunk's activations`,
      m1000.peak <= 6 * paramBytes + 1000 * actBytesPerRow,
      `${(m1000.peak / 2 ** 20).toFixed(1)} MiB vs ${((6 * paramBytes + 1000 * actBytesPerRow) / 2 ** 20).toFixed(1)} MiB allowed: the activation-sized part is ${(perRow / actBytesPerRow).toFixed(1)}× (double backprop keeps the first backward pass's activation-sized tensors, transposed inputs and tape copies, alive for the second; smaller --chunk-size trades it for time)`,
    ]);
    if (full.has(b)) {
      // where the time of one HVP goes, by kernel (wall time of each kernel call)
      const byKernel = new Map<string, { ms: number; n: number }>();
      for (const k of m1000.prof.kernels) {
        const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
        e.ms += t;
        e.n++;
        byKernel.set(k.name, e);
      }
      const total = [...byKernel.values()].reduce((a, e) => a + e.ms, 0);
      profileLines.push(
        `${label} — one HVP by kernel (${total.toFixed(0)} ms of kernel time): ` +
          [...byKernel]
            .sort((a, b) => b[1].ms - a[1].ms)
            .slice(0, 8)
            .map(([n, e]) => `${n} ${((100 * e.ms) / total).toFixed(0)}% (${e.n}×)`)
            .join(', '),
      );
    }
    const spec = async (name: string, o: Parameters<typeof hessianSpectrum>[2]) => {
      const t = performance.now();
      const h = await hessianSpectrum(obj, theta, { seed: 0, ...o });
      const ms = performance.now() - t;
      let detail = '';
      if (h.top.length)
        detail += `top ${h.top.map(e => e.value.toPrecision(5)).join(', ')} (max rel. residual ${Math.max(...h.top.map(e => e.residual / Math.abs(h.top[0].value))).toExponential(1)})`;
      if (h.bottom.length) detail += ` bottom ${h.bottom.map(e => e.value.toPrecision(4)).join(', ')}`;
      if (h.trace)
        detail += `trace ${h.trace.estimate.toPrecision(5)} ± ${h.trace.stderr.toPrecision(2)} (${((100 * h.trace.stderr) / Math.abs(h.trace.estimate)).toFixed(2)} %)`;
      if (h.density)
        detail += `density: ${h.density.nodes.length} probes, support [${h.density.grid[0].toPrecision(3)}, ${h.density.grid[h.density.grid.length - 1].toPrecision(3)}]`;
      rows.push([label, name, (ms / 1000).toFixed(2) + ' s', String(h.hvps), detail]);
      return h;
    };
    if (full.has(b)) {
      await spec('top-1', { top: 1 });
      const t5 = await spec('top-5', { top: 5 });
      targets.push([
        `${label}: top-5 to 1e-3 relative residual in ≤ 60 HVPs`,
        t5.hvps <= 60 && t5.top.every(e => e.residual <= 1e-3 * Math.abs(t5.top[0].value)),
        `${t5.hvps} HVPs`,
      ]);
      await spec('bottom-1', { bottom: 1 });
      const tr = await spec('trace 1%', { trace: true });
      targets.push([
        `${label}: trace to 1 % in ≤ 50 HVPs (Hutch++)`,
        tr.trace!.hvps <= 50 && tr.trace!.stderr <= 0.01 * Math.abs(tr.trace!.estimate),
        `${tr.trace!.hvps} HVPs (sketch ${10}: the deflated remainder is a wide bulk — its Hutchinson variance, not the top eigenvalues, sets the probe count; see README)`,
      ]);
      await spec('density', { density: true });
      for (const seed of [0, 1]) {
        const counter = { n: 0 };
        const t = performance.now();
        const pi = await powerIterationTopK(hessianOperator(obj, theta, counter), 5, seed);
        const sorted = pi.values.every((x, i) => i === 0 || pi.values[i - 1] >= x);
        rows.push([
          label,
          `PyHessian-style top-5 (seed ${seed})`,
          ((performance.now() - t) / 1000).toFixed(2) + ' s',
          String(pi.matvecs),
          `${pi.values.map(x => x.toPrecision(5)).join(', ')}${sorted ? '' : ' (out of order)'}; vs Lanczos top-5 ${t5.top.map(e => e.value.toPrecision(5)).join(', ')}`,
        ]);
      }
    }
    obj.dispose();
  }
  const w = [0, 1, 2, 3].map(i => Math.max(...rows.map(r => r[i].length), ['backend', 'measure', 'time', 'HVPs'][i].length));
  console.log(['backend', 'measure', 'time', 'HVPs'].map((h, i) => h.padEnd(w[i])).join('  ') + '  notes');
  for (const r of rows)
    console.log(
      r
        .slice(0, 4)
        .map((c, i) => c.padEnd(w[i]))
        .join('  ') +
        '  ' +
        r[4],
    );
  for (const l of profileLines) console.log(l);
  console.log('\nTargets:');
  for (const [name, ok, detail] of targets) console.log(`  ${ok ? 'MET   ' : 'MISSED'} ${name}: ${detail}`);
  console.log(
    'Reference (issue figures, same machine kind): PyTorch 1.13 HVP ≈ 12 ms; PyHessian top-5: 84–113 HVPs (2.3–3.6 s), unsorted and seed-dependent.',
  );
}
