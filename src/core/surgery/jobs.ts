/**
 * The two surgery jobs behind `landscape special-neurons` / `landscape perturb` and the worker's
 * 'specialNeurons' / 'perturb' job kinds: read, act, write a new checkpoint (never over the input),
 * and return a JSON-ready report with `outFile`.
 *  - specialNeurons: add Kawaguchi–Kaelbling special neurons (specialNeurons.ts); with `train`, fine-tune
 *    the augmented model (train.ts) and save the result as another new checkpoint, with the curves of
 *    the objective, the penalty, max|a_k| and the original network's loss L(θ).
 *  - perturb: θ' = θ + δ (perturb.ts), written in the input's format where a writer exists; with
 *    retraining, θ_N is written too.
 */
import * as path from 'path';
import { readCheckpoint, detectFormat } from '../formats';
import { openProblem, engineOptions, type DataFields, type Problem } from '../problem';
import { initBackend, backendLabel } from '../backend';
import { tfBackendOf, EnginePreference, type ExecutionProvider } from '../engine';
import { checkInt, checkNumber, LIMITS } from '../limits';
import type { GraphModel } from '../model/graph';
import { planWrite, defaultOutput, writeWithPlan } from '../formats/writers';
import { UserInputError, throwIfAborted } from '../errors';
import { addSpecialNeurons, AddSpecialResult } from './specialNeurons';
import { specialNeuronsReport, SpecialNeuronsReport } from '../diagnostics/specialNeurons';
import { train, TrainRecord } from './train';
import { perturb, PerturbOptions, PerturbResult } from './perturb';
import { specialNeuronSnippets, Snippets } from './snippets';
import { modelDims } from './specialNeurons';
import { fmt } from '../../shared/format';

export type SurgeryProgress = (p: { stage: string; fraction?: number; message?: string }) => void;

/** The data and the engine of a surgery job: the same fields as a diagnosis (src/core/problem.ts), engine flags included. */
export interface DataOptions extends Omit<DataFields, 'seed'> {
  chunkSize?: number;
  backend?: EnginePreference;
  /** ONNX Runtime execution provider and intra-op threads (as for a diagnosis). */
  ep?: ExecutionProvider;
  threads?: number;
}

export interface SpecialNeuronsJobOptions extends DataOptions {
  checkpoint: string;
  lambda?: number;
  out?: string;
  /** Fine-tune the augmented model for this many steps (needs data). */
  train?: number;
  lr?: number;
  optimizer?: 'adam' | 'sgd';
  batchSize?: number;
  seed?: number;
  /** Output of the trained model (default: in the run's derived/ folder beside the augmented one, tag 'trained'). */
  trainedOut?: string;
}

export interface SpecialNeuronsJobResult {
  checkpoint: string;
  /** The augmented model (a = w = b = 0), or the input itself when it already had special neurons and was only trained. */
  outFile: string;
  added?: AddSpecialResult;
  training?: {
    steps: number;
    optimizer: string;
    lr: number;
    batchSize: number;
    seed: number;
    curve: TrainRecord[];
    /** max|a_k| at its peak during training and at the end (the vanishing, observed). */
    peakMaxAbsA: number;
    finalMaxAbsA: number;
    outFile: string;
    files: string[];
    format: string;
    report?: SpecialNeuronsReport;
  };
  backend?: string;
  notices: string[];
}

/** The problem of a job (one set-up for diagnose and surgery: src/core/problem.ts), on the model given. */
function open(model: GraphModel, o: DataOptions & { checkpoint: string }, seed: number, signal?: AbortSignal): Promise<Problem> {
  return openProblem({ ...o, seed, engine: engineOptions(o) }, signal, { model });
}

export async function specialNeuronsJob(
  o: SpecialNeuronsJobOptions,
  signal?: AbortSignal,
  onProgress: SurgeryProgress = () => undefined,
): Promise<SpecialNeuronsJobResult> {
  onProgress({ stage: 'backend', fraction: 0, message: 'initialising compute backend' });
  const backend = await initBackend(tfBackendOf(o.backend));
  throwIfAborted(signal);
  const input = readCheckpoint(o.checkpoint);
  checkInt('--train', o.train, 0, LIMITS.steps);
  checkNumber('--lr', o.lr, Number.MIN_VALUE, LIMITS.float32Max, 'float32 range');
  const notices: string[] = [];
  let augmentedFile = o.checkpoint;
  let added: AddSpecialResult | undefined;
  if (input.specialNeurons) {
    if (!o.train)
      throw new UserInputError(
        `the model already has special neurons (λ = ${input.specialNeurons.lambda}); pass --train N to fine-tune it`,
        { file: o.checkpoint },
      );
    notices.push('the input already has special neurons: trained as is');
  } else {
    onProgress({ stage: 'special neurons', fraction: 0.1, message: 'adding special neurons' });
    added = addSpecialNeurons(o.checkpoint, { lambda: o.lambda, out: o.out });
    augmentedFile = added.outFile;
    notices.push(...added.notices);
  }
  const result: SpecialNeuronsJobResult = {
    checkpoint: path.resolve(o.checkpoint),
    outFile: path.resolve(augmentedFile),
    ...(added ? { added } : {}),
    backend: backendLabel(backend),
    notices,
  };
  if (!o.train) return result;
  const seed = o.seed ?? 0;
  const made = await open(readCheckpoint(augmentedFile), o, seed, signal);
  const { model, data, obj } = { ...made, obj: made.engine.obj };
  try {
    notices.push(...made.engine.notices);
    result.backend = made.engine.label();
    const steps = o.train;
    const tr = await train(
      model,
      obj,
      data,
      made.spec,
      model.theta,
      {
        steps,
        lr: o.lr ?? 1e-2,
        optimizer: o.optimizer ?? 'adam',
        batchSize: o.batchSize,
        seed,
        signal,
        onProgress: p =>
          onProgress({
            stage: 'train',
            fraction: 0.1 + (0.85 * p.step) / Math.max(1, p.steps),
            message: p.record
              ? `step ${p.step}/${p.steps}: L̃ ${fmt(p.record.objective)}, ` +
                `max|a| ${fmt(p.record.maxAbsA, 3)}, L(θ) ${fmt(p.record.originalLoss)}`
              : `step ${p.step}/${p.steps}`,
          }),
      },
      d => made.engine.on(d),
    );
    const plan = planWrite(augmentedFile);
    const out = o.trainedOut ?? defaultOutput(augmentedFile, plan, 'trained');
    const files = writeWithPlan(plan, model, tr.theta, out, [o.checkpoint, augmentedFile]);
    const report = await specialNeuronsReport(model, obj, tr.theta, 1024, signal);
    result.training = {
      steps: tr.steps,
      optimizer: tr.optimizer,
      lr: tr.lr,
      batchSize: tr.batchSize,
      seed: tr.seed,
      curve: tr.curve,
      peakMaxAbsA: tr.curve.reduce((m, r) => Math.max(m, r.maxAbsA), 0),
      finalMaxAbsA: tr.curve[tr.curve.length - 1].maxAbsA,
      outFile: path.resolve(out),
      files: files.map(f => path.resolve(f)),
      format: plan.format,
      ...(report ? { report } : {}),
    };
    if (obj.inputNotice) notices.push(obj.inputNotice);
    onProgress({ stage: 'done', fraction: 1 });
    return result;
  } finally {
    made.close();
  }
}

/** The perturbation's own options (their meaning and defaults: PerturbOptions in perturb.ts) plus data and outputs. */
export interface PerturbJobOptions
  extends DataOptions, Pick<PerturbOptions, 'mode' | 'sigma' | 'step' | 'direction' | 'seed' | 'retrain' | 'lr'> {
  checkpoint: string;
  out?: string;
  /** Output of the retrained point (default: beside the perturbed one in the run's derived/ folder, tag 'retrained'). */
  retrainedOut?: string;
}

export type PerturbJobResult = Omit<PerturbResult, 'thetaPerturbed' | 'thetaFinal'> & {
  checkpoint: string;
  outFile: string;
  files: string[];
  format: string;
  /** Why this format was written. */
  formatReason: string;
  retrainedFile?: string;
  lossFunction: { kind: string; reason: string };
  backend: string;
  notices: string[];
};

export async function perturbJob(
  o: PerturbJobOptions,
  signal?: AbortSignal,
  onProgress: SurgeryProgress = () => undefined,
): Promise<PerturbJobResult> {
  onProgress({ stage: 'backend', fraction: 0, message: 'initialising compute backend' });
  await initBackend(tfBackendOf(o.backend));
  throwIfAborted(signal);
  const model = readCheckpoint(o.checkpoint);
  // sizes against the model before the data is loaded
  if (typeof o.direction === 'number')
    checkInt('--direction', o.direction, 1, model.numParams, `the k-th largest eigenvalue; the model has ${model.numParams} parameters`);
  checkInt('--retrain', o.retrain, 0, LIMITS.steps);
  checkNumber('--sigma', o.sigma, Number.MIN_VALUE, LIMITS.float32Max, 'float32 range');
  checkNumber('--step', o.step, Number.MIN_VALUE, LIMITS.float32Max, 'float32 range');
  checkNumber('--lr', o.lr, Number.MIN_VALUE, LIMITS.float32Max, 'float32 range');
  const plan = planWrite(o.checkpoint);
  const out = o.out ?? defaultOutput(o.checkpoint, plan, 'perturbed');
  const seed = o.seed ?? 0;
  const made = await open(model, o, seed, signal);
  const obj = made.engine.obj;
  try {
    onProgress({ stage: 'perturb', fraction: 0.1, message: `perturbation (${o.mode})` });
    const r = await perturb(obj, model, model.theta, {
      mode: o.mode,
      sigma: o.sigma,
      step: o.step,
      direction: o.direction,
      seed,
      retrain: o.retrain,
      lr: o.lr,
      signal,
      onProgress: p =>
        onProgress({
          stage: p.stage,
          fraction: 0.1 + 0.8 * Math.min(1, p.total ? p.done / p.total : 0),
          message: `${p.stage} ${p.done}/${p.total}`,
        }),
    });
    const bad = r.thetaPerturbed.findIndex(v => !Number.isFinite(v));
    if (bad >= 0)
      throw new UserInputError(
        `the perturbation ` +
          `(${o.mode}${o.sigma !== undefined ? `, σ = ${o.sigma}` : ''}${o.step !== undefined ? `, step ${o.step}` : ''}) ` +
          `makes parameter ${bad} non-finite in float32; nothing was written: choose a ` +
          `smaller ${o.sigma !== undefined ? '--sigma' : '--step'}`,
        { file: o.checkpoint },
      );
    const files = writeWithPlan(plan, model, r.thetaPerturbed, out, [o.checkpoint, plan.source]);
    let retrainedFile: string | undefined;
    if (r.retrain) {
      const ro = o.retrainedOut ?? (o.out ? defaultOutput(o.checkpoint, plan, 'retrained') : defaultOutput(out, plan, 'retrained'));
      files.push(...writeWithPlan(plan, model, r.thetaFinal, ro, [o.checkpoint, plan.source, out]));
      retrainedFile = path.resolve(ro);
    }
    const { thetaPerturbed: _p, thetaFinal: _f, ...rest } = r;
    const notices = [...model.notices];
    if (detectFormat(o.checkpoint) !== plan.format || plan.source !== o.checkpoint)
      notices.push(`written as ${plan.format}: ${plan.reason}`);
    if (obj.inputNotice) notices.push(obj.inputNotice);
    onProgress({ stage: 'done', fraction: 1 });
    return {
      ...rest,
      checkpoint: path.resolve(o.checkpoint),
      outFile: path.resolve(out),
      files: files.map(f => path.resolve(f)),
      format: plan.format,
      formatReason: plan.reason,
      ...(retrainedFile ? { retrainedFile } : {}),
      lossFunction: { kind: made.spec.kind, reason: made.spec.reason },
      backend: made.engine.label(),
      notices: [...notices, ...made.engine.notices],
    };
  } finally {
    made.close();
  }
}

/** "Copy code" snippets with D (flattened inputs), K (outputs), λ and the final activation of this checkpoint filled in. */
export async function snippetsFor(
  checkpoint: string,
  lambda?: number,
  backend: EnginePreference = 'auto',
): Promise<Snippets & { inputDim: number; units: number; lambda: number }> {
  await initBackend(tfBackendOf(backend));
  const model = readCheckpoint(checkpoint);
  const { D, K } = modelDims(model, checkpoint);
  const act = model.outputActivation === 'softmax' || model.outputActivation === 'sigmoid' ? model.outputActivation : undefined;
  const lam = lambda ?? 0.01;
  return { ...specialNeuronSnippets({ lambda: lam, inputDim: D, units: K, activation: act }), inputDim: D, units: K, lambda: lam };
}
