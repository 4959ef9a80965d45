/**
 * The commands that act on a minimum — Add special neurons (Kawaguchi & Kaelbling 2020), Copy
 * special-neuron code, Perturb weights — from the palette, the runs tree and hover links. Each
 * asks what to do (or takes an options object: tests and other extensions call the commands
 * non-interactively), runs the work as a worker job (src/core/surgery/jobs.ts) behind the queue
 * with a cancellable progress notification, writes NEW checkpoints beside the input (the writers
 * refuse to overwrite), records the measured effects in the surgery log the dashboard shows, and
 * reports them in a notification with follow-up actions.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { reportTo, type Service } from './service';
import type { RunsTree } from './runsTree';
import { PRIORITY } from './jobQueue';
import { diagnoseOptions } from './settings';
import { lambdaMax } from '../shared/headline';
import { fmt } from '../shared/format';
import { SurgeryLog, NewSurgeryRecord, surgeryAssessment, surgerySummary } from './surgeryLog';
import type {
  SpecialNeuronsJobOptions,
  SpecialNeuronsJobResult,
  PerturbJobOptions,
  PerturbJobResult,
  DataOptions,
} from '../core/surgery/jobs';
import type { JobRequest, JobResult } from '../worker/protocol';

export interface SurgeryContext {
  service: Service;
  tree: RunsTree;
  surgery: SurgeryLog;
  log: vscode.LogOutputChannel;
  uriOf(arg: unknown): vscode.Uri | undefined;
  pickCheckpoint(title?: string): Promise<vscode.Uri | undefined>;
  openDashboard(uri: vscode.Uri): Promise<unknown>;
}

/** Options of the Add special neurons command when called with arguments (no prompts). */
export type AddSpecialArgs = Partial<
  Pick<SpecialNeuronsJobOptions, 'lambda' | 'train' | 'lr' | 'optimizer' | 'batchSize' | 'seed' | 'out' | 'trainedOut'>
>;
/** Options of the Perturb weights command when called with arguments (no prompts). */
export type PerturbArgs = Partial<
  Pick<PerturbJobOptions, 'mode' | 'sigma' | 'step' | 'direction' | 'seed' | 'retrain' | 'lr' | 'out' | 'retrainedOut'>
>;

const rel = (p: string) => vscode.workspace.asRelativePath(p);

/** Data settings of a checkpoint (as for diagnose): file, loss, keys, samples, seed, scaling, backend. */
function dataFor(uri: vscode.Uri): { data: DataOptions & { seed: number }; how: string } | { error: string } {
  const r = diagnoseOptions(uri, 'quick');
  if ('error' in r) return r;
  const o = r.options;
  return {
    data: {
      data: o.data,
      loss: o.loss,
      xKey: o.xKey,
      yKey: o.yKey,
      samples: o.samples,
      seed: o.seed ?? 0,
      inputScale: o.inputScale,
      inputShift: o.inputShift,
      chunkSize: o.chunkSize,
      backend: o.backend,
      ep: o.ep,
      threads: o.threads,
      maxResidentMb: o.maxResidentMb,
    },
    how: r.dataHow,
  };
}

function positive(v: string): string | undefined {
  const n = Number(v);
  return v.trim() && Number.isFinite(n) && n > 0 ? undefined : 'a positive number';
}
function count(v: string): string | undefined {
  const n = Number(v);
  return v.trim() && Number.isInteger(n) && n >= 0 ? undefined : 'a whole number ≥ 0';
}

async function ask(
  prompt: string,
  value: string,
  validate: (v: string) => string | undefined,
  placeHolder?: string,
  title?: string,
): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt,
    value,
    placeHolder,
    ignoreFocusOut: true,
    validateInput: v => (v.trim() === '' && placeHolder ? undefined : validate(v)),
  });
}

/** Run a surgery job behind the queue with a cancellable notification; undefined when cancelled. */
async function runJob<R extends JobResult>(ctx: SurgeryContext, request: JobRequest, title: string): Promise<R | undefined> {
  const svc = ctx.service;
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Landscape: ${title}`, cancellable: true },
      async (progress, token) => {
        const h = svc.queue.enqueue(request, {
          label: title,
          priority: PRIORITY.user,
          onProgress: reportTo(progress),
        });
        token.onCancellationRequested(() => h.cancel());
        return (await h.promise) as R;
      },
    );
  } catch (e) {
    const err = e as Error & { cancelled?: boolean };
    if (err.cancelled) {
      ctx.log.info(`cancelled: ${title}`);
      return undefined;
    }
    ctx.log.error(`${title}: ${err.message}`);
    void vscode.window.showErrorMessage(`Landscape Lens: ${err.message}`);
    throw e;
  }
}

/**
 * A surgery finished: record it in the surgery log, let the runs tree and the views pick up the new
 * checkpoints, and tell the user what was written and measured (follow-up actions when interactive).
 */
async function recordAndReport(ctx: SurgeryContext, entry: NewSurgeryRecord, newest: string, interactive: boolean): Promise<void> {
  const rec = ctx.surgery.add(entry);
  await ctx.tree.rescan();
  ctx.service.fireChanged(rec.checkpoint);
  for (const f of rec.outFiles) ctx.service.fireChanged(f);
  const lines = surgerySummary(rec);
  const meaning = surgeryAssessment(rec);
  ctx.log.info(
    `${rec.kind} ${rec.checkpoint} → ${rec.outFiles.join(', ')}: ${lines.join('; ')}${meaning ? `; ${meaning.tone}: ${meaning.text}` : ''}`,
  );
  // the meaning first (the notification may be cut), then the measurements
  // a perturbation says in one line what it found (the measurements are in the dashboard's surgery record)
  const msg =
    `Landscape Lens: ${meaning ? `${meaning.text[0].toUpperCase()}${meaning.text.slice(1)}. ` : ''}` +
    (rec.kind === 'perturb' && meaning ? `Wrote ${rel(newest)} (details in the dashboard).` : `Wrote ${rel(newest)}. ${lines.join('. ')}.`);
  // good and neutral outcomes are information; a bad one is a warning (its icon)
  const show = (m: string, ...items: string[]) =>
    meaning?.tone === 'warn' ? vscode.window.showWarningMessage(m, ...items) : vscode.window.showInformationMessage(m, ...items);
  if (!interactive) {
    void show(msg);
    return;
  }
  const pick = await show(msg, 'Open dashboard', 'Diagnose new checkpoint', 'Reveal');
  const uri = vscode.Uri.file(newest);
  if (pick === 'Open dashboard') await ctx.openDashboard(uri);
  else if (pick === 'Diagnose new checkpoint') await vscode.commands.executeCommand('landscapeLens.diagnoseCheckpoint', uri);
  else if (pick === 'Reveal') await vscode.commands.executeCommand('revealInExplorer', uri);
}

export async function addSpecialNeurons(
  ctx: SurgeryContext,
  arg: unknown,
  args?: AddSpecialArgs,
): Promise<SpecialNeuronsJobResult | undefined> {
  const uri = ctx.uriOf(arg) ?? (await ctx.pickCheckpoint('Add Special Neurons (1/3): checkpoint'));
  if (!uri) return undefined;
  const interactive = args === undefined;
  const o: AddSpecialArgs = { ...(args ?? {}) };
  if (interactive) {
    const what = await vscode.window.showQuickPick(
      [
        {
          label: 'Add special neurons',
          detail:
            'a_k·exp(w_kᵀx + b_k) per output unit, initialised at a = w = b = 0 (outputs unchanged); ' +
            'penalty (λ/2)Σa_k². Writes a new checkpoint.',
          v: 'add',
        },
        {
          label: 'Add and fine-tune…',
          detail:
            'then train the augmented model on the configured data and watch max|a_k| vanish (the theorem, observed). ' +
            'Writes two new checkpoints.',
          v: 'train',
        },
        { label: 'Copy code for my training script…', detail: 'PyTorch, Keras or TF.js code adding the same neurons', v: 'code' },
      ],
      {
        title: 'Add Special Neurons (2/3): what to do',
        placeHolder: `Special neurons (Kawaguchi & Kaelbling 2020) for ${rel(uri.fsPath)}`,
      },
    );
    if (!what) return undefined;
    if (what.v === 'code') {
      await copySpecialNeuronsCode(ctx, uri);
      return undefined;
    }
    const n = what.v === 'train' ? 5 : 3;
    const lam = await ask('Penalty weight λ (> 0)', '0.01', positive, undefined, `Add Special Neurons (3/${n}): penalty λ`);
    if (lam === undefined) return undefined;
    o.lambda = Number(lam);
    if (what.v === 'train') {
      const steps = await ask(
        'Fine-tuning steps',
        '500',
        v => count(v) ?? (Number(v) > 0 ? undefined : 'at least 1 step'),
        undefined,
        'Add Special Neurons (4/5): fine-tuning steps',
      );
      if (steps === undefined) return undefined;
      const lr = await ask('Learning rate (Adam)', '0.01', positive, undefined, 'Add Special Neurons (5/5): learning rate');
      if (lr === undefined) return undefined;
      o.train = Number(steps);
      o.lr = Number(lr);
    }
  }
  let data: DataOptions & { seed?: number } = {};
  if (o.train) {
    const d = dataFor(uri);
    if ('error' in d) {
      void vscode.window.showErrorMessage(`Landscape Lens: fine-tuning needs data: ${d.error}.`);
      return undefined;
    }
    data = d.data;
  }
  if (!(await ctx.service.mayCompute(interactive))) return undefined;
  const options: SpecialNeuronsJobOptions = { ...data, checkpoint: uri.fsPath, ...o, seed: o.seed ?? data.seed ?? 0 };
  const r = await runJob<SpecialNeuronsJobResult>(
    ctx,
    { kind: 'specialNeurons', options },
    `add special neurons to ${rel(uri.fsPath)}${o.train ? ` and fine-tune ${o.train} steps` : ''}`,
  );
  if (!r) return undefined;
  const outFiles = [...(r.added?.files ?? []), ...(r.training?.files ?? [])].map(f => path.resolve(f));
  await recordAndReport(
    ctx,
    { kind: 'specialNeurons', checkpoint: uri.fsPath, outFiles, result: r },
    r.training?.outFile ?? r.outFile,
    interactive,
  );
  return r;
}

export async function copySpecialNeuronsCode(
  ctx: SurgeryContext,
  arg: unknown,
  lang?: 'pytorch' | 'keras' | 'tfjs',
  lambda?: number,
): Promise<string | undefined> {
  const uri = ctx.uriOf(arg) ?? (await ctx.pickCheckpoint('Copy Special-Neuron Code (1/2): checkpoint'));
  if (!uri) return undefined;
  if (!lang) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'PyTorch', description: 'nn.Module wrapper + penalty', v: 'pytorch' as const },
        { label: 'Keras', description: 'layer + add_loss penalty', v: 'keras' as const },
        { label: 'TF.js', description: 'custom layer + penalty', v: 'tfjs' as const },
      ],
      { title: 'Copy Special-Neuron Code (2/2): language', placeHolder: 'Code that adds the same special neurons in your training script' },
    );
    if (!pick) return undefined;
    lang = pick.v;
  }
  if (!(await ctx.service.mayCompute(true))) return undefined;
  const s = await runJob<{ pytorch: string; keras: string; tfjs: string; inputDim: number; units: number; lambda: number }>(
    ctx,
    { kind: 'snippets', checkpoint: uri.fsPath, lambda },
    `special-neuron code for ${rel(uri.fsPath)}`,
  );
  if (!s) return undefined;
  const code = s[lang];
  await vscode.env.clipboard.writeText(code);
  const doc = await vscode.workspace.openTextDocument({ content: code, language: lang === 'tfjs' ? 'typescript' : 'python' });
  await vscode.window.showTextDocument(doc, { preview: false });
  void vscode.window.showInformationMessage(
    `Landscape Lens: ${lang} code for ${s.units} special neuron${s.units === 1 ? '' : 's'} over ${s.inputDim} inputs ` +
      `(λ = ${s.lambda}) copied to the clipboard.`,
  );
  return code;
}

/** The retraining learning rate's default as shown in the input box: the job computes it at the perturbed point. */
const AUTO_LR = '1/λ_max';

const PERTURB_MODES = [
  {
    label: '$(debug-step-out) Escape the saddle',
    detail: 'step along the most negative Hessian eigenvector (Lanczos on exact HVPs), downhill sign',
    mode: 'eigen' as const,
    direction: 'bottom' as const,
  },
  {
    label: '$(graph-line) Probe sharpness',
    detail: 'step along the top Hessian eigenvector',
    mode: 'eigen' as const,
    direction: 'top' as const,
  },
  {
    label: '$(symbol-misc) Filter-normalised random direction',
    detail: 'Li et al. 2018: each filter of the direction has the norm of its weights; scaled by t',
    mode: 'filter' as const,
  },
  { label: '$(circle-outline) Gaussian noise', detail: 'θ + σ·N(0, I)', mode: 'gaussian' as const },
  { label: '$(circle-large-outline) Relative noise', detail: 'θ_i + σ·|θ_i|·N(0, 1)', mode: 'relative' as const },
];

export async function perturbWeights(ctx: SurgeryContext, arg: unknown, args?: PerturbArgs): Promise<PerturbJobResult | undefined> {
  const uri = ctx.uriOf(arg) ?? (await ctx.pickCheckpoint('Perturb Weights (1/5): checkpoint'));
  if (!uri) return undefined;
  const interactive = args === undefined;
  const o: PerturbArgs = { ...(args ?? {}) };
  if (interactive) {
    const pick = await vscode.window.showQuickPick(PERTURB_MODES, {
      title: 'Perturb Weights (2/5): direction',
      placeHolder: `Perturb the weights of ${rel(uri.fsPath)} (writes a new checkpoint)`,
    });
    if (!pick) return undefined;
    o.mode = pick.mode;
    if (pick.direction) o.direction = pick.direction;
    const noise = pick.mode === 'gaussian' || pick.mode === 'relative';
    const mag =
      pick.mode === 'eigen'
        ? await ask('Step t along the eigenvector (empty: 1 % of ‖θ‖)', '', positive, '0.01·‖θ‖', 'Perturb Weights (3/5): step size')
        : await ask(
            noise ? 'σ' : 'Step t along the direction',
            noise ? '0.01' : '0.1',
            positive,
            undefined,
            `Perturb Weights (3/5): ${noise ? 'σ' : 'step size'}`,
          );
    if (mag === undefined) return undefined;
    if (mag.trim()) {
      if (noise) o.sigma = Number(mag);
      else o.step = Number(mag);
    }
    const re = await ask(
      'Gradient-descent steps from the perturbed point (0: none) — tells whether it returns to the same basin',
      pick.mode === 'eigen' && pick.direction === 'bottom' ? '200' : '0',
      count,
      undefined,
      'Perturb Weights (4/5): retraining steps',
    );
    if (re === undefined) return undefined;
    o.retrain = Number(re) || undefined;
    if (o.retrain) {
      // the learning rate, shown and editable before the run: the job's default (1/λ_max at θ') prefilled
      const cached = ctx.service.cache.latestFor(uri.fsPath)?.result;
      const lmax = cached ? lambdaMax(cached) : undefined;
      const lr = await ask(
        `Learning rate of the ${o.retrain} gradient-descent steps. ${AUTO_LR}: computed by Lanczos at the perturbed point` +
          (lmax !== undefined && lmax > 0 ? ` (this checkpoint's diagnosis has λ_max = ${fmt(lmax)}, so about ${fmt(1 / lmax)})` : '') +
          '; or a number',
        AUTO_LR,
        v => (v.trim() === AUTO_LR ? undefined : positive(v)),
        AUTO_LR,
        'Perturb Weights (5/5): learning rate',
      );
      if (lr === undefined) return undefined;
      if (lr.trim() && lr.trim() !== AUTO_LR) o.lr = Number(lr);
    }
  }
  if (!o.mode) throw new Error('perturbWeights: options.mode is required (gaussian | relative | filter | eigen)');
  const d = dataFor(uri);
  if ('error' in d) {
    void vscode.window.showErrorMessage(`Landscape Lens: perturbing needs data to measure the loss: ${d.error}.`);
    return undefined;
  }
  if (!(await ctx.service.mayCompute(interactive))) return undefined;
  const options: PerturbJobOptions = { ...d.data, checkpoint: uri.fsPath, ...o, mode: o.mode, seed: o.seed ?? d.data.seed };
  const r = await runJob<PerturbJobResult>(
    ctx,
    { kind: 'perturb', options },
    `perturb ${rel(uri.fsPath)} (${o.mode}${o.direction !== undefined ? ` ${o.direction}` : ''})`,
  );
  if (!r) return undefined;
  await recordAndReport(
    ctx,
    { kind: 'perturb', checkpoint: uri.fsPath, outFiles: r.files.map(f => path.resolve(f)), result: r },
    r.outFile,
    interactive,
  );
  return r;
}
