/** Human-readable rendering of results for the terminal. */
import type { DiagnoseResult } from '../core/diagnose';

export function fmtNum(x: number | undefined, digits = 6): string {
  if (x === undefined || x === null) return '—';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(digits - 2) : x.toPrecision(digits);
}

export function table(rows: [string, string][]): string {
  const w = Math.max(...rows.map(r => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

export function renderDiagnose(r: DiagnoseResult): string {
  const rows: [string, string][] = [
    ['checkpoint', r.checkpoint],
    ['format', r.format],
    ['backend', r.backend],
    ['parameters', r.params.toLocaleString('en-US')],
    ['data', `${r.data.file} (${r.samples} of ${r.data.total} samples, seed ${r.data.seed})`],
    ['loss function', `${r.lossFunction.kind} (${r.lossFunction.reason})`],
    ['loss', fmtNum(r.loss)],
    ['gradient norm', fmtNum(r.gradNorm)],
    ['time', `${r.timings.totalMs.toFixed(0)} ms`],
  ];
  if (r.specialNeurons) rows.push(['special neurons', `λ = ${r.specialNeurons.lambda}, max |a_k| = ${fmtNum(r.specialNeurons.maxAbsA, 3)}, share of the output ${fmtNum(100 * r.specialNeurons.outputShare, 3)} % (Kawaguchi & Kaelbling: a → 0 at a local minimum)`]);
  const h = r.hessian;
  if (h) {
    if (h.top.length) rows.push(['λ top', h.top.map(e => `${fmtNum(e.value, 5)} (±${fmtNum(e.residual, 2)})`).join(', ')]);
    if (h.bottom.length) rows.push(['λ bottom', h.bottom.map(e => `${fmtNum(e.value, 5)} (±${fmtNum(e.residual, 2)})`).join(', ')]);
    if (h.trace) rows.push(['trace', `${fmtNum(h.trace.estimate, 5)} ± ${fmtNum(h.trace.stderr, 2)} (${h.trace.method}, ${h.trace.hvps} HVPs)`]);
    if (h.density) rows.push(['density', `${h.density.nodes.length} SLQ probes, ${h.density.hvps} HVPs`]);
    rows.push(['HVPs', `${h.hvps} exact, ${h.ms.toFixed(0)} ms`]);
  }
  const layers = r.layers.map(l => `    ${l.name.padEnd(24)} ${String(l.params).padStart(10)} params   ‖g‖ = ${fmtNum(l.gradNorm, 4)}`).join('\n');
  const notices = r.notices.length ? '\n  notices:\n' + r.notices.map(n => `    - ${n}`).join('\n') : '';
  return `Landscape Lens — diagnose\n${table(rows)}\n  per layer:\n${layers}${notices}\n`;
}
