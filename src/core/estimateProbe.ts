/**
 * Measured pass times for the cost estimate (src/core/estimate.ts, `PassTimes`): one evaluation of each
 * kind the diagnoses run — HVP, loss, gradient, JVP, VJP, and the block passes at the block size the
 * objective chooses — timed on the checkpoint itself after a first call (which creates its session; the
 * time of that first call, less a warm one, is the session cost), the faster of two warm calls; plus the
 * speed of this process' own float64 arithmetic (an axpy over 2^20 elements) and of drawing standard
 * normals. About twenty HVP-equivalents of work; the sessions it creates are the ones the diagnosis uses
 * (cached by content).
 */
import type { Objective } from './objective';
import { Rng } from './rng';
import type { PassTimes } from './estimate';

/** How many vectors one block pass takes here (the objective's choice; 1 when it has no block graphs). */
const BLOCK = 4;

/** The first call (session creation included) and the faster of two more (robust to a busy machine). */
async function timed(f: () => Promise<unknown>): Promise<{ first: number; ms: number }> {
  let t = performance.now();
  await f();
  const first = performance.now() - t;
  let ms = Infinity;
  for (let r = 0; r < 2; r++) {
    t = performance.now();
    await f();
    ms = Math.min(ms, performance.now() - t);
  }
  return { first, ms };
}

/** Fastest of three runs of f (ms). */
function best(f: () => void): number {
  let ms = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    f();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}

export async function measurePassTimes(obj: Objective, theta: Float32Array, signal?: AbortSignal): Promise<PassTimes> {
  const n = theta.length;
  const rng = new Rng(12345);
  const v = Float32Array.from(rng.normalVector(n));
  const rows = (x: Float32Array, b: number) => {
    const out = new Float32Array(b * n);
    for (let j = 0; j < b; j++) out.set(x, j * n);
    return out;
  };
  const out = await obj.outputs(theta, undefined, signal);
  const u = Float32Array.from(out.values, () => rng.normal());
  const hvp = await timed(() => obj.hvp(theta, v, signal));
  const loss = await timed(() => obj.loss(theta, signal));
  const gradient = await timed(() => obj.valueAndGradient(theta, signal));
  const jvp = await timed(() => obj.jvp(theta, v, undefined, signal));
  const vjp = await timed(() => obj.vjp(theta, u, undefined, signal));
  const Th = rows(theta, BLOCK),
    V = rows(v, BLOCK);
  const lossBlock = await timed(() => obj.lossBlock(Th, signal));
  const gradientBlock = await timed(() => obj.gradientBlock(Th, signal));
  const hvpBlock = await timed(() => obj.hvpBlock(theta, V, signal));
  const all = [hvp, loss, gradient, jvp, vjp, lossBlock, gradientBlock, hvpBlock];
  // session creation: what a first call costs beyond a warm one (median over the kinds, never negative)
  const extra = all.map(t => Math.max(0, t.first - t.ms)).sort((a, b) => a - b);
  // float64 arithmetic speed: an axpy over 2^20 elements (touched first: no page faults in the timing),
  // and 2^14 standard normals; each the fastest of three
  const N = 1 << 20,
    x = new Float64Array(N).fill(1),
    y = new Float64Array(N).fill(1);
  const axpyNs =
    (best(() => {
      for (let i = 0; i < N; i++) y[i] += 0.5 * x[i];
    }) *
      1e6) /
    N;
  const normalNs = (best(() => rng.normalVector(1 << 14)) * 1e6) / (1 << 14);
  return {
    hvp: hvp.ms,
    hvpBlock: hvpBlock.ms / BLOCK,
    loss: loss.ms,
    lossBlock: lossBlock.ms / BLOCK,
    gradient: gradient.ms,
    gradientBlock: gradientBlock.ms / BLOCK,
    jvp: jvp.ms,
    vjp: vjp.ms,
    axpyNs,
    normalNs,
    sessionMs: extra[extra.length >> 1],
  };
}

/**
 * `landscape diagnose … --estimate`: the cost of the diagnosis the options ask for, from pass times
 * measured on the checkpoint (a few seconds at most), without running it: the estimate and one line in
 * plain words ("about 12 s, about 300 MB of memory").
 */
export async function estimateDiagnosis(
  opts: import('./diagnostics/options').DiagnoseOptions,
  signal?: AbortSignal,
): Promise<{ estimate: import('./estimate').CostEstimate; passes: PassTimes; text: string }> {
  const { openProblem, engineOptions } = await import('./problem');
  const { fitPreset } = await import('./diagnostics/registry');
  const { estimateCost, describeCost, modelCostInputs } = await import('./estimate');
  const problem = await openProblem({ ...opts, seed: opts.seed ?? 0, engine: engineOptions(opts) });
  try {
    const fitted = fitPreset(opts, problem.model.numParams).opts;
    const passes = await measurePassTimes(problem.engine.obj, problem.model.theta, signal);
    const estimate = estimateCost(fitted, {
      ...modelCostInputs(problem.model.numParams, problem.model.layers, problem.data.m, opts.chunkSize),
      passes,
      specialNeurons: Boolean(problem.model.specialNeurons),
    });
    return { estimate, passes, text: `estimated cost: ${describeCost(estimate)} (pass times measured on this checkpoint)` };
  } finally {
    problem.engine.obj.dispose();
  }
}
