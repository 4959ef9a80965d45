/**
 * DOM helpers of the dashboard: element construction, the theme (VS Code's variables, with
 * fallbacks for the standalone report), checkboxes, and the empty-chart text (in the read-only
 * report without the actions it cannot offer).
 */
import { host } from './state';

export function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
export function theme() {
  const hc = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    fg: css('--vscode-foreground', '#ccc'),
    muted: css('--vscode-descriptionForeground', '#999'),
    grid: css('--vscode-editorWidget-border', css('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    bg: css('--vscode-editor-background', '#1e1e1e'),
    hc,
    palette: [
      '--vscode-charts-blue',
      '--vscode-charts-orange',
      '--vscode-charts-green',
      '--vscode-charts-purple',
      '--vscode-charts-red',
      '--vscode-charts-yellow',
    ].map((v, i) => css(v, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i])),
    accent: css('--vscode-focusBorder', '#007fd4'),
    warn: css('--vscode-editorWarning-foreground', '#cca700'),
  };
}
/** Palette slot of each kind the engine emits (VERDICT_KINDS); undefined: the muted colour. */
export type Theme = ReturnType<typeof theme>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'className') e.className = String(v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k in e && !k.startsWith('aria') && !k.startsWith('data')) (e as unknown as Record<string, unknown>)[k] = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
/** The canvas with this id, if the layout has it. */
export function canvasById(id: string): HTMLCanvasElement | null {
  const e = document.getElementById(id);
  return e instanceof HTMLCanvasElement ? e : null;
}
export const hexA = (c: string, a: number) => {
  const m = /^#([0-9a-f]{6})/i.exec(c);
  return m
    ? `#${m[1]}${Math.round(a * 255)
        .toString(16)
        .padStart(2, '0')}`
    : c;
};

export function checkbox(id: string, label: string, checked: boolean, on: (v: boolean) => void): HTMLElement {
  const input = el('input', { type: 'checkbox', id, checked, onchange: (e: Event) => on((e.target as HTMLInputElement).checked) });
  return el('label', { className: 'ctl', htmlFor: id }, input, ' ', label);
}

const ACTION_HINT = /“(Diagnose|Compare with|Add special neurons|Perturb weights)/;
/**
 * In the read-only report, an empty chart's text without the actions it cannot offer: the sentences (or the part after a colon)
 * that name one go.
 */
function readOnlyText(text: string): string {
  return text
    .split(/(?<=\.)\s+/)
    .map(x => (!ACTION_HINT.test(x) ? x : /^[^“]*?: /.test(x) ? `${x.slice(0, x.indexOf(': '))}.` : ''))
    .filter(Boolean)
    .join(' ');
}

/**
 * Shows the chart `id` or, when it has nothing to show, its empty text (why, and how to fill it). A panel
 * marked `data-collapsible` (the chart panels, the training curves) then collapses to one line: its
 * title and that text, without the chart box, controls and exports (media/panel.css `.collapsed`;
 * `keepExports`: the export buttons stay, for an empty chart whose data can still be exported).
 */
export function setEmpty(id: string, empty: boolean, text = 'not computed', opts: { keepExports?: boolean } = {}): void {
  if (host.standalone) text = readOnlyText(text);
  const e = document.getElementById(`${id}-empty`);
  const c = document.getElementById(id);
  if (e) {
    e.hidden = !empty;
    e.textContent = text;
  }
  if (c?.parentElement) c.parentElement.hidden = empty;
  const panel = c?.closest('.panel');
  if (panel?.hasAttribute('data-collapsible')) {
    panel.classList.toggle('collapsed', empty);
    // the empty chart still has data to export (its text says so)
    panel.classList.toggle('keep-exports', empty && Boolean(opts.keepExports));
  }
}

/** The note under the chart `id` (e.g. the layers it leaves out and why); hidden when `text` is empty. */
export function setNote(id: string, text: string): void {
  const box = document.getElementById(id)?.parentElement;
  if (!box) return;
  let n = document.getElementById(`${id}-note`);
  if (!n) {
    n = el('p', { className: 'muted chart-note', id: `${id}-note` });
    box.after(n);
  }
  n.hidden = !text;
  n.textContent = text;
}
