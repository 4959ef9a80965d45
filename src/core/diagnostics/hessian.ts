/**
 * Hessian spectrum of the loss at θ from exact Hessian-vector products:
 *  - extreme eigenpairs by Lanczos with full reorthogonalisation (top-k largest, bottom-k most
 *    negative), each with its residual ‖Hv − λv‖ (Lanczos, 1950; as used by PyHessian, Yao et al. 2020);
 *  - trace: exact on small models, else XTrace (Epperly, Tropp & Webber, SIMAX 2024) with a standard error;
 *  - spectral density by stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017; Ghorbani,
 *    Krishnan & Xiao, ICML 2019) with Gaussian broadening, normalised to integrate to 1.
 * The operator is H(θ)v computed by double backprop in float32. The Krylov vectors stay float32 in one
 * workspace (no per-HVP conversion); their block arithmetic (reorthogonalisation, Ritz vectors, XTrace's
 * QR and projections) runs as GEMV/GEMM on ONNX Runtime (../native/dense.ts), the scalars (α, the
 * tridiagonal, the small matrices) in float64; Lanczos is thick-restarted in a bounded workspace.
 *
 * Error bars and stopping (see src/core/linalg/lanczos.ts): every eigenvalue is reported with its
 * residual, the gap-based bound and the smaller of the two (`bound`), an interval (`lower`, `upper`;
 * one-sided at the extremes since θ_max ≤ λ_max and θ_min ≥ λ_min) and a status. An eigenvalue must
 * (every bound is widened by 1e-6·max|λ| for the float32 HVPs) reach bound ≤ max(tol·|λ|, 0.1·τ·λ_max)
 * — relative to itself, with a floor a tenth of the verdict's
 * thresholds τ = min(negativeCurvature, nearZero) — and, for λ_min, its interval must not straddle
 * the saddle threshold −negativeCurvature·λ_max; otherwise it is `unresolved`, with the estimated
 * extra HVPs. When only top eigenvalues are requested, the smallest Ritz value of the same Krylov
 * space is reported as `bottomEstimate` (the iteration goes on, within the budget, until its sign
 * relative to the saddle threshold is resolved), so a quick diagnosis can check curvature.
 */
import type { LinearOperator, Progress } from '../linalg/operator';
import type { Objective } from '../objective';
import { lanczosExtremes, lanczosWorkspace, PairView, RitzPair } from '../linalg/lanczos';
import { exactTrace, xtrace, EXACT_TRACE_MAX_PARAMS } from '../linalg/xtrace';
import { slqDensity, densityOnGrid } from '../linalg/slq';
import { symmetricEigenvalues } from '../linalg/denseEigen';
import type { Diagnostic } from './registry';
import { LIMITS } from '../limits';
import { DEFAULT_THRESHOLDS } from './verdict';
import type { RunContext } from './context';
import { fmtText as f } from '../../shared/format';
import type { DiagnoseOptions, SpectrumOptions } from './options';

/** The one home of these options' defaults (the CLI's help, the estimate and the extension read them from the registry). */
export const DEFAULTS = { tol: 1e-3, traceTol: 0.01, traceHvps: 150, densityProbes: 4, densitySteps: 40 } as const;

/** The options of the spectrum, trace and density: declared once in ./options.ts (re-exported here for older imports). */
export type { SpectrumOptions };

export interface HessianOptions extends SpectrumOptions {
  seed?: number;
  returnVectors?: boolean;
  /** the verdict thresholds the eigenvalues must be resolved against (defaults: verdict.ts) */
  thresholds?: { negativeCurvature: number; nearZero: number };
  /** with top > 0 and bottom = 0: also estimate λ_min from the same Krylov space (default false; the diagnose job turns it on) */
  bottomEstimate?: boolean;
  /** resolve the λ_min estimate to the same accuracy as a requested eigenvalue (its eigenvector is used: eigenvector slices) */
  resolveEstimate?: boolean;
  /** return the Ritz vectors of up to this many near-zero eigenvalues (|λ| ≤ nearZero·λ_max) for the null-direction probe */
  nullVectors?: number;
  /** density: the spectrum's Lanczos tridiagonal, reused as the first SLQ probe */
  reuseKrylov?: { alpha: number[]; beta: number[] };
}

/** An eigenvalue with its error bars (JSON `hessian.top[]`, `bottom[]`, `bottomEstimate`). */
export interface Eigenvalue {
  value: number;
  /** ‖Hy − θy‖: some eigenvalue lies within it of value */
  residual: number;
  /** residual²/gap (Kato–Temple; gap from the neighbouring Ritz value less its residual), null when gap ≤ residual */
  gapBound: number | null;
  /** min(residual, gapBound) + the float32 floor: the error bar reported */
  bound: number;
  /** the interval the eigenvalue lies in (one-sided at the extremes) */
  lower: number;
  upper: number;
  /** 'converged': resolved to its tolerance and on one side of every verdict threshold; 'unresolved': not within the budget */
  status: 'converged' | 'unresolved';
  /** unresolved: estimated further HVPs to resolve it (null: no estimate; the bound was not decreasing) */
  extraHvps?: number | null;
}

/** Thrown when an HVP has a NaN/Inf component: the diagnosis stops with verdict undetermined. */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

export interface HessianResult {
  top: Eigenvalue[];
  bottom: Eigenvalue[];
  /** with top only: λ_min estimated from the same Krylov space */
  bottomEstimate?: Eigenvalue;
  /** Unit eigenvectors (float64), when requested; not serialised to JSON. */
  vectors?: {
    top: Float64Array[];
    bottom: Float64Array[];
    bottomEstimate?: Float64Array;
    nearZero?: { value: number; bound: number; vector: Float64Array }[];
    /** the spectrum's Lanczos tridiagonal (its start vector is a normalised Gaussian): the density's first probe */
    krylov?: { alpha: number[]; beta: number[] };
  };
  trace?: {
    estimate: number;
    stderr: number;
    /** test vectors (XTrace: 2 HVPs each) or unit vectors (exact) */
    probes: number;
    /** 'exact' (n unit vectors; small models), 'xtrace' (Epperly, Tropp & Webber 2024); 'hutch++' in results of earlier versions */
    method: string;
    hvps: number;
    /** 'converged': stderr ≤ relTol·|estimate| (exact: always); 'unresolved': the budget ran out first */
    status?: 'converged' | 'unresolved';
    /** the relative standard error asked for */
    relTol?: number;
    /** unresolved: about how many HVPs in all would reach relTol (null: no estimate) */
    neededHvps?: number | null;
  };
  /** `method` 'exact': the eigenvalues of H formed from n HVPs (one node set, weights 1/n); 'slq': stochastic Lanczos quadrature */
  density?: { grid: number[]; values: number[]; nodes: number[][]; weights: number[][]; hvps: number; method?: 'exact' | 'slq' };
  lanczos?: { iterations: number; converged: boolean; hvps: number; tol: number; unresolved: number; extraHvps: number | null };
  hvps: number;
  hvpMethod: 'exact';
  ms: number;
}

/**
 * H(θ)·v from the objective. It speaks the objective's float32 (`apply32`, `applyBlock32` through
 * `hvpBlock`: one pass for a block of vectors), so the Krylov methods keep float32 vectors and no full
 * vector is converted per product; `apply` (float64) converts, for callers that need it.
 */
export function hessianOperator(obj: Objective, theta: Float32Array, counter: { n: number }): LinearOperator {
  const n = obj.numParams;
  const finite = (hv: Float32Array): Float32Array => {
    for (let i = 0; i < hv.length; i++)
      if (!Number.isFinite(hv[i]))
        throw new NonFiniteError(
          `a Hessian-vector product has a non-finite component (${hv[i]} at parameter ${i % n}): the curvature overflows in float32`,
        );
    return hv;
  };
  return {
    n,
    async apply(v: Float64Array, signal?: AbortSignal): Promise<Float64Array> {
      counter.n++;
      return Float64Array.from(finite(await obj.hvp(theta, Float32Array.from(v), signal)));
    },
    async apply32(v: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
      counter.n++;
      return finite(await obj.hvp(theta, v, signal));
    },
    async applyBlock32(V: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
      counter.n += V.length / n;
      return finite(await obj.hvpBlock(theta, V, signal));
    },
  };
}

/** Models up to this many parameters may get the exact density (their Hessian formed and diagonalised: O(n³) arithmetic). */
export const EXACT_DENSITY_MAX_PARAMS = 1000;
/** The density method: exact when forming H (n HVPs) is no dearer than SLQ's probes × steps and n ≤ EXACT_DENSITY_MAX_PARAMS. */
export function densityMethod(n: number, probes: number, steps: number): 'exact' | 'slq' {
  return n <= Math.min(probes * Math.min(steps, n), EXACT_DENSITY_MAX_PARAMS) ? 'exact' : 'slq';
}

/**
 * The trace method for n parameters and an HVP budget: exact (n unit vectors in blocks) when that is
 * no dearer than the budget or the model is small (≤ EXACT_TRACE_MAX_PARAMS), else XTrace.
 */
export function traceMethod(n: number, budget: number): 'exact' | 'xtrace' {
  return n <= Math.max(budget, EXACT_TRACE_MAX_PARAMS) ? 'exact' : 'xtrace';
}

export async function hessianSpectrum(
  obj: Objective,
  theta: Float32Array,
  opts: HessianOptions,
  signal?: AbortSignal,
  onProgress?: Progress,
): Promise<HessianResult> {
  const t0 = performance.now();
  const counter = { n: 0 };
  const op = hessianOperator(obj, theta, counter);
  const seed = opts.seed ?? 0;
  const res: HessianResult = { top: [], bottom: [], hvps: 0, hvpMethod: 'exact', ms: 0 };
  const top = opts.top ?? 0,
    bottom = opts.bottom ?? 0;
  if (top > 0 || bottom > 0) {
    const before = counter.n;
    const tol = opts.tol ?? DEFAULTS.tol;
    const th = opts.thresholds ?? DEFAULT_THRESHOLDS;
    const estimate = bottom === 0 && top > 0 && opts.bottomEstimate === true;
    const ref = (p: PairView) => (p.thetaMax > 0 ? p.thetaMax : Math.max(Math.abs(p.thetaMax), Math.abs(p.thetaMin)));
    const requiredBound = (p: PairView): number => {
      const accuracy = Math.max(tol * Math.abs(p.value), 0.1 * Math.min(th.negativeCurvature, th.nearZero) * ref(p));
      if (p.side !== 'bottom' || p.rank !== 0) return accuracy;
      const T = -th.negativeCurvature * ref(p);
      const loose = estimate && !opts.resolveEstimate;
      if (p.upper < T) return loose ? Infinity : accuracy; // certainly below the saddle threshold (θ_min ≥ λ_min)
      return loose ? p.value - T : Math.min(accuracy, p.value - T); // the interval must not straddle it
    };
    const l = await lanczosExtremes(op, {
      top,
      bottom: estimate ? 1 : bottom,
      tol,
      maxIter: opts.maxIter,
      minIter: estimate ? 10 + 2 * top : undefined,
      seed,
      signal,
      onProgress,
      returnVectors: opts.returnVectors,
      requiredBound,
      nearZero: opts.nullVectors
        ? { within: (mx, mn) => th.nearZero * (mx > 0 ? mx : Math.max(Math.abs(mx), Math.abs(mn))), max: opts.nullVectors }
        : undefined,
    });
    // the products are float32: an error floor of 1e-6·max|θ| widens every bound (the α's and the tridiagonal are float64)
    const noise = 1e-6 * Math.max(...l.ritzValues.map(Math.abs), 0);
    const asEig = (p: RitzPair): Eigenvalue => ({
      value: p.value,
      residual: p.residual,
      gapBound: p.gap !== undefined && Number.isFinite(p.gap) && p.gap > p.residual ? (p.residual * p.residual) / p.gap : null,
      bound: (p.bound ?? p.residual) + noise,
      lower: (p.lower ?? p.value - p.residual) - noise,
      upper: (p.upper ?? p.value + p.residual) + noise,
      status: p.status ?? 'converged',
      ...(p.status === 'unresolved' ? { extraHvps: p.extraMatvecs ?? null } : {}),
    });
    res.top = l.top.map(asEig);
    if (estimate) {
      if (l.bottom[0]) res.bottomEstimate = asEig(l.bottom[0]);
    } else res.bottom = l.bottom.map(asEig);
    if (opts.returnVectors)
      res.vectors = {
        top: l.top.map(p => p.vector!),
        bottom: estimate ? [] : l.bottom.map(p => p.vector!),
        ...(estimate && l.bottom[0]?.vector ? { bottomEstimate: l.bottom[0].vector } : {}),
      };
    (res.vectors ??= { top: [], bottom: [] }).krylov = { alpha: l.alpha, beta: l.beta };
    if (l.nearZero)
      (res.vectors ??= { top: [], bottom: [] }).nearZero = l.nearZero.map(p => ({
        value: p.value,
        bound: p.bound ?? p.residual,
        vector: p.vector!,
      }));
    const requested = [...res.top, ...res.bottom];
    const open = [...requested, ...(res.bottomEstimate ? [res.bottomEstimate] : [])].filter(e => e.status === 'unresolved');
    const extra = open.length ? (open.some(e => e.extraHvps == null) ? null : Math.max(...open.map(e => e.extraHvps!))) : 0;
    res.lanczos = {
      iterations: l.iterations,
      converged: requested.every(e => e.status === 'converged'),
      hvps: counter.n - before,
      tol,
      unresolved: open.length,
      extraHvps: extra,
    };
  }
  if (opts.trace) {
    const before = counter.n;
    const relTol = opts.traceTol ?? DEFAULTS.traceTol,
      budget = opts.traceHvps ?? DEFAULTS.traceHvps;
    if (traceMethod(op.n, budget) === 'exact') {
      const t = await exactTrace(op, { signal, onProgress });
      res.trace = { estimate: t.trace, stderr: 0, probes: op.n, method: 'exact', hvps: counter.n - before, status: 'converged', relTol };
    } else {
      const t = await xtrace(op, { relTol, matvecs: budget, seed: seed + 1, signal, onProgress });
      res.trace = {
        estimate: t.estimate,
        stderr: t.stderr,
        probes: t.vectors,
        method: 'xtrace',
        hvps: counter.n - before,
        status: t.converged ? 'converged' : 'unresolved',
        relTol,
        ...(t.converged ? {} : { neededHvps: t.needed }),
      };
    }
  }
  if (
    opts.density &&
    densityMethod(op.n, opts.densityProbes ?? DEFAULTS.densityProbes, opts.densitySteps ?? DEFAULTS.densitySteps) === 'exact'
  ) {
    // the model is small: H from n HVPs (unit vectors in blocks), its eigenvalues exactly, each of weight 1/n
    const before = counter.n;
    const { matrix } = await exactTrace(op, { keep: true, signal, onProgress });
    const eig = symmetricEigenvalues(matrix!, op.n);
    const weights = eig.map(() => 1 / op.n);
    const g = densityOnGrid([eig], [weights], 400);
    res.density = { grid: g.grid, values: g.values, nodes: [eig], weights: [weights], hvps: counter.n - before, method: 'exact' };
  } else if (opts.density) {
    const before = counter.n;
    const d = await slqDensity(op, {
      probes: opts.densityProbes ?? DEFAULTS.densityProbes,
      steps: opts.densitySteps ?? DEFAULTS.densitySteps,
      first: opts.reuseKrylov,
      seed: seed + 2,
      signal,
      onProgress,
    });
    res.density = { grid: d.grid, values: d.values, nodes: d.nodes, weights: d.weights, hvps: counter.n - before, method: 'slq' };
  }
  res.hvps = counter.n;
  res.ms = performance.now() - t0;
  return res;
}

/** Lanczos steps planned: min(n, maxIter ?? max(100, 10·(top + bottom))); the λ_min estimate counts as bottom = 1. */
export function lanczosSteps(o: Pick<DiagnoseOptions, 'top' | 'bottom' | 'maxIter'>, n: number): number {
  const top = o.top ?? 0,
    bottom = o.bottom ?? 0;
  const bottomEff = bottom > 0 ? bottom : top > 0 ? 1 : 0;
  return top > 0 || bottom > 0 ? Math.min(n, o.maxIter ?? Math.max(100, 10 * (top + bottomEff))) : 0;
}

/** Float32 n-vectors the spectrum's Lanczos keeps: its thick-restart workspace for the planned steps. */
export function lanczosBasis(o: Pick<DiagnoseOptions, 'top' | 'bottom' | 'maxIter'>, n: number): number {
  const steps = lanczosSteps(o, n);
  if (steps === 0) return 0;
  const top = Math.min(o.top ?? 0, n),
    bottom = Math.min(o.bottom ?? 0, n);
  return lanczosWorkspace(steps, top + (bottom > 0 ? bottom : top > 0 ? 1 : 0));
}

/** Adds one part (spectrum, trace or density) to the context's `hessian` result. */
function mergeHessian(ctx: RunContext, r: HessianResult): void {
  const h = ctx.hessian;
  if (!h) {
    ctx.hessian = r;
    return;
  }
  const { hvps, ms, top, bottom, ...rest } = r;
  Object.assign(h, rest, { hvps: h.hvps + hvps, ms: h.ms + ms });
  if (top.length || bottom.length) Object.assign(h, { top, bottom });
}

async function hessianPart(ctx: RunContext, o: HessianOptions): Promise<void> {
  const r = await hessianSpectrum(ctx.obj, ctx.theta, { seed: ctx.seed, thresholds: ctx.thresholds, ...o }, ctx.signal, p =>
    ctx.progress(p.stage, p.stage, p.done, p.total, p.partial),
  );
  mergeHessian(ctx, r);
}

/** An eigenvalue with its error bar for the terminal: "5.2039 (±1e-4)", "unresolved: ~40 more HVPs". */
export const eigText = (e: Eigenvalue): string => {
  const more = e.extraHvps != null ? `: ~${e.extraHvps} more HVPs` : '';
  return `${f(e.value, 5)} (±${f(e.bound ?? e.residual, 2)}${e.status === 'unresolved' ? `, unresolved${more}` : ''})`;
};

/** Extreme eigenpairs by Lanczos (Lanczos 1950; PyHessian, Yao et al. 2020), with error bars. */
export const spectrumDiagnostic: Diagnostic = {
  id: 'spectrum',
  group: 'hessian',
  title: 'Hessian eigenvalues (Lanczos)',
  options: [
    {
      key: 'top',
      flag: '--top <k>',
      help: 'k largest Hessian eigenvalues (Lanczos on exact HVPs; k ≤ the parameter count)',
      kind: 'int',
      setting: 'budget.topEigenvalues',
    },
    {
      key: 'bottom',
      flag: '--bottom <k>',
      help: 'k smallest (most negative) Hessian eigenvalues',
      kind: 'int',
      setting: 'budget.bottomEigenvalues',
    },
    {
      key: 'tol',
      flag: '--tol <t>',
      help: 'Lanczos residual tolerance relative to |λ_max| (0 to 1)',
      kind: 'fraction',
      default: DEFAULTS.tol,
    },
    {
      key: 'maxIter',
      flag: '--max-iter <n>',
      help: 'Lanczos: at most n HVPs (default max(100, 10·(top+bottom)))',
      kind: 'int',
      setting: 'budget.lanczosSteps',
    },
  ],
  enabled: o => (o.top ?? 0) > 0 || (o.bottom ?? 0) > 0,
  // the basis is the thick-restart workspace (lanczosWorkspace), not one vector per step
  plan: (o, n) => ({ hvps: lanczosSteps(o, n), vectors: lanczosBasis(o, n) }),
  // the Ritz vectors are kept for the diagnostics that use them (eigenvector slices, layer curvature, null directions)
  async run(ctx) {
    // the eigenvector slices need the bottom eigenvector: resolve the λ_min estimate in this Krylov space rather than start another
    ctx.estimateResolved = Boolean(ctx.opts.slices?.includes('eig'));
    await hessianPart(ctx, {
      top: ctx.opts.top,
      bottom: ctx.opts.bottom,
      tol: ctx.opts.tol,
      maxIter: ctx.opts.maxIter,
      bottomEstimate: true,
      nullVectors: 4,
      returnVectors: true,
      resolveEstimate: ctx.estimateResolved,
    });
  },
  cli: r => {
    const h = r.hessian,
      rows: [string, string][] = [];
    if (!h) return rows;
    if (h.top.length) rows.push(['λ top', h.top.map(eigText).join(', ')]);
    if (h.bottom.length) rows.push(['λ bottom', h.bottom.map(eigText).join(', ')]);
    if (h.bottomEstimate) rows.push(['λ_min estimate', `${eigText(h.bottomEstimate)} (from the Krylov space of λ_max)`]);
    const l = h.lanczos;
    if (l) {
      const open = l.unresolved
        ? `; ${l.unresolved} eigenvalue(s) unresolved${l.extraHvps != null ? `, about ${l.extraHvps} more HVPs would resolve them` : ''}`
        : ', all resolved';
      rows.push(['Lanczos', `${l.iterations} steps, ${l.hvps} HVPs${open}`]);
    }
    return rows;
  },
};

/**
 * Hessian trace: exact on small models (n unit vectors in blocks), else XTrace (Epperly, Tropp & Webber,
 * SIMAX 2024) with its error estimate; `status: 'unresolved'` when the budget ran out before relTol.
 */
export const traceDiagnostic: Diagnostic = {
  id: 'trace',
  group: 'hessian',
  title: 'Hessian trace (exact or XTrace)',
  options: [
    {
      key: 'trace',
      flag: '--trace',
      help: `Hessian trace (exact up to ${EXACT_TRACE_MAX_PARAMS} parameters, else XTrace with a standard error)`,
      kind: 'switch',
    },
    {
      key: 'traceTol',
      flag: '--trace-tol <r>',
      help: 'trace: stop at this relative standard error (0 to 1)',
      kind: 'fraction',
      default: DEFAULTS.traceTol,
    },
    {
      key: 'traceHvps',
      flag: '--trace-hvps <n>',
      help: 'trace: HVP budget',
      kind: 'int',
      default: DEFAULTS.traceHvps,
      setting: 'budget.traceHvps',
    },
  ],
  enabled: o => Boolean(o.trace),
  after: ['spectrum'],
  plan: (o, n) => {
    const budget = o.traceHvps ?? DEFAULTS.traceHvps;
    // exact: n HVPs in blocks (a block of rows held at once); XTrace: the budget, three workspaces of budget/2 vectors
    return traceMethod(n, budget) === 'exact' ? { hvps: n, vectors: 2 } : { hvps: budget, vectors: Math.ceil((3 * budget) / 2) };
  },
  run: ctx => hessianPart(ctx, { trace: true, traceTol: ctx.opts.traceTol, traceHvps: ctx.opts.traceHvps }),
  cli: r => {
    const t = r.hessian?.trace;
    if (!t) return [];
    if (t.method === 'exact') return [['trace', `${f(t.estimate, 5)} (exact: ${t.hvps} HVPs on the unit vectors)`]];
    const rel = t.estimate !== 0 ? ` = ${f((100 * t.stderr) / Math.abs(t.estimate), 2)} %` : '';
    const need = t.neededHvps != null ? `, about ${t.neededHvps} HVPs would reach it` : '';
    const open = t.status === 'unresolved' ? `; unresolved: the ${f(100 * (t.relTol ?? 0), 2)} % tolerance was not reached${need}` : '';
    return [['trace', `${f(t.estimate, 5)} ± ${f(t.stderr, 2)}${rel} (${t.method}, ${t.hvps} HVPs${open})`]];
  },
};

/** Spectral density by stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017; Ghorbani, Krishnan & Xiao 2019). */
export const densityDiagnostic: Diagnostic = {
  id: 'density',
  group: 'hessian',
  title: 'Hessian spectral density (SLQ)',
  options: [
    { key: 'density', flag: '--density', help: 'Hessian spectral density (stochastic Lanczos quadrature)', kind: 'switch' },
    {
      key: 'densityProbes',
      flag: '--density-probes <n>',
      help: 'density: random probes',
      kind: 'int',
      default: DEFAULTS.densityProbes,
      setting: 'budget.densityProbes',
    },
    {
      key: 'densitySteps',
      flag: '--density-steps <n>',
      help: `density: Lanczos steps per probe (at most ${LIMITS.densitySteps})`,
      kind: 'int',
      default: DEFAULTS.densitySteps,
    },
  ],
  enabled: o => Boolean(o.density),
  after: ['trace'],
  plan: (o, n) => {
    const probes = o.densityProbes ?? DEFAULTS.densityProbes,
      steps = Math.min(n, o.densitySteps ?? DEFAULTS.densitySteps);
    // exact: n HVPs, H held in float64 (n vectors)
    if (densityMethod(n, probes, steps) === 'exact') return { hvps: n, vectors: 2 * n };
    // the spectrum's Krylov space is the first probe when the spectrum runs (it always runs first)
    const reused = lanczosSteps(o, n) > 0 ? 1 : 0;
    return { hvps: Math.max(0, probes - reused) * steps, vectors: steps };
  },
  run: ctx =>
    hessianPart(ctx, {
      density: true,
      densityProbes: ctx.opts.densityProbes,
      densitySteps: ctx.opts.densitySteps,
      reuseKrylov: ctx.hessian?.vectors?.krylov,
    }),
  cli: r => {
    const d = r.hessian?.density;
    if (!d) return [];
    if (d.method === 'exact') return [['density', `exact: all ${d.nodes[0].length} eigenvalues of the formed Hessian, ${d.hvps} HVPs`]];
    return [['density', `${d.nodes.length} SLQ probes, ${d.hvps} HVPs`]];
  },
};
