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

/** value (±bound), and "unresolved" with the estimated extra HVPs when it is. */
export function eigText(e: { value: number; residual: number; bound?: number; status?: string; extraHvps?: number | null }): string {
  const b = e.bound ?? e.residual;
  return `${fmtNum(e.value, 5)} (±${fmtNum(b, 2)}${e.status === 'unresolved' ? `, unresolved${e.extraHvps != null ? `: ~${e.extraHvps} more HVPs` : ''}` : ''})`;
}

/** Kinds that make no claim about the point (no confidence shown). */
export function claimsNothing(kind: string): boolean { return kind === 'undetermined' || /curvature (not checked|unresolved)/.test(kind); }

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
    ['time', `${r.timings.totalMs.toFixed(0)} ms`],
  ];
  if (r.specialNeurons) rows.push(['special neurons', `λ = ${r.specialNeurons.lambda}, max |a_k| = ${fmtNum(r.specialNeurons.maxAbsA, 3)}, share of the output ${fmtNum(100 * r.specialNeurons.outputShare, 3)} % (Kawaguchi & Kaelbling: a → 0 at a local minimum)`]);
  const h = r.hessian;
  if (h) {
    if (h.top.length) rows.push(['λ top', h.top.map(eigText).join(', ')]);
    if (h.bottom.length) rows.push(['λ bottom', h.bottom.map(eigText).join(', ')]);
    if (h.bottomEstimate) rows.push(['λ_min estimate', `${eigText(h.bottomEstimate)} (from the Krylov space of λ_max)`]);
    if (h.lanczos) rows.push(['Lanczos', `${h.lanczos.iterations} steps, ${h.lanczos.hvps} HVPs${h.lanczos.unresolved ? `; ${h.lanczos.unresolved} eigenvalue(s) unresolved${h.lanczos.extraHvps != null ? `, about ${h.lanczos.extraHvps} more HVPs would resolve them` : ''}` : ', all resolved'}`]);
    if (h.trace) rows.push(['trace', `${fmtNum(h.trace.estimate, 5)} ± ${fmtNum(h.trace.stderr, 2)} (${h.trace.method}, ${h.trace.hvps} HVPs)`]);
    if (h.density) rows.push(['density', `${h.density.nodes.length} SLQ probes, ${h.density.hvps} HVPs`]);
    rows.push(['HVPs', `${h.hvps} exact, ${h.ms.toFixed(0)} ms`]);
  }
  const s = r.sharpness;
  if (s) {
    for (const k of s.keskar) rows.push([`ε-sharpness ${k.epsilon}${k.subspace ? ` (${k.subspace}-dim)` : ''}`, fmtNum(k.value, 4)]);
    rows.push(['adaptive sharpness', `${fmtNum(s.adaptive.value, 4)} (ρ = ${s.adaptive.rho}, ASAM)`]);
    rows.push(['PAC-Bayes σ', `${fmtNum(s.pacBayesSigma, 4)} (magnitude-aware ${fmtNum(s.pacBayesMagnitudeSigma, 4)}; δ = ${fmtNum(s.pacBayes.delta, 3)})`]);
  }
  if (r.pgb) {
    rows.push(['PGB residual', `${fmtNum(r.pgb.residual, 4)} (r/L = ${fmtNum(r.pgb.relative, 3)}; L_PGB ${fmtNum(r.pgb.lossPgb, 5)}, ${r.pgb.iterations} it, ‖∇‖ rel ${fmtNum(r.pgb.gradRel, 2)})`]);
    rows.push(['PGB perturbed', `max r = ${fmtNum(r.pgb.maxPerturbedResidual, 4)} (r/L ${fmtNum(r.pgb.maxPerturbedRelative, 3)}) over ${r.pgb.perturbed.length} perturbations, ρ = ${r.pgb.rho}`]);
  }
  if (r.nullProbe) rows.push(['null directions', r.nullProbe.descent ? `descent at t = ${fmtNum(r.nullProbe.descent.t, 3)}: loss ${fmtNum(r.nullProbe.descent.lossChange, 3)} (${r.nullProbe.directions} directions, ${r.nullProbe.evaluations} losses)` : `no descent along ${r.nullProbe.directions} directions (${r.nullProbe.evaluations} losses)`]);
  if (r.verdict) rows.push(['verdict', claimsNothing(r.verdict.kind) ? r.verdict.kind : `${r.verdict.kind.toUpperCase()} (confidence ${(100 * r.verdict.confidence).toFixed(0)} %)`]);
  const layers = r.layers.map(l => `    ${l.name.padEnd(24)} ${String(l.params).padStart(10)} params   ‖g‖ = ${fmtNum(l.gradNorm, 4)}${l.traceShare !== undefined ? `   λ_max(block) ${fmtNum(l.topEigenvalue, 4)}   trace share ${(100 * l.traceShare).toFixed(1)} %` : ''}`).join('\n');
  const reasons = r.verdict ? '\n  why:\n' + r.verdict.reasons.map(x => `    - ${x}`).join('\n') : '';
  const theory = r.theory?.filter(t => t.status !== 'does not apply').map(t => `    - [${t.status}] ${t.statement} (${t.paper})`).join('\n');
  const notices = r.notices.length ? '\n  notices:\n' + r.notices.map(n => `    - ${n}`).join('\n') : '';
  return `Landscape Lens — diagnose\n${table(rows)}\n  per layer:\n${layers}${reasons}${theory ? `\n  theory:\n${theory}` : ''}${notices}\n`;
}
