/**
 * A dashboard section: one chart panel of the grid, with its id (the canvas id; the panel is
 * `<id>-panel`, the host's `focus` scrolls to it), its title, what it is drawn from (`checkpoint`:
 * the selected checkpoint; `run`: every checkpoint of the run), its box (default: the standard
 * chart panel) and its draw. Adding a chart: one file here, one line in SECTIONS (./index.ts).
 */
import type { DiagnoseResult } from '../../src/shared/result';
import type { Ckpt } from '../state';
import type { Theme } from '../dom';

/** What a section draws from: the selected checkpoint and the run's diagnosed checkpoints, computed once per draw. */
export interface View {
  /** the selected checkpoint and its result */
  c: Ckpt | undefined;
  r: DiagnoseResult | null;
  /** the diagnosed checkpoints of the run that are not outputs of an action (x: the step, else the index) */
  withStep: { c: Ckpt; x: number }[];
  /** the paths of the checkpoints written by actions (special neurons, perturbations) */
  derived: Set<string>;
}

export interface Section {
  id: string;
  title: string;
  scope: 'checkpoint' | 'run';
  /** The panel (default: chartBox(id, title)); `redraw` redraws the sections of its scope (for the panel's own controls). */
  box?(redraw: () => void): HTMLElement;
  draw(view: View, t: Theme): void;
  /** After a window resize (canvases drawn by hand). */
  resize?(view: View, t: Theme): void;
}
