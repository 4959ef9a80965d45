/**
 * Reading result fields for the views. The core's result gains fields over time (pgb, verdict,
 * theory, sharpness.adaptive, layers[].traceShare); they are read here as optional, so the
 * views show "not computed" where a field is absent.
 */
import type { DiagnoseResult } from '../shared/result';
import { fmt, pct } from '../shared/format';
import { claimsSomething, isVerdictKind, type VerdictKind } from '../core/diagnostics/verdict';

/** The one number format (src/shared/format.ts), re-exported for the views that import it from here. */
export { fmt };

export interface Verdict {
  kind: string;
  confidence?: number | string;
  reasons?: string[];
}
export type AnyResult = DiagnoseResult & { pgb?: { residual?: number }; verdict?: Verdict; theory?: unknown[] };

/**
 * The verdict to show. A result cached by an engine from before λ_min was always checked can say
 * "local minimum" or "flat valley" without any smallest eigenvalue; it is shown as what was
 * measured: "stationary (curvature not checked)".
 */
export function verdictOf(r: DiagnoseResult | undefined): Verdict | undefined {
  const v = (r as AnyResult | undefined)?.verdict;
  if (!v || typeof v.kind !== 'string') return undefined;
  if ((v.kind === 'local minimum' || v.kind === 'flat valley') && !lambdaMinInfo(r)) {
    return {
      kind: 'stationary (curvature not checked)',
      reasons: [
        ...(v.reasons ?? []),
        `an earlier engine called this "${v.kind}" without computing λ_min: the curvature was not checked (diagnose again)`,
      ],
    };
  }
  return v;
}
export function lambdaMax(r: DiagnoseResult | undefined): number | undefined {
  return r?.hessian?.top?.[0]?.value;
}
export function lambdaMin(r: DiagnoseResult | undefined): number | undefined {
  return lambdaMinInfo(r)?.value;
}

/** λ_min: the requested bottom eigenvalue, else the quick estimate from the top run (newer results); with its status. */
export function lambdaMinInfo(
  r: DiagnoseResult | undefined,
): { value: number; estimate: boolean; unresolved: boolean; bound?: number } | undefined {
  const h = r?.hessian;
  const e = h?.bottom?.length ? h.bottom[0] : h?.bottomEstimate;
  if (!e || typeof e.value !== 'number') return undefined;
  return {
    value: e.value,
    estimate: !h?.bottom?.length,
    unresolved: e.status === 'unresolved',
    bound: typeof e.bound === 'number' ? e.bound : undefined,
  };
}

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
export function traceOf(r: DiagnoseResult | undefined): number | undefined {
  return r?.hessian?.trace?.estimate;
}
export function sharpnessOf(r: DiagnoseResult | undefined): number | undefined {
  const k = r?.sharpness?.keskar;
  return k?.find(s => s.subspace === null && s.epsilon === 1e-3)?.value ?? k?.[0]?.value;
}
export function pgbResidual(r: DiagnoseResult | undefined): number | undefined {
  const v = (r as AnyResult | undefined)?.pgb?.residual;
  return typeof v === 'number' ? v : undefined;
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
