/**
 * The one number format of Landscape Lens, shared by the CLI, hovers, the runs tree, the status
 * bar, the dashboard and the HTML report (pure: no Node, no DOM, no `vscode`; the webview bundles it).
 *
 *  - `fmt`: `digits` significant digits (default 4), trailing zeros dropped, exponent notation
 *    below 1e-3 and from 1e6 (0 stays "0"); NaN/absent → "—", ±Infinity → "∞"/"−∞". `ascii`
 *    writes the minus as "-" (terminal output that users paste into code); otherwise "−" (U+2212).
 *  - `pct`: a fraction as a percentage (one decimal below 10 %).
 *  - `fmtDuration`, `fmtMs`, `fmtBytes`: units.
 */

/** Below this magnitude and from EXP_HIGH up, numbers are written with an exponent. */
export const EXP_LOW = 1e-3;
export const EXP_HIGH = 1e6;

export interface FormatOptions {
  /** "-" instead of "−" for the minus sign (terminal output). */
  ascii?: boolean;
}

/** A number with `digits` significant digits: 0.113, 5.204, 1.2e-5, 3.4e+6. */
export function fmt(x: number | null | undefined, digits = 4, o: FormatOptions = {}): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  const minus = o.ascii ? '-' : '−';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : `${minus}∞`;
  const a = Math.abs(x);
  const s =
    a !== 0 && (a < EXP_LOW || a >= EXP_HIGH)
      ? x.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e')
      : String(Number(x.toPrecision(digits)));
  return s.replace(/^-/, minus);
}

/** Terminal flavour of `fmt` (ASCII minus). */
export function fmtText(x: number | null | undefined, digits = 4): string {
  return fmt(x, digits, { ascii: true });
}

/** A fraction in [0, 1] as a percentage: 0.934 → "93 %" (one decimal below 10 %). */
export function pct(f: number | null | undefined): string {
  if (f === null || f === undefined || !Number.isFinite(f)) return '—';
  const p = 100 * f;
  return `${Math.abs(p) < 10 && p !== 0 ? p.toFixed(1) : Math.round(p)} %`;
}

/** Seconds for people: "42 s", "7 min", "2.5 h". */
export function fmtDuration(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Milliseconds as measured: "850 ms", "12.3 s". */
export function fmtMs(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes for people: "12 KB", "340 MB", "1.5 GB". */
export function fmtBytes(b: number): string {
  return b < 2 ** 20
    ? `${Math.max(1, Math.round(b / 1024))} KB`
    : b < 2 ** 30
      ? `${Math.round(b / 2 ** 20)} MB`
      : `${(b / 2 ** 30).toFixed(1)} GB`;
}
