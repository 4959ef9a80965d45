/**
 * The headline numbers of a result, in one home: which number is "λ_max", "λ_min" and "the"
 * sharpness, and which verdict is shown. Read by the CLI's compare / report tables
 * (src/cli/commands.ts), the HTML report's summary (src/core/report/html.ts), the hover, runs tree,
 * lens and status bar (through src/shared/resultView.ts), the extension's log lines
 * (src/extension/service.ts) and the dashboard's cards (webview/sections/cards.ts). Pure: no Node,
 * no DOM, no `vscode`.
 *
 *  - λ_max: the largest requested eigenvalue (`hessian.top[0]`).
 *  - λ_min: the requested bottom eigenvalue, else the estimate from the Krylov space of λ_max
 *    (`hessian.bottomEstimate`), with its status (estimate, unresolved) and error bound.
 *  - sharpness: Keskar ε-sharpness at ε = 1e-3 in the full space, else the first Keskar value
 *    computed (named, so a view can say which one it shows).
 *  - verdict: the engine's verdict; a result cached by an engine from before λ_min was always
 *    checked that says "local minimum" / "flat valley" without any λ_min is shown as what was
 *    measured: "stationary (curvature not checked)".
 */
import type { DiagnoseResult } from './result';

export interface Verdict {
  kind: string;
  confidence?: number | string;
  reasons?: string[];
}

export interface LambdaMinInfo {
  value: number;
  /** from the Krylov space of λ_max (no bottom eigenvalue was requested) */
  estimate: boolean;
  unresolved: boolean;
  /** the error bound (residual bound, else the residual) */
  bound?: number;
}

export interface SharpnessInfo {
  value: number;
  epsilon: number;
  subspace: number | null;
  /** not the ε = 1e-3 full-space value (that one was not computed): the first Keskar value */
  fallback: boolean;
}

export function lambdaMax(r: DiagnoseResult | null | undefined): number | undefined {
  const v = r?.hessian?.top?.[0]?.value;
  return typeof v === 'number' ? v : undefined;
}

/** λ_min: the requested bottom eigenvalue, else the quick estimate from the top run (newer results); with its status. */
export function lambdaMinInfo(r: DiagnoseResult | null | undefined): LambdaMinInfo | undefined {
  const h = r?.hessian;
  const e = h?.bottom?.length ? h.bottom[0] : h?.bottomEstimate;
  if (!e || typeof e.value !== 'number') return undefined;
  const bound = typeof e.bound === 'number' ? e.bound : typeof e.residual === 'number' ? e.residual : undefined;
  return { value: e.value, estimate: !h?.bottom?.length, unresolved: e.status === 'unresolved', bound };
}

export function lambdaMin(r: DiagnoseResult | null | undefined): number | undefined {
  return lambdaMinInfo(r)?.value;
}

/** "the" sharpness: Keskar ε = 1e-3 in the full space, else the first Keskar value. */
export function sharpnessInfo(r: DiagnoseResult | null | undefined): SharpnessInfo | undefined {
  const k = r?.sharpness?.keskar;
  if (!k?.length) return undefined;
  const main = k.find(s => s.subspace === null && s.epsilon === 1e-3);
  const s = main ?? k[0];
  return { value: s.value, epsilon: s.epsilon, subspace: s.subspace, fallback: !main };
}

export function sharpnessOf(r: DiagnoseResult | null | undefined): number | undefined {
  return sharpnessInfo(r)?.value;
}

export function traceOf(r: DiagnoseResult | null | undefined): number | undefined {
  return r?.hessian?.trace?.estimate;
}

export function pgbResidual(r: DiagnoseResult | null | undefined): number | undefined {
  const v = (r as { pgb?: { residual?: unknown } } | null | undefined)?.pgb?.residual;
  return typeof v === 'number' ? v : undefined;
}

/** The verdict to show (see the header: an old "local minimum" without λ_min is shown as not checked). */
export function verdictOf(r: DiagnoseResult | null | undefined): Verdict | undefined {
  const v = (r as { verdict?: Verdict } | null | undefined)?.verdict;
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

/** Every headline number of a result at once (the views' rows and cards). */
export interface Headline {
  loss: number;
  gradNorm: number;
  lambdaMax?: number;
  lambdaMin?: LambdaMinInfo;
  trace?: number;
  sharpness?: SharpnessInfo;
  pgbResidual?: number;
  verdict?: Verdict;
  /** the honest flags (flagsOf): shown beside the verdict */
  flags?: string[];
}

export function headline(r: DiagnoseResult): Headline {
  return {
    loss: r.loss,
    gradNorm: r.gradNorm,
    lambdaMax: lambdaMax(r),
    lambdaMin: lambdaMinInfo(r),
    trace: traceOf(r),
    sharpness: sharpnessInfo(r),
    pgbResidual: pgbResidual(r),
    verdict: verdictOf(r),
    ...(flagsOf(r).length ? { flags: flagsOf(r) } : {}),
  };
}

/**
 * The honest flags of a result (issue 24), one short line each, for the headline, the CLI and the views:
 * a logged training loss more than 3× away from the evaluated one (with the likely cause), a folded export
 * diagnosed alone (its parameters are not the training parameters), a loss that does not fit the targets.
 */
export function flagsOf(r: DiagnoseResult | null | undefined): string[] {
  const out: string[] = [];
  if (r?.lossCheck?.flagged) out.push(r.lossCheck.text);
  if (r?.foldedExport)
    out.push('folded export: BatchNorm folded into the convolutions, so these parameters are not the training parameters');
  if (r?.lossAdvice) out.push(r.lossAdvice);
  return out;
}
