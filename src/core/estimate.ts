/**
 * The cost of a diagnosis before it runs: how many Hessian-vector products (HVPs) the options plan,
 * how long they take at a measured HVP time, and the memory they hold. Each diagnostic declares its
 * own plan in its registry descriptor (src/core/diagnostics/registry.ts: budgets' upper bounds from
 * its own defaults — Lanczos stops early when it converges, Hutch++ when its error is small enough);
 * this file adds them up: an estimate, never a promise. HVPs shared between diagnostics (the
 * eigenvector slices and per-layer curvature reuse the spectrum's Ritz vectors) are planned once.
 * Time: HVPs × the measured HVP time, plus the other evaluations at assumed fractions of an HVP
 * (gradient, JVP, VJP ½; loss ¼: one forward pass against an HVP's four).
 * With measured pass times (`CostInputs.passes`, from src/core/estimateProbe.ts: one timed evaluation of
 * each kind on this checkpoint, block passes per vector) the time is instead Σ count × the measured time of
 * its kind — losses as block losses, gradients as block gradients (sharpness' lockstep runs), Lanczos HVPs
 * single, the other HVPs in blocks, JVP/VJP single — plus the diagnostics' own arithmetic (the random
 * vectors they draw and the float64 passes over θ-sized vectors they make, at the measured speed of this
 * process); the sessions are the measurement's (created by it, reused by the diagnosis: cached by content).
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

export interface CostInputs extends CostInputs2 {
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

/**
 * The model's part of the cost inputs, from its layer list (a GraphModel's or a result's `model.layers`):
 * the parameterised layers, the activations per sample (the sum of the layer widths) and the chunk.
 * One home for the extension's fallback estimate and `--estimate`.
 */
export function modelCostInputs(
  params: number,
  modelLayers: readonly { params: number; units?: number }[],
  samples: number,
  chunkSize: number | undefined,
): Pick<CostInputs, 'params' | 'layers' | 'chunk' | 'activationsPerSample'> {
  const units = modelLayers.reduce((s, l) => s + (l.units ?? 0), 0);
  return {
    params,
    layers: modelLayers.filter(l => l.params > 0).length,
    chunk: Math.min(chunkSize ?? 1024, samples),
    activationsPerSample: units || undefined,
  };
}

/**
 * Measured cost of one evaluation of each kind on this checkpoint (ms; block kinds per vector or point),
 * the JavaScript arithmetic speed of this process (ns per float64 multiply-add over a long vector, ns per
 * standard normal drawn) and the time to create one session (ms).
 */
export interface PassTimes {
  hvp: number;
  hvpBlock: number;
  loss: number;
  lossBlock: number;
  gradient: number;
  gradientBlock: number;
  jvp: number;
  vjp: number;
  axpyNs: number;
  normalNs: number;
  sessionMs: number;
}

export interface CostInputs2 {
  /** measured pass times (estimateProbe.ts): the time is the sum of the counts at these times plus arithmetic */
  passes?: PassTimes;
}

/**
 * The diagnostics' own arithmetic besides the passes, for n parameters, in units of one float64 axpy
 * element (`axpy`) and one standard normal (`normals`), upper bounds matching their plans:
 *  sharpness: the 100-vector random basis (100·n normals, CholeskyQR2 ≈ 4·100²·n multiply-adds on ONNX
 *    Runtime's GEMM, counted at 1/8 of a JS axpy each) and the points θ + A·y (≈ 8·n per iteration of 20);
 *  pacBayes: 10·n normals and 37 blocks × 10 points × 2 element operations;
 *  pgb: per L-BFGS iteration ≈ 60 θ-sized float64 passes (two-loop with memory 10, updates), 4 solves;
 *  layerCurvature, spectrum, trace, density: the Krylov vectors' own updates ≈ 10·n per HVP (the basis
 *    products on GEMM are the other helper's and are not modelled).
 */
export function arithmeticWork(id: string, p: Plan, n: number): { axpy: number; normals: number } {
  switch (id) {
    case 'sharpness':
      return { axpy: (4 * 100 * 100 * n) / 8 + 8 * n * 20, normals: 100 * n };
    case 'pacBayes':
      return { axpy: 2 * (p.losses ?? 0) * n, normals: 10 * n };
    case 'pgb':
      return { axpy: 60 * n * ((p.jvpVjp ?? 0) / 2), normals: 3 * n };
    case 'slices':
      return { axpy: 3 * n * (p.losses ?? 0), normals: 2 * n };
    default:
      return { axpy: 10 * n * (p.hvps ?? 0), normals: 0 };
  }
}

/**
 * The work a diagnostic typically does, from its plan (an upper bound): Lanczos stops when its Ritz values
 * converge (top-k: ≈ 6 + 3k steps; each smallest eigenvalue ≈ 30 more), the trace when its error is small
 * enough, PGB's L-BFGS at a stalled decrease, PAC-Bayes' bracketing and the sharpness ascent early. The
 * factors are the counts measured on the bench models (reference MLP, 2,276-parameter CNN: `npm run
 * bench -- diagcost`); the plan stays the bound (progress bar, `secondsMax`).
 */
export function expectedPlan(id: string, p: Plan, o: PlanOptions): Plan {
  const f = (x: number | undefined, r: number) => (x === undefined ? undefined : Math.ceil(x * r));
  switch (id) {
    case 'spectrum':
      return { ...p, hvps: Math.min(p.hvps ?? 0, 6 + 3 * (o.top ?? 0) + 30 * (o.bottom ?? 0)) };
    case 'trace':
      return { ...p, hvps: f(p.hvps, 0.65) };
    case 'layerCurvature':
      return { ...p, hvps: f(p.hvps, 0.45) };
    case 'pgb':
      return { ...p, jvpVjp: f(p.jvpVjp, 0.5) };
    case 'pacBayes':
    case 'sharpness':
      return { ...p, losses: f(p.losses, 0.8), gradients: f(p.gradients, 0.8) };
    default:
      return p;
  }
}

/** Seconds of one diagnostic's plan at measured pass times (passes + arithmetic). */
export function measuredSeconds(id: string, p: Plan, n: number, t: PassTimes): number {
  const hvpMs = id === 'spectrum' ? t.hvp : t.hvpBlock;
  const ms =
    (p.hvps ?? 0) * hvpMs +
    (p.losses ?? 0) * t.lossBlock +
    (p.gradients ?? 0) * (id === 'sharpness' ? t.gradientBlock : t.gradient) +
    ((p.jvpVjp ?? 0) / 2) * (t.jvp + t.vjp);
  const a = arithmeticWork(id, p, n);
  return ms / 1000 + (a.axpy * t.axpyNs + a.normals * t.normalNs) / 1e9;
}

export interface CostEstimate {
  hvps: HvpPlan;
  evaluations: EvalPlan;
  hvpEquivalents: number;
  seconds?: number;
  /** the time of the plans' upper bounds (with measured pass times only) */
  secondsMax?: number;
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
  // at measured pass times: the gradient at θ, then each diagnostic's typical work (at most its plan)
  const atPasses = (plan: (id: string, p: Plan) => Plan) =>
    c.passes!.gradient / 1000 + Object.entries(byId).reduce((a, [id, p]) => a + measuredSeconds(id, plan(id, p), n, c.passes!), 0);
  const secondsMax = c.passes ? atPasses((_, p) => p) : undefined;
  const seconds = c.passes
    ? atPasses((id, p) => expectedPlan(id, p, o))
    : c.hvpMs !== undefined && Number.isFinite(c.hvpMs) && c.hvpMs >= 0
      ? (hvpEquivalents * c.hvpMs) / 1000
      : undefined;
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
  return { hvps, evaluations, hvpEquivalents, seconds, secondsMax, memoryBytes: vectors + activations, byDiagnostic };
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
  const most = e.seconds !== undefined && e.secondsMax !== undefined && e.secondsMax > 1.3 * e.seconds;
  const time =
    e.seconds !== undefined
      ? `about ${fmtDuration(e.seconds * times)}${most ? ` (at most ${fmtDuration(e.secondsMax! * times)})` : ''}`
      : 'time unknown (no measured HVP yet)';
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
