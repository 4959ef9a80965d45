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
import { hessianSpectrum } from '../src/core/diagnostics/hessian';

async function median(n: number, f: () => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  await f(); // warm-up
  for (let i = 0; i < n; i++) { const t = performance.now(); await f(); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

export async function run(opts: { backends?: string[]; full?: string[] } = {}): Promise<void> {
  await initBackend('cpu');
  console.log('\n== Curvature engine: reference MLP 784-256-128-10 (ReLU, softmax CE), 1,000 samples ==');
  const t0 = performance.now();
  const task = await makeReferenceTask();
  console.log(`reference task built and trained in ${((performance.now() - t0) / 1000).toFixed(1)} s (${task.dir})`);
  const backends = opts.backends ?? ['wasm', 'cpu'];
  const full = new Set(opts.full ?? ['wasm']);
  const rows: string[][] = [];
  for (const b of backends) {
    let info;
    try { info = await initBackend(b as 'wasm'); } catch (e) { console.log(`backend ${b}: unavailable (${(e as Error).message})`); continue; }
    const model = readCheckpoint(task.checkpoint);
    const data = loadDataset(task.data);
    const obj = new TfObjective(model, data, resolveLoss(model, data), { chunkSize: 1000 });
    const theta = model.theta;
    const v = new Float32Array(model.numParams).map((_, i) => Math.sin(i));
    const reps = full.has(b) ? 5 : 3;
    const lossMs = await median(reps, () => obj.loss(theta));
    const gradMs = await median(reps, () => obj.valueAndGradient(theta));
    const hvpMs = await median(reps, () => obj.hvp(theta, v));
    const prof = await tf.profile(async () => { await obj.hvp(theta, v); });
    const paramBytes = model.numParams * 4;
    const chunkActBytes = 1000 * (784 + 256 + 128 + 10) * 4;
    const label = backendLabel(info);
    rows.push([label, 'loss', lossMs.toFixed(1) + ' ms', '', '']);
    rows.push([label, 'gradient', gradMs.toFixed(1) + ' ms', '', '']);
    rows.push([label, 'HVP', hvpMs.toFixed(1) + ' ms', '', `HVP/grad = ${(hvpMs / gradMs).toFixed(2)} (target ≤ 2.2); peak ${(prof.peakBytes / 2 ** 20).toFixed(1)} MiB = ${((prof.peakBytes - chunkActBytes) / paramBytes).toFixed(2)}× params + 1 chunk's activations (target ≤ 6×)`]);
    const spec = async (name: string, o: Parameters<typeof hessianSpectrum>[2]) => {
      const t = performance.now();
      const h = await hessianSpectrum(obj, theta, { seed: 0, ...o });
      const ms = performance.now() - t;
      let detail = '';
      if (h.top.length) detail += `top ${h.top.map(e => e.value.toPrecision(5)).join(', ')} (max rel. residual ${Math.max(...h.top.map(e => e.residual / Math.abs(h.top[0].value))).toExponential(1)})`;
      if (h.bottom.length) detail += ` bottom ${h.bottom.map(e => e.value.toPrecision(4)).join(', ')}`;
      if (h.trace) detail += `trace ${h.trace.estimate.toPrecision(5)} ± ${h.trace.stderr.toPrecision(2)} (${(100 * h.trace.stderr / Math.abs(h.trace.estimate)).toFixed(2)} %)`;
      if (h.density) detail += `density: ${h.density.nodes.length} probes, support [${h.density.grid[0].toPrecision(3)}, ${h.density.grid[h.density.grid.length - 1].toPrecision(3)}]`;
      rows.push([label, name, (ms / 1000).toFixed(2) + ' s', String(h.hvps), detail]);
    };
    if (full.has(b)) {
      await spec('top-1', { top: 1 });
      await spec('top-5', { top: 5 });
      await spec('bottom-1', { bottom: 1 });
      await spec('trace 1%', { trace: true });
      await spec('density', { density: true });
    }
    obj.dispose();
  }
  const w = [0, 1, 2, 3].map(i => Math.max(...rows.map(r => r[i].length), ['backend', 'measure', 'time', 'HVPs'][i].length));
  console.log(['backend', 'measure', 'time', 'HVPs'].map((h, i) => h.padEnd(w[i])).join('  ') + '  notes');
  for (const r of rows) console.log(r.slice(0, 4).map((c, i) => c.padEnd(w[i])).join('  ') + '  ' + r[4]);
  console.log('Reference (issue figures, same machine kind): PyTorch 1.13 HVP ≈ 12 ms; PyHessian top-5: 84–113 HVPs (2.3–3.6 s), unsorted and seed-dependent.');
}
