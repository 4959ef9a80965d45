/**
 * The verdict: what kind of point θ is, from the quantities already computed, with a confidence
 * and the reasons in words and numbers. A verdict names only what was measured. Rules (thresholds
 * relative to λ_max and to the loss, all configurable; defaults in DEFAULT_THRESHOLDS):
 *  0. undetermined — the loss, gradient or an HVP was NaN/Inf (the reason says which), or λ_max was
 *     not computed and the PGB residual does not decide.
 *  1. not stationary — one gradient step of length 1/λ_max would lower the loss (quadratic model)
 *     by more than τ_g·L: ‖g‖²/(2λ_max) > τ_g·L (τ_g = 0.01). Without λ_max, the PGB residual
 *     decides instead: r/L > τ_pgb (0.05; Kawaguchi & Kaelbling 2020). With λ_max, a PGB residual
 *     above τ_pgb at a point the gradient test calls stationary does not change the kind — r is the
 *     gain of the best *global* linear model on the gradient basis, and near a stationary point it is
 *     dominated by tiny gradient components along flat Gauss–Newton directions (r ≈ ¼ gᵀG⁺g for
 *     squared loss), i.e. far extrapolation — but it is reported as a violated necessary condition
 *     and lowers the confidence (× 0.7).
 *  2. saddle — stationary and certainly negative curvature: the upper end of λ_min's interval is
 *     below −τ_neg·λ_max (τ_neg = 1e-3). The smallest Ritz value is itself an upper bound of λ_min
 *     (interlacing), so this needs no convergence. λ_min is the requested bottom eigenvalue or, in a
 *     quick diagnosis, the estimate from the top eigenvalue's Krylov space.
 *  2a. stationary (curvature not checked) — no λ_min at all; stationary (curvature unresolved) —
 *     λ_min's interval straddles −τ_neg·λ_max (the reasons say how many more HVPs would resolve it).
 *     An unresolved λ_min whose interval lies above the threshold is reported as such (lower confidence).
 *  2b. degenerate — when λ_min is at zero within its bound (|λ| ≤ τ_0·λ_max), second-order
 *     information cannot decide; the loss is probed along the null directions (nullProbe.ts) and a
 *     descent found there makes it a saddle ("degenerate: descent along a null direction").
 *  3. flat valley — stationary, no significant negative curvature, and the Hessian has many
 *     near-zero directions: the spectral mass with |λ| ≤ τ_0·λ_max (τ_0 = 1e-3) is at least
 *     τ_flat (0.5) — the connected flat valleys of He, Li & Tao (ICLR 2020) for piecewise-linear
 *     networks, or symmetry directions; mass from the SLQ quadrature nodes and weights.
 *  4. local minimum — stationary, λ_min resolved above −τ_neg·λ_max, few near-zero directions (or
 *     the density not computed: lower confidence).
 * Confidence: each deciding comparison contributes its margin in decades, m = |log10(value/threshold)|;
 * confidence = 1 − 0.5·exp(−2·min m) (0.5 on a threshold, 0.93 one decade away), times 0.85 for each
 * missing input that could have changed the kind (density, PGB, λ_min only estimated), 0.85 when
 * second-order information cannot decide and the probe found nothing, and 0.8 when an eigenvalue is
 * unresolved; clamped to [0.05, 0.99].
 */
import { fmtText } from '../../shared/format';
export interface VerdictThresholds {
  /** not stationary when ‖g‖²/(2λ_max) > gradStep·L */
  gradStep: number;
  /** not stationary when the PGB residual r/L exceeds this */
  pgbRelative: number;
  /** saddle when λ_min + residual < −negativeCurvature·λ_max */
  negativeCurvature: number;
  /** near-zero eigenvalue: |λ| ≤ nearZero·λ_max */
  nearZero: number;
  /** flat valley when the near-zero spectral mass ≥ flatMass */
  flatMass: number;
  /** degenerate saddle when the loss along a null direction falls by more than nullDescent·|L| beyond the quadratic model */
  nullDescent: number;
}

export const DEFAULT_THRESHOLDS: VerdictThresholds = {
  gradStep: 0.01,
  pgbRelative: 0.05,
  negativeCurvature: 1e-3,
  nearZero: 1e-3,
  flatMass: 0.5,
  nullDescent: 1e-3,
};

export type VerdictKind =
  | 'local minimum'
  | 'saddle'
  | 'not stationary'
  | 'flat valley'
  | 'stationary (curvature not checked)'
  | 'stationary (curvature unresolved)'
  | 'undetermined';

/** Every kind, for the views (icons, colours) and the docs. */
export const VERDICT_KINDS: readonly VerdictKind[] = [
  'local minimum',
  'flat valley',
  'saddle',
  'not stationary',
  'stationary (curvature not checked)',
  'stationary (curvature unresolved)',
  'undetermined',
];

/** The kinds that claim nothing about the curvature at θ (shown without a confidence). */
export const NO_CLAIM_KINDS: readonly VerdictKind[] = [
  'stationary (curvature not checked)',
  'stationary (curvature unresolved)',
  'undetermined',
];
/** Whether `kind` is one the engine emits (results cached by older engines may hold others). */
export function isVerdictKind(kind: unknown): kind is VerdictKind {
  return (VERDICT_KINDS as readonly unknown[]).includes(kind);
}
/** Whether a verdict of this kind makes a claim (and so shows its confidence). */
export function claimsSomething(kind: string): boolean {
  return !(NO_CLAIM_KINDS as readonly string[]).includes(kind);
}

/** An eigenvalue as the verdict reads it; `lower`/`upper`/`status` come from hessian.ts (older callers give value ± residual). */
export interface EigenInput {
  value: number;
  residual: number;
  bound?: number;
  lower?: number;
  upper?: number;
  status?: 'converged' | 'unresolved';
  extraHvps?: number | null;
}

export interface VerdictInput {
  loss: number;
  gradNorm: number;
  top?: EigenInput[];
  bottom?: EigenInput[];
  /** λ_min estimated from the top eigenvalue's Krylov space (quick diagnosis), used when bottom is absent */
  bottomEstimate?: EigenInput;
  lanczosConverged?: boolean;
  density?: { nodes: number[][]; weights: number[][] };
  pgb?: { relative: number; maxPerturbedRelative?: number };
  /** the loss along the null directions (nullProbe.ts), when second-order information could not decide */
  nullProbe?: { directions: number; steps: number[]; descent: { t: number; lossChange: number; relative: number } | null };
  /** a NaN/Inf loss, gradient or HVP: why the diagnosis stopped */
  nonFinite?: string;
}

export interface Verdict {
  kind: VerdictKind;
  confidence: number;
  reasons: string[];
  thresholds: VerdictThresholds;
  measures: {
    predictedDecrease?: number;
    predictedDecreaseRelative?: number;
    negativeCurvatureRatio?: number;
    nearZeroMass?: number;
    pgbRelative?: number;
    /** where λ_min came from: the requested bottom eigenvalues, or the estimate from the top run */
    lambdaMinSource?: 'bottom' | 'estimate';
    /** true when λ_min is at zero within its bound: second-order information cannot decide */
    degenerate?: boolean;
  };
}

const lowerOf = (e: EigenInput) => e.lower ?? e.value - e.residual;
const upperOf = (e: EigenInput) => e.upper ?? e.value + e.residual;

/** λ_min as the verdict uses it: the requested bottom eigenvalue, else the quick estimate. */
export function lambdaMinInput(v: VerdictInput): { e: EigenInput; source: 'bottom' | 'estimate' } | undefined {
  if (v.bottom?.[0]) return { e: v.bottom[0], source: 'bottom' };
  if (v.bottomEstimate) return { e: v.bottomEstimate, source: 'estimate' };
  return undefined;
}

/**
 * True when the point is stationary, has no certain negative curvature, and λ_min is at zero within
 * its bound: the case where the null-direction probe (nullProbe.ts) is worth its forward passes.
 */
export function secondOrderUndecided(v: VerdictInput, thresholds: Partial<VerdictThresholds> = {}): boolean {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const lmax = v.top?.[0]?.value,
    lm = lambdaMinInput(v);
  if (lmax === undefined || !lm || v.nonFinite || !Number.isFinite(v.loss) || !Number.isFinite(v.gradNorm)) return false;
  const ref = refScale(lmax, lm.e.value);
  const dec = lmax > 0 ? (v.gradNorm * v.gradNorm) / (2 * lmax) : v.gradNorm > 0 ? Infinity : 0;
  if (dec > t.gradStep * Math.max(v.loss, 1e-12)) return false;
  if (upperOf(lm.e) < -t.negativeCurvature * ref) return false;
  return lowerOf(lm.e) <= t.nearZero * ref;
}

/** The scale the thresholds are relative to: λ_max, or max|λ| when λ_max ≤ 0. */
function refScale(lmax: number, lmin?: number): number {
  return lmax > 0 ? lmax : Math.max(Math.abs(lmax), Math.abs(lmin ?? 0));
}

/** Numbers in the reasons: three significant digits of the one formatter (ASCII minus: the CLI prints them). */
const fmt = (x: number): string => fmtText(x, 3);

/** Spectral mass with |λ| ≤ tol from SLQ quadrature (mean over probes of the node weights). */
export function nearZeroMass(density: { nodes: number[][]; weights: number[][] }, tol: number): number {
  let s = 0;
  for (let p = 0; p < density.nodes.length; p++)
    for (let j = 0; j < density.nodes[p].length; j++) if (Math.abs(density.nodes[p][j]) <= tol) s += density.weights[p][j];
  return density.nodes.length ? s / density.nodes.length : 0;
}

export function verdict(v: VerdictInput, thresholds: Partial<VerdictThresholds> = {}): Verdict {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const reasons: string[] = [];
  const measures: Verdict['measures'] = {};
  const margins: number[] = [];
  let penalty = 1;
  const margin = (value: number, thr: number) => margins.push(Math.abs(Math.log10(Math.max(value, 1e-300) / Math.max(thr, 1e-300))));
  const lmax = v.top?.[0]?.value;
  const L = Math.max(v.loss, 1e-12);
  const g2 = v.gradNorm * v.gradNorm;
  if (v.pgb) measures.pgbRelative = v.pgb.relative;
  // 0. nothing can be said from NaN/Inf
  const nonFinite =
    v.nonFinite ??
    (!Number.isFinite(v.loss)
      ? `the loss is ${v.loss}`
      : !Number.isFinite(v.gradNorm)
        ? `the gradient norm is ${v.gradNorm}`
        : undefined) ??
    [...(v.top ?? []), ...(v.bottom ?? []), ...(v.bottomEstimate ? [v.bottomEstimate] : [])]
      .map(e => (!Number.isFinite(e.value) ? `an eigenvalue is ${e.value}` : undefined))
      .find(Boolean);
  if (nonFinite) {
    reasons.push(
      `${nonFinite}: the diagnosis stopped, and no kind of point can be named (check ` +
        `the weights, the inputs and the targets for values that overflow float32)`,
    );
    return { kind: 'undetermined', confidence: 0, reasons, thresholds: t, measures };
  }
  if (lmax === undefined) {
    if (v.pgb && v.pgb.relative > t.pgbRelative) {
      margin(v.pgb.relative, t.pgbRelative);
      reasons.push(
        `PGB residual r/L = ${fmt(v.pgb.relative)} > ${t.pgbRelative}: a linear model on the parameter ` +
          `gradients reaches a lower loss, so θ violates the necessary condition for a local minimum`,
      );
      return done('not stationary');
    }
    reasons.push('the top Hessian eigenvalue λ_max was not computed, so stationarity cannot be judged relative to the curvature');
    return { kind: 'undetermined', confidence: 0, reasons, thresholds: t, measures };
  }
  const lm = lambdaMinInput(v);
  const ref = refScale(lmax, lm?.e.value);
  if (v.lanczosConverged === false) {
    penalty *= 0.8;
    reasons.push('some requested eigenvalues are unresolved within the HVP budget: they are estimates (see their bounds)');
  }
  const topE = v.top![0];
  if (topE.status === 'unresolved')
    reasons.push(`λ_max = ${fmt(lmax)} is unresolved (bound ±${fmt(topE.bound ?? topE.residual)}${extra(topE)})`);
  // 1. stationarity
  const dec = lmax > 0 ? g2 / (2 * lmax) : g2 > 0 ? Infinity : 0;
  measures.predictedDecrease = dec;
  measures.predictedDecreaseRelative = dec / L;
  const gradSays = dec > t.gradStep * L;
  // λ_max ∈ [lower, upper]: does its interval put the gradient test on both sides of its threshold?
  const topLo = Math.max(lowerOf(topE), 0),
    topHi = upperOf(topE);
  if (lmax > 0 && topLo > 0 && g2 / (2 * topHi) <= t.gradStep * L && t.gradStep * L < g2 / (2 * topLo)) {
    penalty *= 0.8;
    reasons.push(
      `λ_max's interval [${fmt(topLo)}, ${fmt(topHi)}] puts the gradient test on ` +
        `both sides of its threshold: the stationarity call is unresolved${extra(topE)}`,
    );
  }
  if (gradSays) {
    if (Number.isFinite(dec)) margin(dec / L, t.gradStep);
    else margins.push(3);
    reasons.push(
      lmax > 0
        ? `a gradient step of length 1/λ_max would lower the loss by ` +
            `‖g‖²/(2λ_max) = ${fmt(dec)} = ${fmt((100 * dec) / L)} % of L ` +
            `(threshold ${100 * t.gradStep} %); ‖g‖ = ${fmt(v.gradNorm)}, λ_max = ${fmt(lmax)}`
        : `no positive curvature (λ_max = ${fmt(lmax)}) and a non-zero gradient ‖g‖ = ${fmt(v.gradNorm)}`,
    );
    if (v.pgb && v.pgb.relative > t.pgbRelative)
      reasons.push(
        `PGB residual r/L = ${fmt(v.pgb.relative)}: the gradient-basis linear model ` +
          `reaches a lower loss (Kawaguchi & Kaelbling 2020 necessary condition violated)`,
      );
    if (lm && upperOf(lm.e) < -t.negativeCurvature * ref) reasons.push(`there is also negative curvature: λ_min ≤ ${fmt(upperOf(lm.e))}`);
    return done('not stationary');
  }
  margin(dec / L || 1e-300, t.gradStep);
  reasons.push(
    `stationary: a 1/λ_max gradient step would lower the loss by only ${fmt((100 * dec) / L)} % of L (threshold ${100 * t.gradStep} %)`,
  );
  if (v.pgb) {
    if (v.pgb.relative > t.pgbRelative) {
      penalty *= 0.7;
      reasons.push(
        `but the PGB residual r/L = ${fmt(v.pgb.relative)} > ${t.pgbRelative}: a linear ` +
          `model on the parameter gradients reaches a lower loss, so the necessary condition ` +
          `for a local minimum (Kawaguchi & Kaelbling 2020) is violated — training has not ` +
          `fully converged (the residual comes from small gradient components along flat directions)`,
      );
    } else {
      margin(Math.max(v.pgb.relative, 1e-12), t.pgbRelative);
      reasons.push(
        `PGB residual r/L = ${fmt(v.pgb.relative)} ≤ ${t.pgbRelative}: the necessary condition ` +
          `holds${v.pgb.maxPerturbedRelative !== undefined ? ` (perturbed: max ${fmt(v.pgb.maxPerturbedRelative)})` : ''}`,
      );
    }
  } else penalty *= 0.85;
  // 2. negative curvature
  if (!lm) {
    reasons.push(
      'the smallest eigenvalue λ_min was not computed: negative curvature not checked, so a minimum cannot be told from a saddle',
    );
    return done('stationary (curvature not checked)');
  }
  const e = lm.e,
    T = -t.negativeCurvature * ref;
  measures.lambdaMinSource = lm.source;
  measures.negativeCurvatureRatio = ref > 0 ? -e.value / ref : 0;
  const src = lm.source === 'estimate' ? ' (estimated from the Krylov space of the top eigenvalue)' : '';
  if (upperOf(e) < T) {
    margin(-upperOf(e) / ref, t.negativeCurvature);
    reasons.push(
      `significant negative curvature: λ_min = ${fmt(e.value)}${src}, interval ` +
        `[${fmt(lowerOf(e))}, ${fmt(upperOf(e))}] = −${fmt(-e.value / ref)}·λ_max, ` +
        `beyond −${t.negativeCurvature}·λ_max: a descent direction of second order exists`,
    );
    return done('saddle');
  }
  if (lowerOf(e) < T) {
    reasons.push(
      `λ_min = ${fmt(e.value)}${src} is unresolved: its interval [${fmt(lowerOf(e))}, ${fmt(upperOf(e))}] ` +
        `straddles the saddle threshold −${t.negativeCurvature}·λ_max = ${fmt(T)}${extra(e)}`,
    );
    penalty *= 0.8;
    return done('stationary (curvature unresolved)');
  }
  if (e.status === 'unresolved') {
    // on the safe side of the threshold, but not to its tolerance or not settled: say so
    if (lm.source === 'estimate') penalty *= 0.8;
    reasons.push(
      `λ_min = ${fmt(e.value)}${src} has not reached its tolerance (interval ` +
        `[${fmt(lowerOf(e))}, ${fmt(upperOf(e))}], above the saddle threshold)${extra(e)}`,
    );
  }
  if (lm.source === 'estimate') penalty *= 0.85;
  margin(Math.max(-lowerOf(e) / ref, 1e-12), t.negativeCurvature);
  reasons.push(`no significant negative curvature: λ_min ≥ ${fmt(lowerOf(e))}${src} ≥ −${t.negativeCurvature}·λ_max`);
  // 2b. degenerate: λ_min at zero within its bound
  if (lowerOf(e) <= t.nearZero * ref) {
    measures.degenerate = true;
    reasons.push(
      `λ_min is at zero within its bound (|λ| ≤ ${t.nearZero}·λ_max): second-order information cannot ` +
        `decide whether this is a minimum — higher-order terms along the null directions can still descend`,
    );
    if (v.nullProbe?.descent) {
      const d = v.nullProbe.descent;
      margin(-d.relative, t.nullDescent);
      reasons.push(
        `degenerate: descent along a null direction found at t=${fmt(d.t)}: ` +
          `the loss falls by ${fmt(-d.lossChange)} (${fmt(-100 * d.relative)} % ` +
          `of L) where the quadratic model is flat — a higher-order saddle`,
      );
      return done('saddle');
    }
    if (v.nullProbe)
      reasons.push(
        `the loss along ${v.nullProbe.directions} null direction(s), ±t for t up ` +
          `to ${fmt(Math.max(...v.nullProbe.steps))}, does not decrease (a higher-order descent elsewhere ` +
          `is not excluded)`,
      );
    else reasons.push('the null directions were not probed');
    penalty *= 0.85;
  }
  // 3. flatness
  if (v.density) {
    const mass = nearZeroMass(v.density, t.nearZero * ref);
    measures.nearZeroMass = mass;
    margin(Math.max(mass, 1e-6), t.flatMass);
    if (mass >= t.flatMass) {
      reasons.push(
        `${fmt(100 * mass)} % of the spectral mass has |λ| ≤ ${t.nearZero}·λ_max ` +
          `(threshold ${100 * t.flatMass} %): many flat directions — a valley of (nearly) constant loss`,
      );
      return done('flat valley');
    }
    reasons.push(`only ${fmt(100 * mass)} % of the spectral mass is near zero (|λ| ≤ ${t.nearZero}·λ_max)`);
  } else {
    penalty *= 0.85;
    reasons.push('spectral density not computed: flat directions not counted');
  }
  return done('local minimum');

  function done(kind: VerdictKind): Verdict {
    const m = margins.length ? Math.min(...margins) : 0;
    const confidence = Math.min(0.99, Math.max(0.05, (1 - 0.5 * Math.exp(-2 * m)) * penalty));
    return { kind, confidence, reasons, thresholds: t, measures };
  }
}

function extra(e: EigenInput): string {
  if (e.status !== 'unresolved') return '';
  return e.extraHvps == null
    ? '; resolving it needs more HVPs than can be estimated (its bound is not decreasing yet)'
    : `; resolving it would take about ${e.extraHvps} more HVPs`;
}
