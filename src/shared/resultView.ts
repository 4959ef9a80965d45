/**
 * Reading result fields for the views (hover, runs tree, lens, status bar, dashboard). Pure: no
 * `vscode`, no DOM (the webview bundles it). The core's result gains fields over time (pgb, verdict,
 * theory, sharpness.adaptive, layers[].traceShare); they are read here as optional, so the views
 * show "not computed" where a field is absent. The headline numbers (λ_max, λ_min, the sharpness,
 * the verdict) have their one home in ./headline.ts and are re-exported here.
 */
import type { DiagnoseResult } from './result';
import { fmt, pct } from './format';
import { claimsSomething, isVerdictKind, type VerdictKind } from '../core/diagnostics/verdict';
import { lambdaMax, lambdaMinInfo, verdictOf, type Verdict } from './headline';
export { lambdaMax, lambdaMin, lambdaMinInfo, verdictOf, sharpnessOf, sharpnessInfo, traceOf, pgbResidual, headline } from './headline';
export type { Verdict, Headline, LambdaMinInfo, SharpnessInfo } from './headline';

/** The one number format (src/shared/format.ts), re-exported for the views that import it from here. */
export { fmt };

export type AnyResult = DiagnoseResult & { pgb?: { residual?: number }; verdict?: Verdict; theory?: unknown[] };

/** "−0.0720", "≈ −0.0720 (estimate)", "−0.00650 (unresolved)", or "—". */
export function lambdaMinText(r: DiagnoseResult | undefined): string {
  const i = lambdaMinInfo(r);
  if (!i) return '—';
  return `${i.estimate ? '≈ ' : ''}${fmt(i.value)}${i.unresolved ? ' (unresolved)' : i.estimate ? ' (estimate)' : ''}`;
}

/**
 * How the network was evaluated, one line: mode, samples, loss and why, determinism. Older cached
 * results have no `evaluation` field: the line is built from the fields they do have.
 */
export function evaluationLine(r: DiagnoseResult): string {
  const e = (r as Partial<DiagnoseResult>).evaluation;
  if (e && typeof e.summary === 'string') return e.summary;
  const subset = r.samples < r.data.total;
  return [
    subset ? `a seeded random subset of ${r.samples} of ${r.data.total} samples (seed ${r.data.seed})` : `all ${r.data.total} samples`,
    `${r.lossFunction.kind} loss (${r.lossFunction.reason})`,
  ].join('; ');
}

/** The verdict with its confidence: "saddle (93 %)"; kinds that claim nothing get no percentage. */
export function verdictText(v: Verdict): string {
  const claims = claimsSomething(v.kind);
  const confidence =
    claims && typeof v.confidence === 'number'
      ? ` (${pct(v.confidence)})`
      : claims && v.confidence !== undefined
        ? ` (${v.confidence})`
        : '';
  return `${v.kind}${confidence}`;
}

/** The tone of each kind the engine emits (VERDICT_KINDS): runs-tree icons, labels. */
export const VERDICT_TONE: Record<VerdictKind, 'good' | 'warn' | 'info'> = {
  'local minimum': 'good',
  'flat valley': 'good',
  saddle: 'warn',
  // still moving: nothing wrong, nothing settled
  'not stationary': 'info',
  // nothing claimed about the curvature
  'stationary (curvature not checked)': 'info',
  'stationary (curvature unresolved)': 'info',
  undetermined: 'info',
};

/** 'good' | 'warn' | 'bad' | 'info' from the verdict kind (or from the thresholds when there is no verdict). */
export function verdictTone(
  r: DiagnoseResult | undefined,
  thresholds: { lambdaMax?: number; gradNorm?: number } = {},
): 'good' | 'warn' | 'bad' | 'info' | 'none' {
  if (!r) return 'none';
  const v = verdictOf(r);
  // a kind no engine emits now (an old cached result): neutral
  if (v) return isVerdictKind(v.kind) ? VERDICT_TONE[v.kind] : 'info';
  const lm = lambdaMax(r);
  if (!Number.isFinite(r.loss)) return 'bad';
  if ((thresholds.lambdaMax && lm !== undefined && lm > thresholds.lambdaMax) || (thresholds.gradNorm && r.gradNorm > thresholds.gradNorm))
    return 'warn';
  return 'info';
}

/** "loss 0.113 · ‖g‖ 0.159 · λmax 5.20" */
export function keyNumbers(r: DiagnoseResult): string {
  const parts = [`loss ${fmt(r.loss)}`, `‖g‖ ${fmt(r.gradNorm)}`];
  const lm = lambdaMax(r);
  if (lm !== undefined) parts.push(`λmax ${fmt(lm)}`);
  const v = verdictOf(r);
  if (v) parts.unshift(v.kind);
  return parts.join(' · ');
}
