/**
 * Krylov benchmark (`npm run bench -- krylov`): on the reference MLP (784-256-128-10, 1,000 samples,
 * 235,146 parameters) with the native engine, side by side in one run, each method's time split into
 * its HVPs, its own arithmetic (reorthogonalisation, QR, projections, Ritz vectors) and the creation of
 * the matrix-product sessions (../src/core/native/dense.ts; once per process):
 *  - one HVP (median);
 *  - top-20 Lanczos: per step, with the ORT GEMV/GEMM arithmetic and with the JS loops only, and
 *    thick-restarted in a 30-vector workspace;
 *  - the trace to 1 %: XTrace against Hutch++, HVPs spent and the error each reports;
 *  - the density: SLQ, 4 probes × 40 steps, the first probe the spectrum's Lanczos run.
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
import { slqDensity } from '../src/core/linalg/slq';
import { gemmStats } from '../src/core/native/dense';

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
    const fmt = (x: number) => (x / 1000).toFixed(2);
    /** runs f on a timed operator and prints HVPs, HVP time, arithmetic and session creation */
    const measure = async <R>(label: string, f: (op: ReturnType<typeof hessianOperator>) => Promise<R>, tail: (r: R) => string) => {
      const o = timed(obj);
      const counter = { n: 0 };
      const s0 = gemmStats.sessionMs,
        g0 = gemmStats.ort;
      const t = performance.now();
      const r = await f(hessianOperator(o, theta, counter));
      const ms = performance.now() - t,
        sess = gemmStats.sessionMs - s0;
      console.log(
        `${label}: ${counter.n} HVPs, ${fmt(ms)} s = HVPs ${fmt(o.ms)} s + arithmetic ${fmt(ms - o.ms - sess)} s + session creation ${fmt(sess)} s ` +
          `(${gemmStats.ort - g0} ORT matrix products; ${(ms / hvpMs).toFixed(0)} HVPs of time)${tail(r)}`,
      );
      return { r, ms, hvpMs: o.ms, n: counter.n };
    };
    let krylov: { alpha: number[]; beta: number[] } | undefined;
    for (const [label, ort, ncv] of [
      ['top-20 Lanczos, ORT GEMV/GEMM arithmetic', true, undefined],
      ['top-20 Lanczos, JS loops only', false, undefined],
      ['top-20 Lanczos, ORT, thick restart in 30 vectors', true, 30],
    ] as const) {
      ortStats.enabled = gemmStats.enabled = ort;
      const m = await measure(
        label,
        op => lanczosExtremes(op, { top: 20, tol: 1e-3, seed: 1, ncv, returnVectors: true }),
        r => `; ${r.restarts} restarts, λ1 ${r.top[0].value.toFixed(4)}, λ20 ${r.top[19].value.toFixed(4)}`,
      );
      if (ort && ncv === undefined) krylov = { alpha: m.r.alpha, beta: m.r.beta };
      const step = m.ms / m.n,
        arith = (m.ms - m.hvpMs) / m.n;
      console.log(
        `  per step ${step.toFixed(1)} ms = HVP ${(m.hvpMs / m.n).toFixed(1)} + arithmetic ${arith.toFixed(1)} ms (${(step / hvpMs).toFixed(2)}× one HVP)`,
      );
    }
    ortStats.enabled = gemmStats.enabled = true;
    for (const [name, f] of [
      ['XTrace', (op: ReturnType<typeof hessianOperator>) => xtrace(op, { relTol: 0.01, matvecs: 150, seed: 2 })],
      ['Hutch++', (op: ReturnType<typeof hessianOperator>) => hutchPlusPlus(op, { relTol: 0.01, matvecs: 150, seed: 2 })],
    ] as [string, (op: ReturnType<typeof hessianOperator>) => Promise<{ estimate: number; stderr: number; converged: boolean }>][])
      await measure(
        `trace to 1 % by ${name}`,
        f,
        r =>
          `; ${r.estimate.toFixed(3)} ± ${r.stderr.toFixed(3)} (${((100 * r.stderr) / Math.abs(r.estimate)).toFixed(2)} %), ${r.converged ? 'converged' : 'unresolved'}`,
      );
    await measure(
      'density by SLQ (4 probes × 40 steps, the first from top-20 Lanczos)',
      op => slqDensity(op, { probes: 4, steps: 40, seed: 3, first: krylov }),
      r => `; ${r.nodes.length} probes`,
    );
    if (process.env.KRYLOV_TRACE_STUDY) {
      // is XTrace's stopping too conservative? its error estimate along one long run (budget 400) against the run's final estimate
      for (const seed of [5, 6]) {
        const path: { hvps: number; estimate: number; stderr: number }[] = [];
        const counter = { n: 0 };
        const r = await xtrace(hessianOperator(obj, theta, counter), {
          relTol: 0,
          matvecs: 400,
          seed,
          onProgress: p => {
            const q = p.partial as { estimate: number; stderr: number } | undefined;
            if (q) path.push({ hvps: p.done, estimate: q.estimate, stderr: q.stderr });
          },
        });
        console.log(
          `XTrace seed ${seed}, 400 HVPs: ${r.estimate.toFixed(4)} ± ${r.stderr.toFixed(4)}; along the way (HVPs: estimate ± stderr, |error vs the final| / stderr):`,
        );
        for (const q of path)
          console.log(
            `  ${q.hvps}: ${q.estimate.toFixed(4)} ± ${q.stderr.toFixed(4)} (${((100 * q.stderr) / Math.abs(q.estimate)).toFixed(2)} %), ` +
              `error ${((100 * Math.abs(q.estimate - r.estimate)) / Math.abs(r.estimate)).toFixed(2)} % = ${(Math.abs(q.estimate - r.estimate) / q.stderr).toFixed(2)} stderr`,
          );
      }
    }
  } finally {
    obj.dispose();
    data.close?.();
  }
}

if (require.main === module) run().catch(e => (console.error(e), process.exit(1)));
