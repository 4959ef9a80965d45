/**
 * Self-contained HTML report: one file with Chart.js and the data inlined, opened from disk in any
 * browser with no network. Summary table (one row per checkpoint: the numbers that tell the story),
 * then per run: training curves from the logs with checkpoint markers, λ_max / ε-sharpness / PGB
 * across checkpoints; per checkpoint: verdict and reasons, eigenvalues, spectral density, slices,
 * the 2-D slice as a heat map, per-layer curvature, weight spectra and the theory notes.
 * Used by `landscape report`, `landscape diagnose --html` and `landscape compare --html`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnoseResult } from '../diagnose';
import { edgeOfStability } from '../diagnostics/edgeOfStability';

export interface ReportCheckpoint { path: string; label: string; step?: number; result?: DiagnoseResult; error?: string }
export interface ReportRun { name: string; dir: string; series: { tag: string; file: string; steps: number[]; values: (number | null)[] }[]; checkpoints: ReportCheckpoint[] }
export interface ReportInput { title: string; subtitle?: string; runs: ReportRun[]; generatedAt?: string; notes?: string[] }

export interface SummaryRow {
  run: string; checkpoint: string; step: number | null; loss: number | null; gradNorm: number | null; lambdaMax: number | null; lambdaMin: number | null;
  trace: number | null; keskar: number | null; pgbRelative: number | null; maxAbsA: number | null; verdict: string; confidence: number | null; error?: string;
}

export function summaryRows(input: ReportInput): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const run of input.runs) for (const c of run.checkpoints) {
    const r = c.result;
    const sn = (r as (DiagnoseResult & { specialNeurons?: { maxAbsA?: number } }) | undefined)?.specialNeurons;
    rows.push({
      run: run.name, checkpoint: c.label, step: c.step ?? null,
      loss: r?.loss ?? null, gradNorm: r?.gradNorm ?? null,
      lambdaMax: r?.hessian?.top[0]?.value ?? null, lambdaMin: r?.hessian?.bottom[0]?.value ?? r?.hessian?.bottomEstimate?.value ?? null,
      trace: r?.hessian?.trace?.estimate ?? null,
      keskar: r?.sharpness?.keskar.find(k => k.epsilon === 1e-3 && k.subspace === null)?.value ?? null,
      pgbRelative: r?.pgb?.relative ?? null,
      maxAbsA: sn?.maxAbsA ?? null,
      verdict: r ? r.verdict?.kind ?? '' : 'error', confidence: r?.verdict?.confidence ?? null,
      ...(c.error ? { error: c.error } : {}),
    });
  }
  return rows;
}

/** Kinds that make no claim about the point (no confidence shown). */
function claimsNothing(kind: string): boolean { return kind === 'undetermined' || /curvature (not checked|unresolved)/.test(kind); }
/** CSS class suffix of a verdict kind: "stationary (curvature not checked)" → "stationary-curvature-not-checked". */
export function verdictClass(kind: string): string { return kind.replace(/[^a-z]+/g, '-').replace(/-$/, ''); }

/** Plain-text table of the summary (the CLI prints it). */
export function summaryText(rows: SummaryRow[]): string {
  const f = (x: number | null, d = 4) => (x === null ? '—' : Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) ? x.toExponential(d - 2) : x.toPrecision(d));
  const head = ['run', 'checkpoint', 'step', 'loss', '‖g‖', 'λ_max', 'λ_min', 'ε-sharp', 'PGB r/L', 'max|a|', 'verdict'];
  const body = rows.map(r => [r.run, r.checkpoint, r.step === null ? '—' : String(r.step), f(r.loss), f(r.gradNorm, 3), f(r.lambdaMax), f(r.lambdaMin, 3), f(r.keskar, 3), f(r.pgbRelative, 3), f(r.maxAbsA, 3),
    r.error ? `error: ${r.error}` : r.verdict + (r.confidence !== null && !claimsNothing(r.verdict) ? ` (${Math.round(100 * r.confidence)} %)` : '')]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map(b => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
  return [line(head), line(w.map(n => '─'.repeat(n))), ...body.map(line)].join('\n');
}

function chartJsSource(): string {
  const candidates = [
    path.join(__dirname, 'chart.umd.min.js'),
    path.join(__dirname, '..', '..', '..', 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'),
    path.join(__dirname, '..', 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'),
    path.join(process.cwd(), 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js'),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return fs.readFileSync(c, 'utf8');
  throw new Error(`chart.umd.min.js not found (looked in ${candidates.join(', ')})`);
}

const esc = (s: string) => s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]!));

/** Data for the page: results without the bulky parts the page does not draw. */
function pageData(input: ReportInput): unknown {
  return {
    title: input.title,
    runs: input.runs.map(r => ({
      name: r.name, dir: r.dir, series: r.series,
      // λ_max against 2/η where the logs carry the learning rate (the dashboard's chart; null otherwise)
      eos: edgeOfStability(r.series, r.checkpoints.filter(c => c.result).map(c => ({ step: c.step ?? null, lambdaMax: c.result!.hessian?.top?.[0]?.value ?? null, label: c.label }))) ?? null,
      checkpoints: r.checkpoints.map(c => ({ path: c.path, label: c.label, step: c.step ?? null, error: c.error ?? null, result: c.result ?? null })),
    })),
  };
}

export function renderReport(input: ReportInput): string {
  const rows = summaryRows(input);
  const f = (x: number | null, d = 4) => (x === null ? '—' : Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) ? x.toExponential(d - 2) : x.toPrecision(d));
  const summary = rows.map(r => `<tr><td>${esc(r.run)}</td><td title="${esc(r.checkpoint)}">${esc(r.checkpoint)}</td><td class="n">${r.step ?? '—'}</td><td class="n">${f(r.loss)}</td><td class="n">${f(r.gradNorm, 3)}</td><td class="n">${f(r.lambdaMax)}</td><td class="n">${f(r.lambdaMin, 3)}</td><td class="n">${f(r.trace)}</td><td class="n">${f(r.keskar, 3)}</td><td class="n">${f(r.pgbRelative, 3)}</td><td class="n">${f(r.maxAbsA, 3)}</td><td><span class="v v-${esc(verdictClass(r.verdict))}">${esc(r.error ? 'error' : r.verdict)}</span>${r.confidence !== null && !claimsNothing(r.verdict) ? ` <small>${Math.round(100 * r.confidence)} %</small>` : ''}${r.error ? `<div class="err">${esc(r.error)}</div>` : ''}</td></tr>`).join('\n');
  const data = JSON.stringify(pageData(input)).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(input.title)}</title>
<style>
:root { --fg: #1f2328; --muted: #656d76; --bg: #ffffff; --card: #f6f8fa; --border: #d0d7de; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --card: #161b22; --border: #30363d; --accent: #4493f8; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--border); padding-bottom: 4px; } h3 { font-size: 15px; margin: 16px 0 6px; }
.muted, small { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { border-bottom: 1px solid var(--border); padding: 4px 6px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.v { padding: 1px 6px; border-radius: 8px; font-size: 12px; white-space: nowrap; border: 1px solid var(--border); }
.v-local-minimum { background: #1a7f3733; } .v-saddle { background: #bf870033; } .v-not-stationary { background: #cf222e33; } .v-flat-valley { background: #0969da33; } .v-stationary-curvature-not-checked, .v-stationary-curvature-unresolved, .v-undetermined { background: #6e768133; } .v-error { background: #cf222e55; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 10px; }
.card canvas { width: 100% !important; height: 220px !important; }
details { margin: 10px 0; } summary { cursor: pointer; font-weight: 600; }
.err { color: #cf222e; font-size: 12px; } ul { margin: 4px 0; padding-left: 20px; }
</style></head><body>
<h1>${esc(input.title)}</h1>
<div class="muted">${esc(input.subtitle ?? '')} Generated ${esc(input.generatedAt ?? new Date().toISOString())} by Landscape Lens. Self-contained: Chart.js ${'4.5.1'} and the data are inlined.</div>
${(input.notes ?? []).map(n => `<p>${esc(n)}</p>`).join('\n')}
<h2>Summary</h2>
<table id="summary"><thead><tr><th>run</th><th>checkpoint</th><th>step</th><th>loss</th><th>‖∇L‖</th><th>λ_max</th><th>λ_min</th><th>trace</th><th>ε-sharpness (10⁻³)</th><th>PGB r/L</th><th>max|a_k|</th><th>verdict</th></tr></thead>
<tbody>${summary}</tbody></table>
<div id="runs"></div>
<script type="application/json" id="report-data">${data}</script>
<script>${chartJsSource()}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/** The page's own script (runs in the browser). */
const PAGE_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var css = getComputedStyle(document.documentElement);
  var fg = css.getPropertyValue('--fg').trim(), grid = css.getPropertyValue('--border').trim();
  Chart.defaults.color = fg; Chart.defaults.borderColor = grid; Chart.defaults.animation = false;
  var palette = ['#0969da', '#cf222e', '#1a7f37', '#bf8700', '#8250df', '#e16f24', '#1b7c83', '#d1242f'];
  function el(tag, attrs, html) { var e = document.createElement(tag); for (var k in attrs || {}) e.setAttribute(k, attrs[k]); if (html !== undefined) e.innerHTML = html; return e; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function fmt(x) { if (x === null || x === undefined) return '—'; var a = Math.abs(x); return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2) : x.toPrecision(4); }
  function card(parent, title) { var c = el('div', { class: 'card' }); c.appendChild(el('h3', {}, esc(title))); var cv = el('canvas'); c.appendChild(cv); parent.appendChild(c); return cv; }
  function line(cv, datasets, opts) {
    opts = opts || {};
    return new Chart(cv, { type: 'line', data: { datasets: datasets }, options: { parsing: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: datasets.length > 1 } },
      scales: { x: { type: opts.logx ? 'logarithmic' : 'linear', title: { display: !!opts.xlabel, text: opts.xlabel } }, y: { type: opts.logy ? 'logarithmic' : 'linear', title: { display: !!opts.ylabel, text: opts.ylabel } } } } });
  }
  function heat(parent, title, s) {
    var c = el('div', { class: 'card' }); c.appendChild(el('h3', {}, esc(title)));
    var cv = el('canvas', { width: 360, height: 300, style: 'height:300px !important' }); c.appendChild(cv); parent.appendChild(c);
    var ctx = cv.getContext('2d'), n = s.a.length, m = s.b.length, W = cv.width, H = cv.height;
    var lo = Infinity, hi = -Infinity; s.loss.forEach(function (r) { r.forEach(function (v) { if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    var L = function (v) { return Math.log(v - lo + 1e-12 * (hi - lo + 1)); }, l0 = L(lo), l1 = L(hi);
    for (var i = 0; i < n; i++) for (var j = 0; j < m; j++) {
      var t = (L(s.loss[i][j]) - l0) / (l1 - l0 || 1), r = Math.round(255 * Math.min(1, 1.5 * t)), g = Math.round(255 * Math.max(0, 1.2 * t - 0.2)), b = Math.round(255 * (1 - t) * 0.8 + 40);
      ctx.fillStyle = 'rgb(' + r + ',' + g + ',' + b + ')';
      ctx.fillRect(Math.floor(i * W / n), Math.floor((m - 1 - j) * H / m), Math.ceil(W / n), Math.ceil(H / m));
    }
    // contours: mark cells where a level is crossed horizontally or vertically
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    for (var k = 1; k < 8; k++) { var lev = l0 + (l1 - l0) * k / 8;
      for (var i2 = 0; i2 < n - 1; i2++) for (var j2 = 0; j2 < m - 1; j2++) { var v0 = L(s.loss[i2][j2]) - lev, v1 = L(s.loss[i2 + 1][j2]) - lev, v2 = L(s.loss[i2][j2 + 1]) - lev;
        if (v0 * v1 < 0 || v0 * v2 < 0) ctx.fillRect(Math.floor((i2 + 0.5) * W / n), Math.floor((m - 1 - j2 - 0.5) * H / m), 2, 2); } }
    ctx.strokeStyle = '#fff'; ctx.beginPath(); ctx.arc(W / 2, H / 2, 4, 0, 7); ctx.stroke();
    c.appendChild(el('div', { class: 'muted' }, 'loss from ' + fmt(lo) + ' (dark) to ' + fmt(hi) + ' (bright), log scale; θ at the centre; axes: two filter-normalised directions in [−1, 1]'));
  }
  data.runs.forEach(function (run, ri) {
    var sec = el('section', { id: 'run-' + ri }); sec.appendChild(el('h2', {}, 'Run: ' + esc(run.name) + ' <small>' + esc(run.dir) + '</small>'));
    var g = el('div', { class: 'grid' }); sec.appendChild(g);
    var ok = run.checkpoints.filter(function (c) { return c.result; });
    var lossSeries = run.series.filter(function (s) { return /loss/i.test(s.tag); });
    if (run.series.length) {
      var ds = (lossSeries.length ? lossSeries : run.series).slice(0, 6).map(function (s, i) { return { label: s.tag + ' (' + s.file + ')', data: s.steps.map(function (x, j) { return { x: x, y: s.values[j] }; }).filter(function (p) { return p.y !== null; }), borderColor: palette[i % 8], pointRadius: 0, borderWidth: 1.5 }; });
      var marks = ok.filter(function (c) { return c.step !== null; }).map(function (c) { return { x: c.step, y: c.result.loss }; });
      if (marks.length) ds.push({ label: 'checkpoints (loss on the diagnosis data)', data: marks, type: 'scatter', pointRadius: 5, pointStyle: 'rectRot', borderColor: '#cf222e', backgroundColor: '#cf222e' });
      line(card(g, 'Training curves'), ds, { xlabel: 'step', ylabel: 'loss', logy: true });
    }
    var xs = function (c, i) { return c.step !== null ? c.step : i; };
    var across = function (title, f, ylabel, logy) {
      var pts = ok.map(function (c, i) { return { x: xs(c, i), y: f(c.result) }; }).filter(function (p) { return p.y !== null && p.y !== undefined && isFinite(p.y); });
      if (pts.length) line(card(g, title), [{ label: title, data: pts, borderColor: palette[1], pointRadius: 4 }], { xlabel: 'checkpoint step', ylabel: ylabel, logy: logy });
    };
    across('λ_max across checkpoints', function (r) { return r.hessian && r.hessian.top[0] ? r.hessian.top[0].value : null; }, 'λ_max');
    across('ε-sharpness (ε = 10⁻³) across checkpoints', function (r) { var k = r.sharpness && r.sharpness.keskar.find(function (k) { return k.epsilon === 1e-3 && k.subspace === null; }); return k ? k.value : null; }, 'φ');
    if (run.eos && run.eos.points.length) {
      // edge of stability (Cohen et al. 2021): λ_max of each checkpoint against 2/η of the logged learning rate
      var eosCv = card(g, 'Edge of stability: λ_max against 2/η');
      new Chart(eosCv, { type: 'line', data: { datasets: [
        { label: 'λ_max', data: run.eos.points.map(function (p) { return { x: p.step, y: p.lambdaMax }; }), borderColor: palette[0], backgroundColor: run.eos.points.map(function (p) { return p.atEdge ? palette[1] : palette[0]; }), pointRadius: 5 },
        { label: '2/η (η = ' + run.eos.tag + ')', data: run.eos.points.map(function (p) { return { x: p.step, y: p.threshold }; }), borderColor: palette[1], borderDash: [6, 4], pointRadius: 0, stepped: 'before' },
      ] }, options: { parsing: false, responsive: true, maintainAspectRatio: false, scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { title: { display: true, text: 'curvature' } } } } });
      eosCv.parentNode.appendChild(el('p', { class: 'eos' }, esc(run.eos.sentence)));
    }
    across('PGB residual r/L across checkpoints', function (r) { return r.pgb ? r.pgb.relative : null; }, 'r/L');
    across('max |a_k| of the special neurons', function (r) { return r.specialNeurons ? r.specialNeurons.maxAbsA : null; }, 'max |a_k|');
    run.checkpoints.forEach(function (c) {
      var d = el('details'); d.appendChild(el('summary', {}, esc(c.label) + (c.step !== null ? ' · step ' + c.step : '') + (c.result && c.result.verdict ? ' · <span class="v v-' + c.result.verdict.kind.replace(/[^a-z]+/g, '-').replace(/-$/, '') + '">' + esc(c.result.verdict.kind) + '</span>' : '') + (c.error ? ' · <span class="err">' + esc(c.error) + '</span>' : '')));
      sec.appendChild(d);
      var r = c.result; if (!r) return;
      var info = el('div', { class: 'card' });
      var rows = [['loss', fmt(r.loss)], ['‖∇L‖', fmt(r.gradNorm)], ['parameters', r.params], ['data', esc(r.data.file) + ' (' + r.samples + ' samples)'], ['evaluated', r.evaluation ? esc(r.evaluation.summary) : '—'], ['λ_min', r.hessian && r.hessian.bottom && r.hessian.bottom.length ? fmt(r.hessian.bottom[0].value) + (r.hessian.bottom[0].status === 'unresolved' ? ' (unresolved)' : '') : r.hessian && r.hessian.bottomEstimate ? '≈ ' + fmt(r.hessian.bottomEstimate.value) + (r.hessian.bottomEstimate.status === 'unresolved' ? ' (unresolved)' : ' (estimate)') : '—'], ['backend', esc(r.backend)], ['computed', esc(r.computedAt)]];
      info.innerHTML = '<table>' + rows.map(function (x) { return '<tr><th>' + x[0] + '</th><td>' + x[1] + '</td></tr>'; }).join('') + '</table>' +
        (r.verdict ? '<h3>Verdict: ' + esc(r.verdict.kind) + (!/^undetermined$|curvature (not checked|unresolved)/.test(r.verdict.kind) ? ' (confidence ' + Math.round(100 * r.verdict.confidence) + ' %)' : '') + '</h3><ul>' + r.verdict.reasons.map(function (x) { return '<li>' + esc(x) + '</li>'; }).join('') + '</ul>' : '') +
        (r.theory ? '<h3>What theory says</h3><ul>' + r.theory.filter(function (t) { return t.status !== 'does not apply'; }).map(function (t) { return '<li><b>[' + esc(t.status) + ']</b> ' + esc(t.statement) + ' <small>— ' + esc(t.paper) + '</small></li>'; }).join('') + '</ul>' : '');
      d.appendChild(info);
      var g2 = el('div', { class: 'grid' }); d.appendChild(g2);
      if (r.hessian && (r.hessian.top.length || r.hessian.bottom.length)) {
        var ev = r.hessian.top.concat(r.hessian.bottom).map(function (e) { return e.value; }).sort(function (a, b) { return b - a; });
        // symmetric-log axis sign(λ)·log10(1 + |λ|/c), c = τ·λ_max (the verdict's scale), so λ_min < 0 stays visible; the saddle threshold −τ·λ_max marked
        var tau = r.verdict && r.verdict.thresholds ? r.verdict.thresholds.negativeCurvature : 1e-3;
        var ref = ev[0] > 0 ? ev[0] : Math.max.apply(null, ev.map(Math.abs)), minNz = Math.min.apply(null, ev.filter(function (v) { return v !== 0; }).map(Math.abs).concat([Infinity]));
        var cS = Math.max(Math.min(tau * ref || 1, minNz), 1e-9 * ref || 1e-12);
        var S = function (v) { return (v < 0 ? -1 : v > 0 ? 1 : 0) * Math.log10(1 + Math.abs(v) / cS); }, Si = function (y) { return (y < 0 ? -1 : 1) * cS * (Math.pow(10, Math.abs(y)) - 1); };
        new Chart(card(g2, 'Hessian eigenvalues (Lanczos, exact HVPs; symmetric log scale)'), { type: 'bar', data: { labels: ev.map(function (v, i) { return (i + 1) + ': ' + fmt(v); }), datasets: [
          { label: 'λ', data: ev.map(S), backgroundColor: ev.map(function (v) { return v < 0 ? '#cf222e' : '#0969da'; }) },
          { type: 'line', label: 'saddle threshold −τ·λ_max = ' + fmt(-tau * ref), data: ev.map(function () { return S(-tau * ref); }), borderColor: '#cf222e', borderDash: [5, 4], pointRadius: 0, borderWidth: 1 },
        ] }, options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: true }, tooltip: { callbacks: { label: function (k) { return k.dataset.label + (k.datasetIndex === 0 ? ' = ' + fmt(ev[k.dataIndex]) : ''); } } } },
          scales: { y: { suggestedMin: Math.min(S(-tau * ref) * 1.5, 0), title: { display: true, text: 'λ (symmetric log)' },
            // ticks at 0 and ±10^k (real values) from the decade of c to the data
            afterBuildTicks: function (ax) { var t = [0], hiA = Math.max(ev[0], 0), loA = Math.max(-ev[ev.length - 1], tau * ref * 1.5, 0); for (var k = Math.floor(Math.log10(cS)); k <= Math.ceil(Math.log10(Math.max(hiA, loA, cS))); k++) { var v = Math.pow(10, k); if (v < cS * 0.999) continue; if (v <= hiA * 1.0001) t.push(v); if (v <= loA * 1.0001) t.push(-v); } ax.ticks = t.map(function (v) { return { value: S(v) }; }); },
            ticks: { callback: function (v) { var x = Si(Number(v)); return Math.abs(x) < 1e-12 ? '0' : fmt(x); } } } } } });
      }
      if (r.hessian && r.hessian.density) {
        var den = r.hessian.density;
        line(card(g2, 'Spectral density (SLQ)'), [{ label: 'density', data: den.grid.map(function (x, i) { return { x: x, y: Math.max(den.values[i], 1e-12) }; }), borderColor: palette[0], pointRadius: 0 }], { xlabel: 'λ', logy: true });
      }
      (r.slices || []).forEach(function (s) {
        if (s.kind === '2d') { heat(g2, '2-D slice (filter-normalised)', s); return; }
        var ds2 = [{ label: 'loss', data: s.t.map(function (x, i) { return { x: x, y: s.loss[i] }; }), borderColor: palette[0], pointRadius: 0 }];
        if (s.quadratic) ds2.push({ label: 'quadratic model', data: s.t.map(function (x, i) { return { x: x, y: s.quadratic[i] }; }), borderColor: palette[3], borderDash: [4, 3], pointRadius: 0 });
        var title = s.kind === 'interp' ? 'Interpolation to ' + s.other.split(/[\\/]/).slice(-2).join('/') + ' (barrier ' + fmt(s.barrier) + ')' : s.kind === 'eig' ? 'Slice along ' + s.label + ' (λ = ' + fmt(s.eigenvalue) + ')' : '1-D slice (' + s.label + ')';
        line(card(g2, title), ds2, { xlabel: s.kind === 'interp' ? 't' : 'step along the direction' });
      });
      if (r.layers && r.layers.some(function (l) { return l.traceShare !== undefined; })) {
        new Chart(card(g2, 'Per-layer curvature: trace share and top-eigenvector mass'), { type: 'bar', data: { labels: r.layers.map(function (l) { return l.name; }), datasets: [{ label: 'trace share', data: r.layers.map(function (l) { return l.traceShare; }), backgroundColor: palette[0] }, { label: 'top-eigenvector mass', data: r.layers.map(function (l) { return l.topVectorMass; }), backgroundColor: palette[3] }] }, options: { responsive: true, maintainAspectRatio: false } });
      }
      if (r.weights && r.weights.layers.length) {
        new Chart(card(g2, 'Weight spectra: power-law α per layer'), { type: 'bar', data: { labels: r.weights.layers.map(function (l) { return l.name; }), datasets: [{ label: 'α', data: r.weights.layers.map(function (l) { return l.alpha; }), backgroundColor: palette[2] }] }, options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } } });
      }
    });
    document.getElementById('runs').appendChild(sec);
  });
  document.body.setAttribute('data-rendered', 'true');
})();
`;
