/**
 * The head of a dashboard panel, built in one place: its title, what stands beside it (a selector),
 * a spacer, the actions (buttons that post to the extension: left out of the standalone HTML report,
 * which has no extension to act) and the export buttons. Used by the curves, checkpoint and surgery panels.
 */
import { el } from './dom';
import { host } from './state';

/** A button that asks the extension to act. */
export interface PanelAction {
  id: string;
  label: string;
  title?: string;
  onclick: () => void;
}

export function panelHead(
  title: HTMLElement,
  parts: { beside?: HTMLElement[]; actions?: PanelAction[]; tools?: HTMLElement[] } = {},
): HTMLElement {
  const actions = host.standalone ? [] : (parts.actions ?? []);
  return el(
    'div',
    { className: 'panel-head' },
    title,
    ...(parts.beside ?? []),
    el('span', { className: 'spacer' }),
    ...actions.map(a => el('button', { className: 'tool', id: a.id, ...(a.title ? { title: a.title } : {}), onclick: a.onclick }, a.label)),
    ...(parts.tools ?? []),
  );
}
