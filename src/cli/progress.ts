/**
 * A progress bar on stderr when it is a terminal (never with --json or when piped):
 * `[########··········]  42 %  hessian 30/120 · checkpoint 3/12`, redrawn in place, cleared at the end.
 */
import { guardStream, termLine } from '../shared/terminal';

export interface ProgressBar {
  update(p: { fraction?: number; message?: string; stage?: string }): void;
  prefix(s: string): void;
  done(): void;
}

export function progressBar(enabled = Boolean(process.stderr.isTTY)): ProgressBar {
  let pre = '',
    last = 0,
    shown = false,
    hi = 0;
  const width = 24;
  // the bar's own carriage returns pass the terminal guard; the message (names from files) is escaped
  const raw = guardStream(process.stderr);
  return {
    prefix(s: string) {
      pre = s;
      hi = 0;
    },
    update(p) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 80 && p.fraction !== 1) {
        hi = Math.max(hi, Math.max(0, Math.min(1, p.fraction ?? 0)));
        return;
      }
      last = now;
      // monotone: stages estimate their share of the work and may overlap; the bar never moves back
      const f = (hi = Math.max(hi, Math.max(0, Math.min(1, p.fraction ?? 0))));
      const n = Math.round(f * width);
      const cols = process.stderr.columns || 100;
      const line =
        `[${'#'.repeat(n)}${'·'.repeat(width - n)}] ${String(Math.round(100 * f)).padStart(3)} %  ` +
        termLine(`${p.message ?? p.stage ?? ''}${pre ? ` · ${pre}` : ''}`);
      raw(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, 100))}`);
      shown = true;
    },
    done() {
      if (enabled && shown) raw(`\r${' '.repeat(Math.min((process.stderr.columns || 100) - 1, 100))}\r`);
      shown = false;
    },
  };
}
