/**
 * The dashboard's checkpoint panel: the checkpoint select and `select()` (the selection, shared with
 * the markers of the training curves), the actions (in VS Code only), the path line, the number cards
 * (./cards.ts), the verdict card with its reasons, evaluation and theory notes, what a checkpoint
 * lacks (NEED_ACTIONS), the registry's rows ("All numbers"), and the result's notices. State: ./state.ts.
 */
import { fmtMs, pct } from '../src/shared/format';
import type { TheoryRule } from '../src/core/diagnostics/theory';
import { claimsSomething } from '../src/core/diagnostics/verdict';
import { verdictOf, evaluationLine } from '../src/shared/resultView';
import { flagsOf } from '../src/shared/headline';
import { isProvisional, provisionalKind, NEED_ACTIONS } from '../src/shared/verdictLabel';
import { host, state, run, saveState, selectedCkpt, stepLabel, type Ckpt } from './state';
import { el } from './dom';
import { headlineCards } from './cards';
import { panelHead } from './panelHead';

/** What a new selection redraws (set by checkpointPanel: the checkpoint's sections and the curves' markers). */
let afterSelect: () => void = () => undefined;

/** Selects a checkpoint of the run (the select, a marker click or arrow key, the host's `select`) and redraws what shows it. */
export function select(p: string): void {
  if (!run.ckpts.some(c => c.path === p)) return;
  state.selected = p;
  saveState();
  host.post({ type: 'select', checkpoint: p });
  afterSelect();
}

/** The checkpoint panel: the select, the actions, the path, the cards and the verdict; `redraw` runs after every selection. */
export function checkpointPanel(redraw: () => void): HTMLElement {
  afterSelect = redraw;
  const ckSel = el('select', {
    id: 'checkpointSelect',
    'aria-label': 'Selected checkpoint',
    onchange: (e: Event) => select((e.target as HTMLSelectElement).value),
  });
  return el(
    'section',
    { className: 'panel', id: 'checkpoint-panel' },
    // actions need the extension: not in the standalone report
    panelHead(el('h2', {}, 'Checkpoint'), {
      beside: [ckSel],
      actions: [
        {
          id: 'diagnoseFull',
          label: 'Diagnose (full)',
          onclick: () => state.selected && host.post({ type: 'diagnose', checkpoint: state.selected, mode: 'full' }),
        },
        {
          id: 'diagnoseRun',
          label: 'Diagnose all',
          title: 'Diagnose every checkpoint of this run (full)',
          onclick: () => state.runDir && host.post({ type: 'command', command: 'landscapeLens.diagnoseRun', checkpoint: state.runDir }),
        },
        {
          id: 'compareWith',
          label: 'Compare with…',
          onclick: () => state.selected && host.post({ type: 'compare', checkpoint: state.selected }),
        },
      ],
    }),
    el('div', { className: 'path muted', id: 'ckptPath' }),
    el('div', { className: 'cards', id: 'cards' }),
    el('div', { className: 'verdict', id: 'verdict' }),
  );
}

/** A number card: the value shown with 4 significant digits, the full value in data-value and the tooltip. */
function card(label: string, value: string, id: string, title?: string, raw?: number | null): HTMLElement {
  const full = typeof raw === 'number' ? `${label} = ${raw}` : undefined;
  return el(
    'div',
    { className: 'card', title: [title ?? label, full].filter(Boolean).join('\n') },
    el('div', { className: 'label' }, label),
    el('div', { className: 'value', id, ...(typeof raw === 'number' ? { 'data-value': String(raw) } : {}) }, value),
  );
}

/** The selected checkpoint: the select's options, the path line, the cards, the verdict card, what it lacks, all numbers. */
export function drawCheckpoint(): void {
  const sel = document.getElementById('checkpointSelect') as HTMLSelectElement | null;
  if (sel) {
    sel.replaceChildren(
      ...run.ckpts.map(c =>
        el(
          'option',
          { value: c.path, selected: c.path === state.selected },
          `${stepLabel(c)} — ${c.rel}${c.result ? '' : c.job ? ` (${c.job.state})` : ' (not diagnosed)'}`,
        ),
      ),
    );
  }
  const c = selectedCkpt();
  const r = c?.result ?? null;
  document.getElementById('ckptPath')!.textContent = c
    ? `${c.path}` +
      `${
        r
          ? ` · ${r.format} · ${r.params.toLocaleString('en-US')} parameters · ${r.backend} · ` +
            `${new Date(r.computedAt).toLocaleString()} · ${fmtMs(r.timings.totalMs)}`
          : ''
      }`
    : 'No checkpoint selected.';
  // the number cards (webview/cards.ts; the headline numbers from src/shared/headline.ts)
  document.getElementById('cards')!.replaceChildren(...headlineCards(r).map(k => card(k.label, k.value, k.id, k.title, k.raw)));
  // verdict card: the verdict (a result cached by an earlier engine that called a point a minimum
  // without any λ_min shows what was measured), its reasons, how the network was evaluated, and
  // what theory says
  const v = r ? verdictOf(r) : undefined;
  const flags = flagsOf(r);
  const vEl = document.getElementById('verdict')!;
  vEl.replaceChildren();
  if (c?.job)
    vEl.append(
      el(
        'p',
        { className: 'muted', id: 'jobState' },
        `${c.job.state}${c.job.fraction !== undefined ? ` ${Math.round(c.job.fraction * 100)}%` : ''}…`,
      ),
    );
  if (c?.need && !r) vEl.append(needBlock(c));
  else if (c?.error && !r) vEl.append(el('p', { className: 'error', id: 'ckptError' }, `Diagnosis failed: ${c.error}`));
  if (v) {
    const provisional = isProvisional(r, v);
    vEl.append(
      el(
        'div',
        { className: 'verdict-card', id: 'verdictCard' },
        el(
          'div',
          { className: 'verdict-kind' },
          `Verdict: ${provisionalKind(v.kind, provisional)}`,
          v.confidence !== undefined && claimsSomething(v.kind)
            ? el('span', { className: 'muted' }, ` (confidence ${typeof v.confidence === 'number' ? pct(v.confidence) : v.confidence})`)
            : null,
        ),
        provisional
          ? el(
              'p',
              { className: 'muted', id: 'provisionalNote' },
              'Quick, provisional: λ_min is only estimated from the λ_max Krylov space; ' +
                'a full diagnosis computes it and could change this verdict.',
            )
          : null,
        v.reasons?.length ? el('ul', {}, ...v.reasons.map(x => el('li', {}, x))) : null,
        // the honest flags beside the verdict they qualify, as the CLI's `check` rows and the hover show them (headline.ts flagsOf)
        flags.length
          ? el(
              'ul',
              { className: 'flags', id: 'verdictFlags', 'aria-label': 'Checks' },
              ...flags.map(f => el('li', { className: 'notice' }, `⚠ ${f}`)),
            )
          : null,
        r ? el('p', { className: 'muted', id: 'evaluation' }, `Evaluated: ${evaluationLine(r)}.`) : null,
        theoryNotes(r?.theory),
      ),
    );
  } else if (r) vEl.append(el('p', { className: 'muted', id: 'verdictCard' }, 'Verdict: not computed by this engine version.'));
  // every diagnostic's numbers as the registry renders them (what the charts do not show: PAC-Bayes σ, ASAM, …)
  if (r && c?.rows?.length) {
    const rows = c.rows.map(([k, val]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, val)));
    vEl.append(el('details', { id: 'allNumbers' }, el('summary', {}, 'All numbers'), el('table', { className: 'numbers' }, ...rows)));
  } else if (c && !c.job && !c.error)
    vEl.append(
      el('p', { className: 'muted', id: 'verdictCard' }, host.standalone ? 'Not diagnosed.' : 'Not diagnosed yet — use “Diagnose (full)”.'),
    );
}

/** The selected result's notices and where its data and loss came from. */
export function drawNotices(): void {
  const r = selectedCkpt()?.result ?? null;
  const notices = document.getElementById('notices')!;
  notices.replaceChildren(
    ...(r?.notices ?? []).map(n => el('p', { className: 'notice' }, n)),
    r ? el('p', { className: 'muted' }, `Data: ${r.data.file} (seed ${r.data.seed}). Loss: ${r.lossFunction.reason}.`) : '',
  );
}

/**
 * A checkpoint that lacks an input (a weights-only file's architecture, then data): its message and, in the
 * editor, the buttons that supply it (src/shared/verdictLabel.ts NEED_ACTIONS, run by the panel host); the
 * standalone report shows the message only.
 */
function needBlock(c: Ckpt): HTMLElement {
  const need = c.need!;
  return el(
    'div',
    { className: 'need', id: 'ckptNeed', role: 'status' },
    el('p', { className: 'warn' }, c.error ?? (need === 'architecture' ? 'A weights-only checkpoint: no architecture.' : 'No data found.')),
    host.standalone
      ? null
      : el(
          'div',
          { className: 'need-actions' },
          ...NEED_ACTIONS[need].map(([label, command]) =>
            el(
              'button',
              { className: 'tool', 'data-command': command, onclick: () => host.post({ type: 'need', command, checkpoint: c.path }) },
              label,
            ),
          ),
        ),
  );
}

/**
 * What theory says about this network: the rules whose assumptions hold (or partly hold), each
 * with its status, statement and paper; the rules that do not apply are counted, not listed.
 */
function theoryNotes(rules: readonly TheoryRule[] | undefined): HTMLElement | null {
  if (!Array.isArray(rules) || rules.length === 0) return null;
  const shown = rules.filter(x => x.status !== 'does not apply');
  const skipped = rules.length - shown.length;
  return el(
    'details',
    { id: 'theory', open: host.standalone },
    el('summary', {}, `What theory says (${shown.length} of ${rules.length} results apply)`),
    el(
      'ul',
      { className: 'theory' },
      ...shown.map(x =>
        el(
          'li',
          { 'data-status': x.status, title: `Assumptions: ${x.assumptions}\nEvidence: ${x.evidence}` },
          el('strong', {}, `[${x.status}]`),
          ` ${x.statement} `,
          el('span', { className: 'muted' }, `— ${x.paper}`),
        ),
      ),
    ),
    skipped
      ? el(
          'p',
          { className: 'muted' },
          `${skipped} result${skipped === 1 ? '' : 's'} whose assumptions do not hold for this network: not listed.`,
        )
      : null,
  );
}
