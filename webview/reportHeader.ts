/**
 * The HTML report's header above the standalone dashboard (src/core/report/html.ts): the title,
 * notes, the summary of every checkpoint of every run (a row shows its run and checkpoint below),
 * and the run picker.
 */
import { provisionalKind } from '../src/shared/verdictLabel';
import { fmt, pct } from '../src/shared/format';
import type { InitMessage, ReportHeader, SummaryRow } from '../src/shared/protocol';
import { claimsSomething } from '../src/core/diagnostics/verdict';
import { el, theme } from './dom';
import { verdictColor } from './charts';

/**
 * The report's header above the dashboard: title, notes, the summary of every checkpoint of every run (a row shows its run and
 * checkpoint), and the run picker.
 */
export function reportHeader(rep: ReportHeader, show: (init: InitMessage) => void): HTMLElement {
  const t = theme();
  const showRun = (run: number, checkpoint?: string) => {
    const init = rep.runs[run];
    if (!init) return;
    const sel = document.getElementById('runSelect') as HTMLSelectElement | null;
    if (sel) sel.value = String(run);
    show({ ...init, selected: checkpoint ?? init.selected });
  };
  // summary rows come in the order of the runs' checkpoints
  const where = rep.runs.flatMap((r, ri) => r.checkpoints.map(c => ({ run: ri, path: c.path })));
  const cols: [string, (x: SummaryRow) => string][] = [
    ['run', x => x.run],
    ['checkpoint', x => x.checkpoint],
    ['step', x => (x.step === null ? '—' : String(x.step))],
    ['loss', x => fmt(x.loss)],
    ['‖∇L‖', x => fmt(x.gradNorm, 3)],
    ['λ_max', x => fmt(x.lambdaMax)],
    ['λ_min', x => fmt(x.lambdaMin, 3)],
    ['trace', x => fmt(x.trace)],
    ['ε-sharpness (10⁻³)', x => fmt(x.keskar, 3)],
    ['PGB r/L', x => fmt(x.pgbRelative, 3)],
    ['max|a_k|', x => fmt(x.maxAbsA, 3)],
  ];
  const verdictCell = (x: SummaryRow) => {
    if (x.error) return el('td', { className: 'error' }, 'error: ', x.error);
    const mark = el('span', {}, x.verdict ? '◆ ' : '');
    mark.style.color = verdictColor(x.verdict, t);
    return el(
      'td',
      {},
      mark,
      x.verdict ? provisionalKind(x.verdict, x.provisional) : '—',
      x.confidence !== null && x.verdict && claimsSomething(x.verdict)
        ? el('span', { className: 'muted' }, ` (${pct(x.confidence)})`)
        : null,
    );
  };
  const body = rep.summary.map((x, i) =>
    el(
      'tr',
      {
        className: 'summary-row',
        tabIndex: 0,
        title: 'Show this checkpoint below',
        onclick: () => {
          const w = where[i];
          if (w) {
            showRun(w.run, w.path);
            document.getElementById('checkpoint-panel')?.scrollIntoView();
          }
        },
      },
      ...cols.map(([, f], k) => el('td', { className: k >= 2 ? 'n' : '' }, f(x))),
      verdictCell(x),
    ),
  );
  const runSelect =
    rep.runs.length > 1
      ? el(
          'label',
          { className: 'ctl' },
          'Run shown below: ',
          el(
            'select',
            {
              id: 'runSelect',
              'aria-label': 'Run shown below',
              onchange: (e: Event) => showRun(Number((e.target as HTMLSelectElement).value)),
            },
            ...rep.runs.map((r, i) =>
              el(
                'option',
                { value: String(i) },
                `${r.run.name} (${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? '' : 's'})`,
              ),
            ),
          ),
        )
      : null;
  return el(
    'section',
    { className: 'report-header', id: 'report-header' },
    el('h1', { id: 'reportTitle' }, rep.title),
    el(
      'p',
      { className: 'muted' },
      `${rep.subtitle ? `${rep.subtitle} ` : ''}Generated ${rep.generatedAt} by Landscape Lens; ` +
        `self-contained (the dashboard and the data are inlined; read-only).`,
    ),
    ...rep.notes.map(n => el('p', { className: 'notice' }, n)),
    el('h2', {}, 'Summary'),
    // a narrow window scrolls the table, not the page
    el(
      'div',
      { className: 'table-scroll' },
      el(
        'table',
        { id: 'summary' },
        el('thead', {}, el('tr', {}, ...cols.map(([h]) => el('th', {}, h)), el('th', {}, 'verdict'))),
        el('tbody', {}, ...body),
      ),
    ),
    runSelect,
  );
}
