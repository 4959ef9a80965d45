/**
 * Issue 24's honest flags, gathered for diagnose(): the evaluated loss against the logged training loss
 * (lossMismatch.ts, flagged above 3×), a folded export diagnosed alone (foldedExport.ts: its parameters are
 * not the training parameters), and a loss that does not fit the targets (../lossAdvice.ts: mse on class
 * labels → ce, ce on regression values → mse). Each gives a result field and, when it flags, a notice;
 * the headline (src/shared/headline.ts flagsOf) and the CLI show them. Nothing here changes a number.
 */
import type { GraphModel } from '../model/graph';
import type { Dataset } from '../data/dataset';
import type { LossSpec } from '../loss';
import type { EvaluationInfo } from './evaluation';
import { loggedLossAt } from '../logs/loggedLoss';
import { lossCheck, type LossCheck } from './lossMismatch';
import { foldedExport, type FoldedExport } from './foldedExport';
import { lossAdvice } from '../lossAdvice';

export interface HonestFlags {
  lossCheck?: LossCheck;
  foldedExport?: FoldedExport;
  lossAdvice?: string;
}

export function honestFlags(
  checkpoint: string,
  evaluated: number,
  model: GraphModel,
  data: Dataset,
  spec: LossSpec,
  evaluation: EvaluationInfo,
  attached?: { dir: string; files: string[] },
): { fields: HonestFlags; notices: string[] } {
  const fields: HonestFlags = {};
  const notices: string[] = [];
  let logged;
  try {
    logged = loggedLossAt(checkpoint, undefined, attached);
  } catch {
    logged = undefined; // an unreadable log: no comparison
  }
  const lc = logged && lossCheck(evaluated, logged, evaluation);
  if (lc) {
    fields.lossCheck = lc;
    if (lc.flagged) notices.push(`${lc.text}. Other causes: ${lc.causes.slice(1).join('; ') || 'none known'}. ${lc.option}`);
  }
  const fe = foldedExport(model);
  if (fe) {
    fields.foldedExport = fe;
    notices.push(fe.text);
  }
  const la = lossAdvice(spec.kind, spec.reason === 'requested', data.y);
  if (la) {
    fields.lossAdvice = la;
    notices.push(la);
  }
  return { fields, notices };
}
