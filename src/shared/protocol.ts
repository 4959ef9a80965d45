/**
 * The dashboard's message protocol: what the extension (src/extension/panel.ts) posts to the
 * webview (webview/main.ts) and what the webview posts back, as discriminated unions on `type`,
 * and the view-model types both sides share (run, series, checkpoint entry, surgery entry). The
 * HTML report (src/core/report/html.ts) feeds the same webview the same `init` message in its
 * standalone mode (`report` set). Types only: the webview imports them with `import type`.
 */
import type { DiagnoseResult } from './result';
import type { SpecialNeuronsJobResult, PerturbJobResult } from '../core/surgery/jobs';
import type { NeedCommand } from './verdictLabel';

/** One surgery command run (add special neurons, perturb weights), as the extension records it. */
export type SurgeryRecord =
  | { id: number; kind: 'specialNeurons'; at: string; checkpoint: string; outFiles: string[]; result: SpecialNeuronsJobResult }
  | { id: number; kind: 'perturb'; at: string; checkpoint: string; outFiles: string[]; result: PerturbJobResult };

/** How an assessment reads: good, a warning, or neither. */
export type Tone = 'good' | 'warn' | 'neutral';

/** The run a dashboard shows. */
export interface RunInfo {
  dir: string;
  name: string;
}

/** One logged series (from the run's logs; downsampled for transfer above a point budget). */
export interface SeriesPayload {
  tag: string;
  /** the log file's name */
  file: string;
  steps: number[];
  values: (number | null)[];
  wallTimes: (number | null)[];
  /** points in the log (before downsampling) */
  total: number;
  downsampled: boolean;
}

/** A queued or running diagnosis of a checkpoint. */
export interface JobInfo {
  state: 'queued' | 'running';
  fraction?: number;
}

/** A checkpoint of the run with its cached result and job state. */
export interface CheckpointEntry {
  /** absolute path */
  path: string;
  /** path relative to the run folder (the report: its label) */
  rel: string;
  step: number | null;
  mtimeMs: number;
  result: DiagnoseResult | null;
  job: JobInfo | null;
  /** every diagnostic's rows of the result (registry renderers: src/core/diagnostics/registry.ts resultRows) */
  rows?: [string, string][];
  /** what a surgery output is ("special neurons", …), if it is one */
  derived?: string | null;
  /** the checkpoint a surgery output was made from (absolute) */
  derivedFrom?: string | null;
  /** why its diagnosis failed */
  error?: string | null;
  /** what it lacks before it can be read (a weights-only file's architecture, then data): the message's buttons */
  need?: 'architecture' | 'data' | null;
  /** its verdict rests on the quick λ_min estimate: show it as provisional ("local minimum? — quick") */
  provisional?: boolean;
  /** the verdict as the tree and hovers show it ("local minimum? — quick" when provisional) */
  verdictLabel?: string | null;
}

/** A surgery record of the run with what the dashboard shows of it. */
export type SurgeryEntry = SurgeryRecord & {
  /** the input checkpoint relative to the run folder */
  rel: string;
  outRel: string[];
  /** one-line summaries of the measured effects (and what they mean) */
  summary: string[];
  assessment?: { tone: Tone; text: string };
};

/** A partial result of a running diagnosis: `lanczos` carries the current top eigenvalue estimates. */
export interface LanczosPartial {
  top?: number[];
  iterations?: number;
}

/** One row of the HTML report's summary table (one per checkpoint, over all runs). */
export interface SummaryRow {
  run: string;
  checkpoint: string;
  step: number | null;
  loss: number | null;
  gradNorm: number | null;
  lambdaMax: number | null;
  lambdaMin: number | null;
  trace: number | null;
  keskar: number | null;
  pgbRelative: number | null;
  maxAbsA: number | null;
  verdict: string;
  confidence: number | null;
  /** the verdict is a quick one that a full diagnosis could change: shown "local minimum? — quick" (src/shared/verdictLabel.ts) */
  provisional?: boolean;
  error?: string;
}

/** The id of the JSON script element of the HTML report that the standalone dashboard reads. */
export const REPORT_DATA_ID = 'landscape-report';

/** What the standalone HTML report adds around the dashboard: its header and the summary of every run. */
export interface ReportHeader {
  title: string;
  subtitle?: string;
  generatedAt: string;
  notes: string[];
  summary: SummaryRow[];
  /** the dashboards of the report's runs (the `init` messages); the first is shown first */
  runs: InitMessage[];
}

/** Sections the host can scroll to (`focus`): a chart id such as `eigChart`, or `surgery`, `curves`, `checkpoint`. */
export type Section = string;

// ── extension → webview ─────────────────────────────────────────────────────────────────────
export interface InitMessage {
  type: 'init';
  run: RunInfo;
  series: SeriesPayload[];
  checkpoints: CheckpointEntry[];
  surgery: SurgeryEntry[];
  selected: string | null;
  focus: Section | null;
}
export interface SeriesMessage {
  type: 'series';
  series: SeriesPayload[];
}
export interface CheckpointsMessage {
  type: 'checkpoints';
  checkpoints: CheckpointEntry[];
}
export interface SurgeryMessage {
  type: 'surgery';
  surgery: SurgeryEntry[];
}
export interface SelectMessage {
  type: 'select';
  checkpoint: string;
}
export interface PartialMessage {
  type: 'partial';
  checkpoint: string;
  key: string;
  value: unknown;
}
export interface FocusMessage {
  type: 'focus';
  section: Section;
}

export type ToWebview = InitMessage | SeriesMessage | CheckpointsMessage | SurgeryMessage | SelectMessage | PartialMessage | FocusMessage;

// ── webview → extension ─────────────────────────────────────────────────────────────────────
/** The state the webview keeps across reloads (getState/setState) and reports to the host. */
export interface HostState {
  runDir?: string;
  selected?: string | null;
}
/** Commands the dashboard may run on a checkpoint (the host allows only these). */
export const DASHBOARD_COMMANDS = [
  'landscapeLens.addSpecialNeurons',
  'landscapeLens.perturbWeights',
  'landscapeLens.copySpecialNeuronsCode',
  'landscapeLens.diagnoseRun',
] as const;
export type DashboardCommand = (typeof DASHBOARD_COMMANDS)[number];
export type ExportKind = 'png' | 'csv' | 'json';

export interface ReadyMessage {
  type: 'ready';
}
export interface PaintedMessage {
  type: 'painted';
  ms: number;
}
export interface StateMessage {
  type: 'state';
  state: HostState;
}
export interface SelectCheckpointMessage {
  type: 'select';
  checkpoint: string;
}
export interface DiagnoseMessage {
  type: 'diagnose';
  checkpoint: string;
  mode: 'quick' | 'full';
}
export interface CommandMessage {
  type: 'command';
  command: DashboardCommand;
  checkpoint: string;
}
/** A button of a checkpoint that lacks an input (src/shared/verdictLabel.ts NEED_ACTIONS); the host allows only NEED_COMMANDS. */
export interface NeedMessage {
  type: 'need';
  command: NeedCommand;
  checkpoint: string;
}
export interface CompareMessage {
  type: 'compare';
  checkpoint: string;
}
/** A chart export: `data` is a PNG data URL or the CSV / JSON text; `path` (tests) skips the save dialog. */
export interface ExportMessage {
  type: 'export';
  name: string;
  ext: ExportKind;
  data: string;
  path?: string;
}
export interface LogMessage {
  type: 'log';
  message: string;
}

export type FromWebview =
  | ReadyMessage
  | PaintedMessage
  | StateMessage
  | SelectCheckpointMessage
  | DiagnoseMessage
  | CommandMessage
  | NeedMessage
  | CompareMessage
  | ExportMessage
  | LogMessage;
