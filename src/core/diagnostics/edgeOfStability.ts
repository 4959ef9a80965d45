/**
 * Edge of stability: λ_max of the training loss's Hessian against 2/η.
 *
 * Cohen, Kaur, Li, Kolter & Talwalkar, "Gradient descent on neural networks typically occurs at the
 * edge of stability" (ICLR 2021): with full-batch gradient descent at step size η, λ_max first rises
 * ("progressive sharpening") until it reaches 2/η — the largest curvature at which a quadratic is
 * still stable under GD — and then hovers at or slightly above it while the loss keeps falling,
 * non-monotonically. This module only compares the numbers: it does not claim that the run is in
 * that regime for the reasons the paper gives (its statement is for full-batch GD; with SGD,
 * momentum or Adam the threshold differs, and the learning rate logged is the one compared).
 *
 * Pure (no Node modules): the dashboard bundles it (webview/main.ts) and unit tests cover it.
 *  - the learning-rate series: a log tag named `lr`, `learning_rate`, `learning-rate`, `lr-Adam`,
 *    `train/lr`, `lr_0`, … (`isLearningRateTag`); an exact `lr` / `learning_rate` is preferred;
 *  - η at a checkpoint's step: the last positive logged value at or before the step (the rate in
 *    force when the checkpoint was written), else the first one after it;
 *  - ratio = λ_max / (2/η) = λ_max·η/2; "at or beyond the edge" when ratio ≥ 1 − tolerance
 *    (tolerance 0.1: within 10 %).
 */
import { fmt } from '../../shared/format';

export interface LogSeriesLike {
  tag: string;
  steps: number[];
  values: (number | null)[];
}
export interface CheckpointCurvature {
  step: number | null;
  lambdaMax: number | null | undefined;
  label?: string;
}

export interface EdgePoint {
  step: number;
  lambdaMax: number;
  /** the learning rate η compared (logged at lrStep) */
  lr: number;
  lrStep: number;
  /** 2/η */
  threshold: number;
  /** λ_max / (2/η) */
  ratio: number;
  /** ratio ≥ 1 − tolerance */
  atEdge: boolean;
  label?: string;
}

export interface EdgeOfStability {
  /** the log tag read as the learning rate */
  tag: string;
  tolerance: number;
  /** checkpoints with a step and λ_max, in step order */
  points: EdgePoint[];
  /** 2/η along the logged learning-rate series (for the chart's threshold line) */
  thresholdCurve: { step: number; value: number }[];
  /** one short line: at / beyond / below the edge, or what is missing */
  sentence: string;
}

/** True for a log tag that names a learning rate. */
export function isLearningRateTag(tag: string): boolean {
  const last = tag.trim().split('/').pop()!.toLowerCase();
  return /^(lr|learning[_ -]?rate)([_ -].*)?$/.test(last) && !/(decay|warmup|scale|factor|mult)/.test(last);
}

/** The learning-rate series of a run, or undefined: an exact `lr` / `learning_rate` first, then any tag that names one. */
export function findLearningRateSeries<S extends LogSeriesLike>(series: S[]): S | undefined {
  const lrs = series.filter(s => isLearningRateTag(s.tag) && s.values.some(v => v !== null && Number.isFinite(v) && v > 0));
  const exact = (s: S) => /^(lr|learning[_ -]?rate)$/.test(s.tag.trim().split('/').pop()!.toLowerCase());
  return lrs.find(exact) ?? lrs[0];
}

/** η in force at `step`: the last positive value logged at or before it, else the first after it. */
export function learningRateAt(lr: LogSeriesLike, step: number): { lr: number; step: number } | undefined {
  let before: { lr: number; step: number } | undefined, after: { lr: number; step: number } | undefined;
  for (let k = 0; k < lr.steps.length; k++) {
    const v = lr.values[k],
      st = lr.steps[k];
    if (v === null || !Number.isFinite(v) || v <= 0 || !Number.isFinite(st)) continue;
    if (st <= step) {
      if (!before || st >= before.step) before = { lr: v, step: st };
    } else if (!after || st < after.step) after = { lr: v, step: st };
  }
  return before ?? after;
}

function listSteps(ps: EdgePoint[]): string {
  const s = ps.map(p => String(p.step));
  return s.length <= 4 ? s.join(', ') : `${s.slice(0, 3).join(', ')} … ${s[s.length - 1]}`;
}

/**
 * Match the checkpoints to the logged learning rate and compare λ_max with 2/η. Undefined when the
 * run logs no learning rate.
 */
export function edgeOfStability(series: LogSeriesLike[], checkpoints: CheckpointCurvature[], tolerance = 0.1): EdgeOfStability | undefined {
  const lrSeries = findLearningRateSeries(series);
  if (!lrSeries) return undefined;
  const points: EdgePoint[] = [];
  for (const c of checkpoints) {
    if (c.step === null || c.lambdaMax === null || c.lambdaMax === undefined || !Number.isFinite(c.lambdaMax)) continue;
    const at = learningRateAt(lrSeries, c.step);
    if (!at) continue;
    const threshold = 2 / at.lr,
      ratio = c.lambdaMax / threshold;
    points.push({
      step: c.step,
      lambdaMax: c.lambdaMax,
      lr: at.lr,
      lrStep: at.step,
      threshold,
      ratio,
      atEdge: ratio >= 1 - tolerance,
      ...(c.label !== undefined ? { label: c.label } : {}),
    });
  }
  points.sort((a, b) => a.step - b.step);
  const thresholdCurve: { step: number; value: number }[] = [];
  lrSeries.steps.forEach((st, k) => {
    const v = lrSeries.values[k];
    if (v !== null && Number.isFinite(v) && v > 0 && Number.isFinite(st)) thresholdCurve.push({ step: st, value: 2 / v });
  });
  thresholdCurve.sort((a, b) => a.step - b.step);
  const pct = `${Math.round(tolerance * 100)} %`;
  let sentence: string;
  if (!points.length)
    sentence =
      `The run logs the learning rate (${lrSeries.tag}); no checkpoint with a ` +
      `step has λ_max yet: diagnose the checkpoints to compare λ_max with 2/η.`;
  else {
    const edge = points.filter(p => p.atEdge);
    if (edge.length) {
      const top = edge.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      const beyond = edge.some(p => p.ratio > 1 + tolerance);
      sentence =
        `Training runs ${beyond ? 'beyond' : 'at'} the edge of stability (λ_max ≥ 2/η within ${pct}) ` +
        `at step${edge.length > 1 ? 's' : ''} ${listSteps(edge)}: λ_max·η/2 reaches ${fmt(top.ratio)} ` +
        `(λ_max ${fmt(top.lambdaMax)}, 2/η ${fmt(top.threshold)} at step ${top.step}).`;
    } else {
      const top = points.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      sentence =
        `Below the edge of stability at every diagnosed checkpoint: λ_max is at most ${fmt(top.ratio)} × ` +
        `2/η (λ_max ${fmt(top.lambdaMax)}, 2/η ${fmt(top.threshold)} at step ${top.step}).`;
    }
  }
  return { tag: lrSeries.tag, tolerance, points, thresholdCurve, sentence };
}
