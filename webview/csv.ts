/**
 * The dashboard's CSV export: RFC 4180 (a field with a quote, comma, CR or LF is quoted, quotes
 * doubled) with CSV-injection neutralisation (OWASP, "CSV Injection"): a text field that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula by a spreadsheet, so it
 * is prefixed with `'`. Numbers are written as numbers (a negative value stays −0.5, not '−0.5);
 * non-finite numbers and absent values are empty fields.
 */

/** A text field a spreadsheet would evaluate (OWASP CSV injection): its first character. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  let s = String(v);
  if (typeof v !== 'number' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of columns (header row, then rows). */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return [header, ...rows].map(r => r.map(csvField).join(',')).join('\n') + '\n';
}
