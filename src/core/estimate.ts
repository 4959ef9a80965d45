/**
 * The cost of a diagnosis before it runs: how many Hessian-vector products (HVPs) the options plan,
 * how long they take at a measured HVP time, and the memory they hold. Counts are the budgets'
 * upper bounds, read from the diagnostics' own defaults (Lanczos stops early when it converges,
 * Hutch++ when its error is small enough): an estimate, never a promise.
 *
 *  - Lanczos (top / bottom eigenvalues): min(n, maxIter ?? max(100, 10·(top + bottom))), where the
 *    quick mode's λ_min estimate counts as bottom = 1 (src/core/linalg/lanczos.ts);
 *  - trace (Hutch++): traceHvps (default 150); density (SLQ): probes × min(n, steps) (4 × 40);
 *  - eigenvector slices: another top-1/bottom-1 Lanczos; per-layer curvature: a top-1 Lanczos,
 *    n unit vectors (n ≤ 200) or 30 probes, and 40 Lanczos steps per layer;
 *  - PGB: (perturbations + 1) × iterations (3 + 1) × 60, one JVP and one VJP each;
 *  - sharpness: 4 ε-sharpness runs of 20 gradients and 20 losses, 6 ASAM gradients, PAC-Bayes
 *    2·(16 + 8)·10 losses; slices: 51 (1-D) and 625 (2-D) losses.
 * Time: HVPs × the measured HVP time, plus the other evaluations at assumed fractions of an HVP
 * (gradient, JVP, VJP ½; loss ¼: one forward pass against an HVP's four).
 * Memory: the Krylov vectors the longest phase keeps (float64), a few θ-sized float32 buffers, and
 * one chunk's activations for double backprop (when the layer widths are known).
 */
import { fmtDuration, fmtBytes } from '../shared/format';
import type { DiagnoseOptions } from './diagnose';

export interface HvpPlan { lanczos: number; trace: number; density: number; eigSlices: number; layerCurvature: number; total: number }
export interface EvalPlan { gradients: number; losses: number; jvpVjp: number }

export const RELATIVE_COST = { gradient: 0.5, loss: 0.25, jvpVjp: 0.5 } as const;

type PlanOptions = Pick<DiagnoseOptions, 'top' | 'bottom' | 'maxIter' | 'trace' | 'traceHvps' | 'density' | 'densityProbes' | 'densitySteps' | 'slices' | 'layerCurvature' | 'pgb' | 'pgbIterations' | 'pgbPerturbations' | 'sharpness'>;

/** HVPs planned by the options for a model of n parameters and `layers` parameterised layers. */
export function planHvps(o: PlanOptions, n: number, layers = 1): HvpPlan {
  const top = o.top ?? 0, bottom = o.bottom ?? 0;
  const bottomEff = bottom > 0 ? bottom : top > 0 ? 1 : 0;
  const lanczos = top > 0 || bottom > 0 ? Math.min(n, o.maxIter ?? Math.max(100, 10 * (top + bottomEff))) : 0;
  const trace = o.trace ? (o.traceHvps ?? 150) : 0;
  const density = o.density ? (o.densityProbes ?? 4) * Math.min(n, o.densitySteps ?? 40) : 0;
  const eigSlices = o.slices?.includes('eig') ? Math.min(n, 100) : 0;
  const layerCurvature = o.layerCurvature ? Math.min(n, 100) + (n <= 200 ? n : 30) + layers * 40 : 0;
  return { lanczos, trace, density, eigSlices, layerCurvature, total: lanczos + trace + density + eigSlices + layerCurvature };
}

/** Gradients, losses and JVP/VJPs planned besides the HVPs. */
export function planEvaluations(o: PlanOptions): EvalPlan {
  let gradients = 1, losses = 0, jvpVjp = 0;
  if (o.sharpness) { gradients += 4 * 20 + 6; losses += 4 * 20 + 2 * (16 + 8) * 10; }
  if (o.slices?.includes('1d')) losses += 51;
  if (o.slices?.includes('2d')) losses += 625;
  if (o.pgb) jvpVjp += 2 * ((o.pgbPerturbations ?? 3) + 1) * (o.pgbIterations ?? 60);
  return { gradients, losses, jvpVjp };
}

export interface CostInputs {
  params: number;
  /** parameterised layers (per-layer curvature) */
  layers?: number;
  /** measured time of one HVP on this checkpoint (ms); undefined: no time estimate */
  hvpMs?: number;
  /** samples per chunk and activations per sample (sum of the layer widths), for the activation memory */
  chunk?: number;
  activationsPerSample?: number;
}

export interface CostEstimate { hvps: HvpPlan; evaluations: EvalPlan; hvpEquivalents: number; seconds?: number; memoryBytes: number }

export function estimateCost(o: PlanOptions, c: CostInputs): CostEstimate {
  const n = Math.max(1, c.params);
  const hvps = planHvps(o, n, c.layers ?? 1);
  const evaluations = planEvaluations(o);
  const hvpEquivalents = hvps.total + RELATIVE_COST.gradient * evaluations.gradients + RELATIVE_COST.loss * evaluations.losses + RELATIVE_COST.jvpVjp * evaluations.jvpVjp;
  const seconds = c.hvpMs !== undefined && Number.isFinite(c.hvpMs) && c.hvpMs >= 0 ? (hvpEquivalents * c.hvpMs) / 1000 : undefined;
  // the phase that keeps the most float64 n-vectors: Lanczos (its basis), one SLQ probe, Hutch++ (sketch and its product)
  const krylov = Math.max(hvps.lanczos, o.density ? Math.min(n, o.densitySteps ?? 40) : 0, o.trace ? Math.ceil((2 * hvps.trace) / 3) : 0, hvps.eigSlices);
  const vectors = krylov * n * 8 + 12 * n * 4;
  const activations = c.chunk && c.activationsPerSample ? c.chunk * c.activationsPerSample * 4 * 4 : 0;
  return { hvps, evaluations, hvpEquivalents, seconds, memoryBytes: vectors + activations };
}

/** Ask before running? Only when a time could be estimated and it exceeds the threshold (0: never ask). */
export function shouldConfirm(e: CostEstimate, confirmAboveSeconds: number): boolean {
  return confirmAboveSeconds > 0 && e.seconds !== undefined && e.seconds > confirmAboveSeconds;
}

/** The measured time of one HVP in a result (its Hessian phase: ms / HVPs), if it has one. */
export function measuredHvpMs(r: { hessian?: { ms?: number; hvps?: number }; counts?: { hvp?: number }; timings?: { hessianMs?: number } } | undefined): number | undefined {
  if (!r) return undefined;
  if (r.hessian?.ms && r.hessian.hvps) return r.hessian.ms / r.hessian.hvps;
  if (r.timings?.hessianMs && r.counts?.hvp) return r.timings.hessianMs / r.counts.hvp;
  return undefined;
}

/** One line: "about 1,234 HVPs (Lanczos 100, trace 150, …), about 3 min, about 12 MB". */
export function describeCost(e: CostEstimate, times = 1): string {
  const parts = (Object.entries(e.hvps) as [keyof HvpPlan, number][]).filter(([k, v]) => k !== 'total' && v > 0).map(([k, v]) => `${k} ${v * times}`);
  return `about ${(e.hvps.total * times).toLocaleString('en-US')} HVPs${parts.length ? ` (${parts.join(', ')})` : ''}`
    + `${e.seconds !== undefined ? `, about ${fmtDuration(e.seconds * times)}` : ', time unknown (no measured HVP yet)'}, about ${fmtBytes(e.memoryBytes)} of memory`;
}

/**
 * What to tell the user before `jobs` diagnoses of this estimate each: the message (logged always)
 * and whether to ask (the total time exceeds `confirmAboveSeconds`; 0 = never ask).
 */
export function costPrompt(e: CostEstimate, jobs: number, confirmAboveSeconds: number, what: string): { ask: boolean; message: string; seconds?: number } {
  const seconds = e.seconds !== undefined ? e.seconds * jobs : undefined;
  const ask = confirmAboveSeconds > 0 && seconds !== undefined && seconds > confirmAboveSeconds;
  const each = jobs > 1 ? ` (${jobs} checkpoints)` : '';
  return { ask, seconds, message: `${what}${each}: ${describeCost(e, jobs)}${ask ? ` — more than the ${fmtDuration(confirmAboveSeconds)} of landscapeLens.confirmAboveSeconds` : ''}.` };
}
