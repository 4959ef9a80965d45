/**
 * Pure labelling of checkpoints for the views (no VS Code dependency, unit-tested in
 * test/unit/extension-logic.test.ts):
 *  - what a checkpoint written by surgery is ("special neurons, fine-tuned", "perturbed along λ_min", …),
 *    from its derived/ name (src/core/logs/runs.ts parseDerived) and, when known, the surgery log record;
 *  - the items of the checkpoint pickers: sorted by run then step (derived checkpoints after their
 *    source), with the step, a verdict codicon and the key number (λ_max, else ‖∇L‖) from the cache,
 *    and the dashboard's selected checkpoint preselected.
 */
import type { DiagnoseResult } from '../core/diagnose';
import type { SurgeryRecord } from '../shared/protocol';
import { fmt } from '../shared/format';
import { lambdaMax, verdictOf, verdictTone } from './resultView';

/**
 * The first line of an error message, at most `max` characters (the notification and the tree item show it;
 * the tooltip and the log the whole).
 */
export function oneLine(message: string, max = 200): string {
  const first = message.split(/\r?\n/).find(l => l.trim()) ?? message;
  const t = first.trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export interface DerivedTag {
  tag: string;
  n: number;
}

const PERTURB_WHAT: Record<string, string> = {
  gaussian: 'Gaussian noise',
  relative: 'relative noise',
  filter: 'filter-normalised direction',
};

/** What the surgery did, in words: `perturbed along λ_min`, `perturbed (Gaussian noise, σ 0.01)`, … */
function perturbText(rec: SurgeryRecord | undefined): string {
  if (!rec || rec.kind !== 'perturb') return 'perturbed';
  const p = rec.result;
  if (p.mode === 'eigen' && p.eigen) {
    if (p.eigen.index === 'bottom') return 'perturbed along λ_min';
    const k = /top (\d+)/.exec(p.eigen.index)?.[1];
    return k && k !== '1' ? `perturbed along eigenvector ${k} (λ ${fmt(p.eigen.value, 3)})` : 'perturbed along λ_max';
  }
  const size =
    p.parameters?.sigma !== undefined
      ? `σ ${fmt(p.parameters.sigma, 3)}`
      : p.parameters?.step !== undefined
        ? `t ${fmt(p.parameters.step, 3)}`
        : '';
  return `perturbed (${PERTURB_WHAT[p.mode] ?? p.mode}${size ? `, ${size}` : ''})`;
}

/**
 * The label of a checkpoint written by surgery, from its tags (oldest first) and the surgery log
 * record that wrote it: special → "special neurons", special+trained → "special neurons, fine-tuned",
 * perturbed (eigen bottom) → "perturbed along λ_min", perturbed+retrained → "perturbed along λ_min, retrained";
 * a second copy gets "#2".
 */
export function derivedLabel(tags: DerivedTag[], rec?: SurgeryRecord): string {
  const words = tags.map(t => {
    const w =
      t.tag === 'special'
        ? 'special neurons'
        : t.tag === 'trained'
          ? `fine-tuned${rec?.kind === 'specialNeurons' && rec.result.training ? ` ${rec.result.training.steps} steps` : ''}`
          : t.tag === 'perturbed'
            ? perturbText(rec)
            : t.tag === 'retrained'
              ? `retrained${rec?.kind === 'perturb' && rec.result.retrain ? ` ${rec.result.retrain.steps} steps` : ''}`
              : t.tag;
    return t.n > 1 ? `${w} #${t.n}` : w;
  });
  return words.join(', ');
}

/** The codicon of a result's verdict (quick picks show codicons without colour). */
export function verdictCodicon(r: DiagnoseResult | undefined, failed = false): string {
  if (failed) return '$(error)';
  const tone = verdictTone(r);
  return tone === 'good'
    ? '$(pass)'
    : tone === 'warn'
      ? '$(warning)'
      : tone === 'bad'
        ? '$(error)'
        : tone === 'info'
          ? '$(circle-filled)'
          : '$(circle-outline)';
}

/** The one key number of a result: λ_max when computed, else ‖∇L‖. */
export function keyNumber(r: DiagnoseResult | undefined): string {
  if (!r) return '';
  const lm = lambdaMax(r);
  return lm !== undefined ? `λ_max ${fmt(lm)}` : `‖∇L‖ ${fmt(r.gradNorm)}`;
}

export interface PickerCheckpoint {
  path: string;
  /** the run's name ('' when the checkpoint is in no run) */
  run: string;
  step?: number;
  /** relative path shown as the detail */
  rel: string;
  /** the label of a checkpoint written by surgery (derivedLabel), and its source's path */
  derived?: { label: string; from?: string };
  result?: DiagnoseResult;
  failed?: string;
}

export interface PickerItem {
  label: string;
  description: string;
  detail: string;
  path: string;
  picked: boolean;
}

/**
 * Quick-pick items for checkpoints: sorted by run, then step (no step last), a derived checkpoint right
 * after its source, then path; each item shows the step (or the file name), a verdict codicon and the
 * key number; `selected` (the dashboard's checkpoint) is `picked` (the picker makes it the active item).
 */
export function checkpointPickItems(list: PickerCheckpoint[], selected?: string): PickerItem[] {
  const byPath = new Map(list.map(c => [c.path, c]));
  const root = (c: PickerCheckpoint) => (c.derived?.from && byPath.get(c.derived.from)) || c;
  const sorted = [...list].sort((a, b) => {
    const ra = root(a),
      rb = root(b);
    return (
      a.run.localeCompare(b.run) ||
      (ra.step ?? Infinity) - (rb.step ?? Infinity) ||
      ra.path.localeCompare(rb.path) ||
      (a.derived ? 1 : 0) - (b.derived ? 1 : 0) ||
      a.path.localeCompare(b.path)
    );
  });
  const items = sorted.map(c => {
    const name = c.step !== undefined ? `step ${c.step}` : (c.rel.split(/[\\/]/).pop() ?? c.rel);
    const label = `${verdictCodicon(c.result, !!c.failed)} ${c.derived ? `${name} · ${c.derived.label}` : name}`;
    const v = verdictOf(c.result);
    const description = [
      c.run,
      c.failed ? `failed: ${c.failed}` : c.result ? [v?.kind, keyNumber(c.result)].filter(Boolean).join(' · ') : 'not diagnosed',
    ]
      .filter(Boolean)
      .join(' · ');
    return { label, description, detail: c.rel, path: c.path, picked: selected !== undefined && c.path === selected };
  });
  return items;
}

/** One home for the provisional label (the dashboard and the report use it too): src/shared/verdictLabel.ts. */
export { isProvisional, verdictShort, verdictLong } from '../shared/verdictLabel';
