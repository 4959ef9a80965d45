/**
 * One verdict per checkpoint, shown the same everywhere (runs tree, CodeLens, hovers, the dashboard's
 * verdict card and checkpoint markers, the HTML report): a quick verdict that rests on λ_min (local
 * minimum, flat valley, saddle) while λ_min is only the quick estimate (Lanczos top run's Krylov space)
 * is provisional — "local minimum? — quick" — because a full diagnosis, which computes λ_min, could
 * change it. Also the buttons of a checkpoint that lacks an input (a weights-only file's architecture,
 * then data) and the commands they run. Pure: no `vscode`, no DOM (the webview and the report bundle it).
 */
import type { DiagnoseResult } from './result';
import { lambdaMinInfo, verdictOf, type Verdict } from './headline';
import { verdictText } from './resultView';

/** Verdicts that rest on λ_min: a quick diagnosis only estimates it (from the top Lanczos run), a full one computes it. */
const CURVATURE_VERDICTS = new Set(['local minimum', 'flat valley', 'saddle']);

/** The verdict could change with a full diagnosis: it rests on λ_min and λ_min is the quick estimate. */
export function isProvisional(r: DiagnoseResult | null | undefined, v: Verdict | undefined = verdictOf(r)): boolean {
  return !!v && CURVATURE_VERDICTS.has(v.kind) && lambdaMinInfo(r)?.estimate === true;
}

/** A verdict kind as the tree shows it: "local minimum? — quick" when provisional. */
export function provisionalKind(kind: string, provisional: boolean | undefined): string {
  return provisional ? `${kind}? — quick` : kind;
}

/** The verdict, short ("local minimum? — quick" when provisional), for the tree, CodeLens, quick picks, the dashboard. */
export function verdictShort(r: DiagnoseResult | null | undefined, v: Verdict | undefined = verdictOf(r)): string {
  if (!v) return 'no verdict';
  return provisionalKind(v.kind, isProvisional(r, v));
}

/** The verdict with its confidence, and when provisional what would settle it (hovers, tooltips, markers). */
export function verdictLong(r: DiagnoseResult | null | undefined, v: Verdict | undefined = verdictOf(r)): string {
  if (!v) return '—';
  return isProvisional(r, v)
    ? `${v.kind}? ${verdictText(v).slice(v.kind.length).trim()} — quick, provisional (a full diagnosis computes λ_min)`
    : verdictText(v);
}

/** What a checkpoint lacks before it can be read. */
export type Need = 'architecture' | 'data';

/** The commands that supply what a checkpoint lacks (the dashboard may post only these). */
export const NEED_COMMANDS = [
  'landscapeLens.setupPytorchExport',
  'landscapeLens.pickArchitecture',
  'landscapeLens.chooseDataFile',
] as const;
export type NeedCommand = (typeof NEED_COMMANDS)[number];

/** The buttons of a failure that lacks an input and their commands (with the checkpoint, except Set Up PyTorch Export). */
export const NEED_ACTIONS: Record<Need, [string, NeedCommand][]> = {
  architecture: [
    ['Set Up PyTorch Export', 'landscapeLens.setupPytorchExport'],
    ['Pick the Architecture…', 'landscapeLens.pickArchitecture'],
  ],
  data: [['Choose Data File…', 'landscapeLens.chooseDataFile']],
};

/** Whether a need command takes the checkpoint: Set Up PyTorch Export asks for the training script instead. */
export function needCommandTakesCheckpoint(id: string): boolean {
  return id !== 'landscapeLens.setupPytorchExport';
}

/** The short title of a need ("weights only, no architecture", "no data"), for markers and badges. */
export function needTitle(need: Need): string {
  return need === 'architecture' ? 'weights only, no architecture' : 'no data';
}
