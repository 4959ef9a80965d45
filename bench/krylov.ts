/**
 * Krylov benchmark (`npm run bench -- krylov`): on the reference MLP (784-256-128-10, 1,000 samples,
 * 235,146 parameters) with the native engine, side by side in one run:
 *  - one HVP (median);
 *  - top-20 Lanczos: per step, the HVP and the method's own arithmetic (reorthogonalisation in the
 *    float32 workspace), with the ORT GEMV sweeps and with the JS loops only;
 *  - the trace to 1 %: XTrace against Hutch++, HVPs spent and the error each reports.
 * Ratios within this run are the figures; absolute times depend on the machine's load.
 */
import { makeReferenceTask } from './reference';
import { initBackend } from '../src/core/backend';
import { readCheckpoint } from '../src/core/formats';
import { loadDataset } from '../src/core/data/dataset';
import { resolveLoss } from '../src/core/loss';
import { makeObjective } from '../src/core/engine';
import type { Objective } from '../src/core/objective';
import { hessianOperator } from '../src/core/diagnostics/hessian';
import { lanczosExtremes } from '../src/core/linalg/lanczos';
import { xtrace } from '../src/core/linalg/xtrace';
import { hutchPlusPlus } from '../src/core/linalg/trace';
import { ortStats } from '../src/core/linalg/workspace';

/** The objective with the time spent inside its products accumulated. */
function timed(obj: Objective): Objective & { ms: number } {
  const w = Object.create(obj) as Objective & { ms: number };
  w.ms = 0;
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t = performance.now();
      try {
        return await f.apply(obj, a);
      } finally {
        w.ms += performance.now() - t;
      }
    };
  w.hvp = wrap(obj.hvp);
  w.hvpBlock = wrap(obj.hvpBlock);
  return w;
}

export async function run(): Promise<void> {
  console.log('\n== Krylov arithmetic and estimators: reference MLP 784-256-128-10, 1,000 samples (native engine) ==');
  await initBackend('cpu'); // the reference task is built and trained with TF.js
  const task = await makeReferenceTask();
  const model = readCheckpoint(task.checkpoint);
  const data = loadDataset(task.data);
  const engine = await makeObjective(model, data, resolveLoss(model, data), { backend: 'ort' });
  const obj = engine.obj,
    theta = model.theta,
    n = obj.numParams;
  try {
    const v = new Float32Array(n).map((_, i) => Math.sin(i));
    await obj.hvp(theta, v);
    const ts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await obj.hvp(theta, v);
      ts.push(performance.now() - t);
    }
    const hvpMs = ts.sort((a, b) => a - b)[2];
    console.log(`one HVP (median of 5): ${hvpMs.toFixed(1)} ms`);
    for (const ort of [true, false]) {
      ortStats.enabled = ort;
      const o = timed(obj);
      const counter = { n: 0 };
      const t = performance.now();
      const r = await lanczosExtremes(hessianOperator(o, theta, counter), { top: 20, tol: 1e-3, seed: 1 });
      const ms = performance.now() - t;
      const step = ms / r.matvecs,
        arith = (ms - o.ms) / r.matvecs;
      console.log(
        `top-20 Lanczos (${ort ? 'ORT GEMV sweeps' : 'JS loops only'}): ${r.matvecs} steps, ${step.toFixed(1)} ms per step = ` +
          `HVP ${(o.ms / r.matvecs).toFixed(1)} + arithmetic ${arith.toFixed(1)} ms (${(step / hvpMs).toFixed(2)}× one HVP)`,
      );
    }
    ortStats.enabled = true;
    for (const [name, f] of [
      ['XTrace', (op: ReturnType<typeof hessianOperator>) => xtrace(op, { relTol: 0.01, matvecs: 150, seed: 2 })],
      ['Hutch++', (op: ReturnType<typeof hessianOperator>) => hutchPlusPlus(op, { relTol: 0.01, matvecs: 150, seed: 2 })],
    ] as const) {
      const o = timed(obj);
      const counter = { n: 0 };
      const t = performance.now();
      const r = await f(hessianOperator(o, theta, counter));
      const ms = performance.now() - t;
      console.log(
        `trace to 1 % by ${name}: ${r.estimate.toFixed(3)} ± ${r.stderr.toFixed(3)} (${((100 * r.stderr) / Math.abs(r.estimate)).toFixed(2)} %), ` +
          `${counter.n} HVPs, ${r.converged ? 'converged' : 'unresolved'}; ${(ms / 1000).toFixed(2)} s = HVPs ${(o.ms / 1000).toFixed(2)} s + arithmetic ${((ms - o.ms) / 1000).toFixed(2)} s`,
      );
    }
  } finally {
    obj.dispose();
    data.close?.();
  }
}

if (require.main === module) run().catch(e => (console.error(e), process.exit(1)));
