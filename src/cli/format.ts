/**
 * Human-readable rendering of results for the terminal: the diagnose table is the header rows,
 * then each diagnostic's rows from its registry descriptor (src/core/diagnostics/registry.ts), the
 * work done, the verdict, per-layer lines, the reasons, the theory rules and the notices. Numbers
 * come from the one formatter (src/shared/format.ts; ASCII minus in the terminal).
 */
import type { DiagnoseResult } from '../core/diagnose';
import { resultRows } from '../core/diagnostics/registry';
import { claimsSomething } from '../core/diagnostics/verdict';
import { fmtText, fmtMs } from '../shared/format';
import { flagsOf } from '../shared/headline';

/** A number for the terminal: `digits` significant digits (default 6). */
export function fmtNum(x: number | undefined | null, digits = 6): string {
  return fmtText(x, digits);
}

export function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map(r => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

/** "120 exact HVPs (spectrum 80, trace 40), 850 ms" from the per-diagnostic counts. */
function workRow(r: DiagnoseResult): [string, string] | undefined {
  if (!r.counts.hvp) return undefined;
  const by = Object.entries(r.timings.diagnostics ?? {})
    .filter(([, t]) => t.hvp > 0)
    .map(([id, t]) => `${id} ${t.hvp}`);
  const ms = r.hessian?.ms ?? r.timings.hessianMs;
  return ['HVPs', `${r.counts.hvp} exact${by.length ? ` (${by.join(', ')})` : ''}${ms ? `, Hessian ${fmtMs(ms)}` : ''}`];
}

export function renderDiagnose(r: DiagnoseResult): string {
  const rows: [string, string][] = [
    ['checkpoint', r.checkpoint],
    ['format', r.format],
    ['backend', r.backend],
    ['parameters', r.params.toLocaleString('en-US')],
    ['data', `${r.data.file} (${r.samples} of ${r.data.total} samples, seed ${r.data.seed})`],
    ['loss function', `${r.lossFunction.kind} (${r.lossFunction.reason})`],
    ...(r.evaluation ? [['evaluated', `${r.evaluation.summary}`] as [string, string]] : []),
    ['loss', fmtNum(r.loss)],
    ['gradient norm', fmtNum(r.gradNorm)],
    ['time', fmtMs(r.timings.totalMs)],
  ];
  rows.push(...resultRows(r));
  const work = workRow(r);
  if (work) rows.push(work);
  if (r.verdict)
    rows.push([
      'verdict',
      !claimsSomething(r.verdict.kind)
        ? r.verdict.kind
        : `${r.verdict.kind.toUpperCase()} (confidence ${(100 * r.verdict.confidence).toFixed(0)} %)` +
          // resting on the quick λ_min estimate (the default level): provisional, as the editor marks it
          (['local minimum', 'flat valley', 'saddle'].includes(r.verdict.kind) && !r.hessian?.bottom?.length
            ? ' — provisional: λ_min is the quick estimate (--level standard computes it)'
            : ''),
    ]);
  // the honest flags (headline.ts flagsOf): a logged loss far from the evaluated one, a folded export, a loss that does not fit
  if (r.lossCheck && !r.lossCheck.flagged) rows.push(['logged loss', r.lossCheck.text]);
  for (const f of flagsOf(r)) rows.push(['check', f]);
  if (r.lossCheck?.flagged) rows.push(['', r.lossCheck.option]);
  const layers = r.layers
    .map(l => {
      const curv =
        l.traceShare !== undefined
          ? `   λ_max(block) ${fmtNum(l.topEigenvalue, 4)}   trace share ${(100 * l.traceShare).toFixed(1)} %`
          : '';
      return `    ${l.name.padEnd(24)} ${String(l.params).padStart(10)} params   ‖g‖ = ${fmtNum(l.gradNorm, 4)}${curv}`;
    })
    .join('\n');
  const reasons = r.verdict ? '\n  why:\n' + r.verdict.reasons.map(x => `    - ${x}`).join('\n') : '';
  const theory = r.theory
    ?.filter(t => t.status !== 'does not apply')
    .map(t => `    - [${t.status}] ${t.statement} (${t.paper})`)
    .join('\n');
  const notices = r.notices.length ? '\n  notices:\n' + r.notices.map(n => `    - ${n}`).join('\n') : '';
  return (
    `Landscape Lens — diagnose\n${table(rows)}\n  per layer:\n${layers}${reasons}` + `${theory ? `\n  theory:\n${theory}` : ''}${notices}\n`
  );
}
