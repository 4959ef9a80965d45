/**
 * The evaluated loss against the training loss the user logged at the checkpoint's step
 * (logs/loggedLoss.ts). They measure different things — the logged one is the mean over training batches
 * in training mode (BatchNorm with batch statistics, dropout on, augmented data), the evaluated one the
 * network in inference mode on the diagnosis' sample — so a small difference is expected; a large one
 * means the diagnosis is looking at another function than the one training minimised, and the verdict
 * should be read with that in mind. Flagged when max(L_eval/L_log, L_log/L_eval) > 3. Why 3: the
 * per-batch noise of a training loss averaged over the last logged steps and the train/test gap of a
 * fitted model rarely reach 2× (dropout typically makes the training loss 1.1–1.5× the eval loss); the
 * failures this flag is for are 6–60× (ShuffleNet in eval() 113.7 against a logged 1.83, EfficientNet 30.9
 * against 4.68: BatchNorm running statistics after a short run, Ioffe & Szegedy 2015 §3.1) — 3× separates the
 * two with margin on both sides. Landscape Lens evaluates in inference mode only (there is no option to
 * evaluate with batch statistics), so the remedy is on the training side.
 */
import type { LoggedLoss } from '../logs/loggedLoss';
import { fmtText } from '../../shared/format';

export const LOSS_MISMATCH_FACTOR = 3;

export interface LossCheck {
  logged: LoggedLoss;
  evaluated: number;
  /** max(L_eval/L_log, L_log/L_eval) */
  ratio: number;
  factor: number;
  flagged: boolean;
  /** likely causes, most likely first */
  causes: string[];
  /** what evaluates the other way (there is no train-mode option here) */
  option: string;
  /** one sentence for the headline, the CLI and the hover */
  text: string;
}

export function lossCheck(
  evaluated: number,
  logged: LoggedLoss,
  evaluation: { batchNormLayers: number; dropoutLayers: number; n: number; total: number },
): LossCheck | undefined {
  if (!Number.isFinite(evaluated) || !Number.isFinite(logged.value)) return undefined;
  const a = Math.abs(evaluated),
    b = Math.abs(logged.value);
  const ratio = a === b ? 1 : Math.min(a, b) > 0 ? Math.max(a / b, b / a) : Infinity;
  const flagged = ratio > LOSS_MISMATCH_FACTOR;
  const higher = a > b;
  const causes: string[] = [];
  if (higher && evaluation.batchNormLayers)
    causes.push(
      `BatchNorm statistics: training normalised each batch by its own statistics, this evaluation uses the running ` +
        `statistics of ${evaluation.batchNormLayers} BatchNorm layer${evaluation.batchNormLayers > 1 ? 's' : ''}, ` +
        'which lag after a short run',
    );
  if (!higher && evaluation.dropoutLayers)
    causes.push(`dropout: on in training (${evaluation.dropoutLayers} layer${evaluation.dropoutLayers > 1 ? 's' : ''}), off here`);
  causes.push(
    `a different data sample: this is ${evaluation.n} of the ${evaluation.total} samples of the diagnosis data, ` +
      `the log averages training batches (augmented, or from another split)`,
  );
  if (!higher)
    causes.push(
      'terms in the logged loss that are not the data loss (weight decay, auxiliary losses), or an epoch-average of earlier steps',
    );
  else if (!evaluation.batchNormLayers)
    causes.push('a different loss (label smoothing, another reduction) or preprocessing than in training');
  const option =
    'Landscape Lens evaluates in inference mode only (no batch-statistics option): to compare like with like, log the loss of ' +
    'model.eval() on the same data in training' +
    (evaluation.batchNormLayers ? ', or recompute the running statistics before saving (torch.optim.swa_utils.update_bn)' : '');
  const mean = logged.points > 1 ? ` (mean of ${logged.points} points)` : '';
  const where = `${logged.tag} in ${logged.file.split(/[\\/]/).pop()} at step ${logged.step}${mean}`;
  const times = ratio === Infinity ? '∞' : fmtText(ratio, 3);
  const text = flagged
    ? `evaluated loss ${fmtText(evaluated)} is ${times}× ${higher ? 'above' : 'below'} the logged training loss ` +
      `${fmtText(logged.value)} (${where}; flagged above ${LOSS_MISMATCH_FACTOR}×): likely ${causes[0]}`
    : `evaluated loss ${fmtText(evaluated)} agrees with the logged training loss ${fmtText(logged.value)} ` +
      `within ${LOSS_MISMATCH_FACTOR}× (${where})`;
  return { logged, evaluated, ratio, factor: LOSS_MISMATCH_FACTOR, flagged, causes, option, text };
}
