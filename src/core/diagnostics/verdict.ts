/**
 * The verdict: what kind of point θ is, from the quantities already computed, with a confidence
 * and the reasons in words and numbers. Rules (thresholds relative to λ_max and to the loss, all
 * configurable; defaults in DEFAULT_THRESHOLDS):
 *  1. not stationary — one gradient step of length 1/λ_max would lower the loss (quadratic model)
 *     by more than τ_g·L: ‖g‖²/(2λ_max) > τ_g·L (τ_g = 0.01). Without λ_max, the PGB residual
 *     decides instead: r/L > τ_pgb (0.05; Kawaguchi & Kaelbling 2020). With λ_max, a PGB residual
 *     above τ_pgb at a point the gradient test calls stationary does not change the kind — r is the
 *     gain of the best *global* linear model on the gradient basis, and near a stationary point it is
 *     dominated by tiny gradient components along flat Gauss–Newton directions (r ≈ ¼ gᵀG⁺g for
 *     squared loss), i.e. far extrapolation — but it is reported as a violated necessary condition
 *     and lowers the confidence (× 0.7).
 *  2. saddle — stationary and significant negative curvature beyond Lanczos' error:
 *     λ_min + res(λ_min) < −τ_neg·λ_max (τ_neg = 1e-3).
 *  3. flat valley — stationary, no significant negative curvature, and the Hessian has many
 *     near-zero directions: the spectral mass with |λ| ≤ τ_0·λ_max (τ_0 = 1e-3) is at least
 *     τ_flat (0.5) — the connected flat valleys of He, Li & Tao (ICLR 2020) for piecewise-linear
 *     networks, or symmetry directions; mass from the SLQ quadrature nodes and weights.
 *  4. local minimum — stationary, no significant negative curvature, few near-zero directions.
 * Confidence: each deciding comparison contributes its margin in decades, m = |log10(value/threshold)|;
 * confidence = 1 − 0.5·exp(−2·min m) (0.5 on a threshold, 0.93 one decade away), times 0.85 for each
 * missing input that could have changed the kind (λ_min, density, PGB) and 0.8 when Lanczos did not
 * converge; clamped to [0.05, 0.99].
 */

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
}

export const DEFAULT_THRESHOLDS: VerdictThresholds = { gradStep: 0.01, pgbRelative: 0.05, negativeCurvature: 1e-3, nearZero: 1e-3, flatMass: 0.5 };

export type VerdictKind = 'local minimum' | 'saddle' | 'not stationary' | 'flat valley' | 'undetermined';

export interface VerdictInput {
  loss: number;
  gradNorm: number;
  top?: { value: number; residual: number }[];
  bottom?: { value: number; residual: number }[];
  lanczosConverged?: boolean;
  density?: { nodes: number[][]; weights: number[][] };
  pgb?: { relative: number; maxPerturbedRelative?: number };
}

export interface Verdict {
  kind: VerdictKind;
  confidence: number;
  reasons: string[];
  thresholds: VerdictThresholds;
  measures: { predictedDecrease?: number; predictedDecreaseRelative?: number; negativeCurvatureRatio?: number; nearZeroMass?: number; pgbRelative?: number };
}

const fmt = (x: number) => (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));

/** Spectral mass with |λ| ≤ tol from SLQ quadrature (mean over probes of the node weights). */
export function nearZeroMass(density: { nodes: number[][]; weights: number[][] }, tol: number): number {
  let s = 0;
  for (let p = 0; p < density.nodes.length; p++) for (let j = 0; j < density.nodes[p].length; j++) if (Math.abs(density.nodes[p][j]) <= tol) s += density.weights[p][j];
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
  if (lmax === undefined) {
    if (v.pgb && v.pgb.relative > t.pgbRelative) {
      margin(v.pgb.relative, t.pgbRelative);
      reasons.push(`PGB residual r/L = ${fmt(v.pgb.relative)} > ${t.pgbRelative}: a linear model on the parameter gradients reaches a lower loss, so θ violates the necessary condition for a local minimum`);
      return done('not stationary');
    }
    reasons.push('needs the top Hessian eigenvalue (λ_max; --top 1) to judge stationarity relative to the curvature');
    return { kind: 'undetermined', confidence: 0, reasons, thresholds: t, measures };
  }
  if (v.lanczosConverged === false) { penalty *= 0.8; reasons.push('Lanczos did not reach its tolerance within the budget: eigenvalues are estimates'); }
  // 1. stationarity
  const dec = lmax > 0 ? g2 / (2 * lmax) : (g2 > 0 ? Infinity : 0);
  measures.predictedDecrease = dec; measures.predictedDecreaseRelative = dec / L;
  const gradSays = dec > t.gradStep * L;
  if (gradSays) {
    if (Number.isFinite(dec)) margin(dec / L, t.gradStep); else margins.push(3);
    reasons.push(lmax > 0
      ? `a gradient step of length 1/λ_max would lower the loss by ‖g‖²/(2λ_max) = ${fmt(dec)} = ${fmt(100 * dec / L)} % of L (threshold ${100 * t.gradStep} %); ‖g‖ = ${fmt(v.gradNorm)}, λ_max = ${fmt(lmax)}`
      : `no positive curvature (λ_max = ${fmt(lmax)}) and a non-zero gradient ‖g‖ = ${fmt(v.gradNorm)}`);
    if (v.pgb && v.pgb.relative > t.pgbRelative) reasons.push(`PGB residual r/L = ${fmt(v.pgb.relative)}: the gradient-basis linear model reaches a lower loss (Kawaguchi & Kaelbling 2020 necessary condition violated)`);
    const lmin = v.bottom?.[0];
    if (lmin && lmin.value + lmin.residual < -t.negativeCurvature * lmax) reasons.push(`there is also negative curvature: λ_min = ${fmt(lmin.value)}`);
    return done('not stationary');
  }
  margin(dec / L || 1e-300, t.gradStep);
  reasons.push(`stationary: a 1/λ_max gradient step would lower the loss by only ${fmt(100 * dec / L)} % of L (threshold ${100 * t.gradStep} %)`);
  if (v.pgb) {
    if (v.pgb.relative > t.pgbRelative) {
      penalty *= 0.7;
      reasons.push(`but the PGB residual r/L = ${fmt(v.pgb.relative)} > ${t.pgbRelative}: a linear model on the parameter gradients reaches a lower loss, so the necessary condition for a local minimum (Kawaguchi & Kaelbling 2020) is violated — training has not fully converged (the residual comes from small gradient components along flat directions)`);
    } else { margin(Math.max(v.pgb.relative, 1e-12), t.pgbRelative); reasons.push(`PGB residual r/L = ${fmt(v.pgb.relative)} ≤ ${t.pgbRelative}: the necessary condition holds${v.pgb.maxPerturbedRelative !== undefined ? ` (perturbed: max ${fmt(v.pgb.maxPerturbedRelative)})` : ''}`); }
  } else penalty *= 0.85;
  // 2. negative curvature
  const lmin = v.bottom?.[0];
  if (lmin) {
    const ratio = -(lmin.value + lmin.residual) / lmax;
    measures.negativeCurvatureRatio = -lmin.value / lmax;
    if (ratio > t.negativeCurvature) {
      margin(ratio, t.negativeCurvature);
      reasons.push(`significant negative curvature: λ_min = ${fmt(lmin.value)} (residual ${fmt(lmin.residual)}) = −${fmt(-lmin.value / lmax)}·λ_max, beyond −${t.negativeCurvature}·λ_max: a descent direction of second order exists`);
      return done('saddle');
    }
    margin(Math.max(ratio, 1e-12), t.negativeCurvature);
    reasons.push(`no significant negative curvature: λ_min = ${fmt(lmin.value)} ≥ −${t.negativeCurvature}·λ_max within its residual`);
  } else { penalty *= 0.85; reasons.push('λ_min not computed (--bottom 1): negative curvature not checked'); }
  // 3. flatness
  if (v.density) {
    const mass = nearZeroMass(v.density, t.nearZero * Math.abs(lmax));
    measures.nearZeroMass = mass;
    margin(Math.max(mass, 1e-6), t.flatMass);
    if (mass >= t.flatMass) {
      reasons.push(`${fmt(100 * mass)} % of the spectral mass has |λ| ≤ ${t.nearZero}·λ_max (threshold ${100 * t.flatMass} %): many flat directions — a valley of (nearly) constant loss`);
      return done('flat valley');
    }
    reasons.push(`only ${fmt(100 * mass)} % of the spectral mass is near zero (|λ| ≤ ${t.nearZero}·λ_max)`);
  } else { penalty *= 0.85; reasons.push('spectral density not computed (--density): flat directions not counted'); }
  return done('local minimum');

  function done(kind: VerdictKind): Verdict {
    const m = margins.length ? Math.min(...margins) : 0;
    const confidence = Math.min(0.99, Math.max(0.05, (1 - 0.5 * Math.exp(-2 * m)) * penalty));
    return { kind, confidence, reasons, thresholds: t, measures };
  }
}
