/**
 * The dashboard's state, in one place: where it runs (the host: a VS Code webview, or standalone in
 * the HTML report), the persisted UI state (run, selection, curve controls), and the data of the run
 * shown — log series, checkpoints, surgery records, the streamed Lanczos partial — with the
 * selection and the derived-checkpoint lookups the sections read. main.ts writes it from the
 * messages (src/shared/protocol.ts); the sections (webview/sections/*) only read it.
 */
import type { SmoothingMode, XMode } from './smooth';
import type { CheckpointEntry, ExportKind, FromWebview, SeriesPayload, SurgeryEntry } from '../src/shared/protocol';

export type Ckpt = CheckpointEntry;
export interface Ui {
  smoothing: SmoothingMode;
  amount: number;
  x: XMode;
  logX: boolean;
  logY: boolean;
  clip: boolean;
  densityLog: boolean;
  hidden: string[];
  zoom?: [number, number] | null;
}
export interface State {
  runDir?: string;
  runName?: string;
  selected?: string | null;
  ui: Ui;
}

/**
 * Where the dashboard runs: in a VS Code webview (acquireVsCodeApi: messages to the extension,
 * state kept across reloads), or standalone in the HTML report (no VS Code: read-only, the report's
 * data in a JSON script element, exports as downloads, nothing posted).
 */
export interface Host {
  post(m: FromWebview): void;
  getState(): Partial<State> | undefined;
  setState(s: State): void;
  readonly standalone: boolean;
}
declare function acquireVsCodeApi(): {
  postMessage(m: FromWebview): void;
  getState(): Partial<State> | undefined;
  setState(s: State): void;
};
function makeHost(): Host {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return { post: m => api.postMessage(m), getState: () => api.getState(), setState: s => api.setState(s), standalone: false };
  }
  let kept: State | undefined;
  return {
    standalone: true,
    getState: () => kept,
    setState: s => {
      kept = s;
    },
    // a chart export becomes a download; everything else needs the extension
    post: m => {
      if (m.type === 'export') download(`landscape-${m.name.replace(/[^\w.-]+/g, '-')}.${m.ext}`, m.ext, m.data);
    },
  };
}
function download(name: string, ext: ExportKind, data: string): void {
  const href = ext === 'png' ? data : URL.createObjectURL(new Blob([data], { type: ext === 'csv' ? 'text/csv' : 'application/json' }));
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  if (ext !== 'png') setTimeout(() => URL.revokeObjectURL(href), 1000);
}
export const host = makeHost();
const saved = host.getState() ?? {};
export const state: State = {
  runDir: saved.runDir,
  runName: saved.runName,
  selected: saved.selected ?? null,
  ui: {
    smoothing: 'ema',
    amount: 0.6,
    x: 'step',
    logX: false,
    logY: false,
    clip: false,
    densityLog: true,
    hidden: [],
    zoom: null,
    ...(saved.ui ?? {}),
  },
};

/** The data of the run shown (replaced by the messages). */
export const run: {
  series: SeriesPayload[];
  ckpts: Ckpt[];
  surgery: SurgeryEntry[];
  partialTop?: { checkpoint: string; values: number[]; iterations?: number };
} = { series: [], ckpts: [], surgery: [] };

export function saveState(): void {
  host.setState(state);
  host.post({ type: 'state', state: { runDir: state.runDir, selected: state.selected } });
}

export const selectedCkpt = (): Ckpt | undefined => run.ckpts.find(c => c.path === state.selected);
export const stepLabel = (c: Ckpt): string => (c.step !== null ? `step ${c.step}` : c.rel);

/** The checkpoints written by actions on the minimum (special neurons, perturbations): the surgery records' outputs. */
export function derivedPaths(): Set<string> {
  return new Set(run.surgery.flatMap(r => r.outFiles));
}
