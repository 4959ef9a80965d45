/**
 * The cost of a diagnosis before it runs: how many Hessian-vector products (HVPs) the options plan,
 * how long they take at a measured HVP time, and the memory they hold. Each diagnostic declares its
 * own plan in its registry descriptor (src/core/diagnostics/registry.ts: budgets' upper bounds from
 * its own defaults — Lanczos stops early when it converges, Hutch++ when its error is small enough);
 * this file adds them up: an estimate, never a promise. HVPs shared between diagnostics (the
 * eigenvector slices and per-layer curvature reuse the spectrum's Ritz vectors) are planned once.
 * Time: HVPs × the measured HVP time, plus the other evaluations at assumed fractions of an HVP
 * (gradient, JVP, VJP ½; loss ¼: one forward pass against an HVP's four).
 * Memory: the Krylov vectors the longest phase keeps (float32: the workspace of src/core/linalg/workspace.ts
 * stores the Hessian's Krylov vectors in the objective's precision), a few θ-sized float32 buffers, and
 * one chunk's activations for double backprop (when the layer widths are known).
 */
import { fmtDuration, fmtBytes } from '../shared/format';
import type { DiagnoseOptions } from './diagnostics/options';
import { plannedDiagnostics, type Plan } from './diagnostics/registry';

export interface HvpPlan {
  lanczos: number;
  trace: number;
  density: number;
  eigSlices: number;
  layerCurvature: number;
  total: number;
}
export interface EvalPlan {
  gradients: number;
  losses: number;
  jvpVjp: number;
}

export const RELATIVE_COST = { gradient: 0.5, loss: 0.25, jvpVjp: 0.5 } as const;

type PlanOptions = Omit<DiagnoseOptions, 'checkpoint' | 'data'>;

/** Each enabled diagnostic's plan, by registry id. */
export function plans(o: PlanOptions, n: number, layers = 1, specialNeurons = false): Record<string, Plan> {
  const opts = o as DiagnoseOptions;
  return Object.fromEntries(plannedDiagnostics(opts, specialNeurons).map(d => [d.id, d.plan?.(opts, n, layers) ?? {}]));
}

/** HVPs planned by the options for a model of n parameters and `layers` parameterised layers. */
export function planHvps(o: PlanOptions, n: number, layers = 1): HvpPlan {
  const p = plans(o, n, layers);
  const h = (id: string) => p[id]?.hvps ?? 0;
  const plan = {
    lanczos: h('spectrum'),
    trace: h('trace'),
    density: h('density'),
    eigSlices: h('slices'),
    layerCurvature: h('layerCurvature'),
  };
  return { ...plan, total: Object.values(p).reduce((a, x) => a + (x.hvps ?? 0), 0) };
}

/** Gradients, losses and JVP/VJPs planned besides the HVPs (the gradient at θ included). */
export function planEvaluations(o: PlanOptions, n = 1, layers = 1): EvalPlan {
  const p = Object.values(plans(o, n, layers));
  const sum = (k: keyof Plan) => p.reduce((a, x) => a + (x[k] ?? 0), 0);
  return { gradients: 1 + sum('gradients'), losses: sum('losses'), jvpVjp: sum('jvpVjp') };
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
  /** the model carries special neurons (their report is part of every diagnosis) */
  specialNeurons?: boolean;
}

export interface CostEstimate {
  hvps: HvpPlan;
  evaluations: EvalPlan;
  hvpEquivalents: number;
  seconds?: number;
  memoryBytes: number;
  /** HVP-equivalents per enabled diagnostic (registry id): shares of the progress bar */
  byDiagnostic: Record<string, number>;
}

const equivalents = (x: Plan): number =>
  (x.hvps ?? 0) +
  RELATIVE_COST.gradient * (x.gradients ?? 0) +
  RELATIVE_COST.loss * (x.losses ?? 0) +
  RELATIVE_COST.jvpVjp * (x.jvpVjp ?? 0);

export function estimateCost(o: PlanOptions, c: CostInputs): CostEstimate {
  const n = Math.max(1, c.params),
    layers = c.layers ?? 1;
  const byId = plans(o, n, layers, c.specialNeurons);
  const hvps = planHvps(o, n, layers);
  const evaluations = planEvaluations(o, n, layers);
  const hvpEquivalents =
    hvps.total +
    RELATIVE_COST.gradient * evaluations.gradients +
    RELATIVE_COST.loss * evaluations.losses +
    RELATIVE_COST.jvpVjp * evaluations.jvpVjp;
  const seconds = c.hvpMs !== undefined && Number.isFinite(c.hvpMs) && c.hvpMs >= 0 ? (hvpEquivalents * c.hvpMs) / 1000 : undefined;
  // the phase that keeps the most float32 n-vectors: Lanczos (its basis), one SLQ probe, XTrace (Ω, Q, Z)
  const krylov = Math.max(
    0,
    ...Object.entries(byId)
      .filter(([id]) => id !== 'layerCurvature')
      .map(([, p]) => p.vectors ?? p.hvps ?? 0),
  );
  const vectors = krylov * n * 4 + 12 * n * 4;
  const activations = c.chunk && c.activationsPerSample ? c.chunk * c.activationsPerSample * 4 * 4 : 0;
  const byDiagnostic = Object.fromEntries(Object.entries(byId).map(([id, p]) => [id, equivalents(p)]));
  return { hvps, evaluations, hvpEquivalents, seconds, memoryBytes: vectors + activations, byDiagnostic };
}

/** Ask before running? Only when a time could be estimated and it exceeds the threshold (0: never ask). */
export function shouldConfirm(e: CostEstimate, confirmAboveSeconds: number): boolean {
  return confirmAboveSeconds > 0 && e.seconds !== undefined && e.seconds > confirmAboveSeconds;
}

/** The measured time of one HVP in a result (its Hessian phase: ms / HVPs), if it has one. */
export function measuredHvpMs(
  r: { hessian?: { ms?: number; hvps?: number }; counts?: { hvp?: number }; timings?: { hessianMs?: number } } | undefined,
): number | undefined {
  if (!r) return undefined;
  if (r.hessian?.ms && r.hessian.hvps) return r.hessian.ms / r.hessian.hvps;
  if (r.timings?.hessianMs && r.counts?.hvp) return r.timings.hessianMs / r.counts.hvp;
  return undefined;
}

/** One line: "about 1,234 HVPs (Lanczos 100, trace 150, …), about 3 min, about 12 MB". */
export function describeCost(e: CostEstimate, times = 1): string {
  const parts = (Object.entries(e.hvps) as [keyof HvpPlan, number][])
    .filter(([k, v]) => k !== 'total' && v > 0)
    .map(([k, v]) => `${k} ${v * times}`);
  const time = e.seconds !== undefined ? `about ${fmtDuration(e.seconds * times)}` : 'time unknown (no measured HVP yet)';
  return (
    `about ${(e.hvps.total * times).toLocaleString('en-US')} HVPs${parts.length ? ` (${parts.join(', ')})` : ''}, ` +
    `${time}, about ${fmtBytes(e.memoryBytes)} of memory`
  );
}

/**
 * What to tell the user before `jobs` diagnoses of this estimate each: the message (logged always)
 * and whether to ask (the total time exceeds `confirmAboveSeconds`; 0 = never ask).
 */
export function costPrompt(
  e: CostEstimate,
  jobs: number,
  confirmAboveSeconds: number,
  what: string,
): { ask: boolean; message: string; seconds?: number } {
  const seconds = e.seconds !== undefined ? e.seconds * jobs : undefined;
  const ask = confirmAboveSeconds > 0 && seconds !== undefined && seconds > confirmAboveSeconds;
  const each = jobs > 1 ? ` (${jobs} checkpoints)` : '';
  return {
    ask,
    seconds,
    message:
      `${what}${each}: ${describeCost(e, jobs)}` +
      `${ask ? ` — more than the ${fmtDuration(confirmAboveSeconds)} of landscapeLens.confirmAboveSeconds` : ''}.`,
  };
}
