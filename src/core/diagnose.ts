/**
 * One diagnose job: read a checkpoint and a dataset, build the objective, compute the loss and
 * gradient, then run the requested diagnostics — a loop over the registry's descriptors
 * (src/core/diagnostics/registry.ts) in dependency order, sharing one run context — and return the
 * result object whose JSON is the public interface of `landscape diagnose --json` (documented in
 * README.md; fields are only ever added).
 */
import * as path from 'path';
import { detectFormat } from './formats';
import { openProblem, engineOptions, type Problem } from './problem';
import { lossAndGradient } from './diagnostics/basic';
import { RunContext } from './diagnostics/context';
import { plannedDiagnostics, DIAGNOSTICS, fitPreset } from './diagnostics/registry';
import { throwIfAborted } from './errors';
import { checkSpectrumOptions } from './limits';
import type { HessianResult } from './diagnostics/hessian';
import type { DiagnoseOptions, ProgressFn } from './diagnostics/options';
import type { DiagnosticTiming } from '../shared/result';
import type { DiagnoseResult } from '../shared/result';
export type { DiagnoseResult } from '../shared/result';
/** The contract types live on the ground floor (./diagnostics/options.ts); re-exported for the callers that import them from here. */
export type { DiagnoseOptions, ProgressFn } from './diagnostics/options';
import { estimateCost, type CostEstimate } from './estimate';
import { monotoneProgress } from './progressMonotone';

export const RESULT_VERSION = 1;

export async function diagnose(opts: DiagnoseOptions, signal?: AbortSignal, report: ProgressFn = () => undefined): Promise<DiagnoseResult> {
  // every progress message ends with the HVPs done / planned (the plan: src/core/estimate.ts)
  let hvpsPlanned = 0,
    hvpsDone = () => 0;
  // monotone: a diagnostic's sub-runs each map done/total onto its whole share (progressMonotone.ts)
  const monotone = monotoneProgress(report);
  const onProgress: ProgressFn = p =>
    monotone(hvpsPlanned && p.message ? { ...p, message: `${p.message} · HVPs ${hvpsDone()} / ${hvpsPlanned}` } : p);
  const t0 = performance.now();
  throwIfAborted(signal);
  onProgress({ stage: 'load', fraction: 0.1, message: `reading ${path.basename(opts.checkpoint)}` });
  const seed = opts.seed ?? 0;
  let cost: CostEstimate | undefined;
  let presetNotices: string[] = [];
  const problem: Problem = await openProblem({ ...opts, seed, engine: engineOptions(opts) }, signal, {
    // sizes against the model before the data is loaded (a k beyond the parameter count never ends)
    afterModel: model => {
      // a preset's counts fit the model (with a notice); explicit options are checked against it
      const fitted = fitPreset(opts, model.numParams);
      opts = fitted.opts;
      presetNotices = fitted.notices;
      checkSpectrumOptions(opts, model.numParams, opts.checkpoint);
      const layerCount = model.layers.filter(l => l.params > 0).length;
      cost = estimateCost(opts, { params: model.numParams, layers: layerCount, specialNeurons: Boolean(model.specialNeurons) });
      hvpsPlanned = cost.hvps.total;
    },
    beforeEngine: () => onProgress({ stage: 'backend', fraction: 0.2, message: 'initialising compute backend' }),
  });
  const { model, data, spec, engine } = problem;
  const obj = engine.obj;
  hvpsDone = () => obj.counts.hvp;
  const t2 = performance.now();
  try {
    throwIfAborted(signal);
    onProgress({ stage: 'gradient', fraction: 0.3, message: 'loss and gradient' });
    const { DEFAULT_THRESHOLDS } = await import('./diagnostics/verdict');
    const ctx = new RunContext(model, obj, data, spec, opts, { ...DEFAULT_THRESHOLDS, ...opts.thresholds }, signal, onProgress);
    ctx.basic = await lossAndGradient(model, obj, model.theta, signal);
    const t3 = performance.now();
    // a NaN/Inf loss or gradient (e.g. overflow in the forward pass) stops the curvature work: verdict undetermined
    ctx.nonFinite = !Number.isFinite(ctx.basic.loss)
      ? `the loss is ${ctx.basic.loss}`
      : !Number.isFinite(ctx.basic.gradNorm)
        ? `the gradient norm is ${ctx.basic.gradNorm}`
        : undefined;
    ctx.result.layers = ctx.basic.layers.map(l => ({ ...l }));
    const byDiagnostic: Record<string, DiagnosticTiming> = {};
    // the progress bar from 0.3 to 1 is shared by the diagnostics in proportion to their planned work
    const planned = plannedDiagnostics(opts, Boolean(model.specialNeurons));
    const weight = (id: string) => Math.max(1e-3, cost?.byDiagnostic[id] ?? 0);
    const totalWeight = planned.reduce((a, d) => a + weight(d.id), 0) || 1;
    let at = 0.3;
    for (const d of planned) {
      if (ctx.nonFinite && !d.runsOnNonFinite) continue;
      throwIfAborted(signal);
      const share = (0.7 * weight(d.id)) / totalWeight;
      ctx.enter(at, share);
      const c0 = { ...obj.counts },
        s0 = performance.now();
      try {
        await d.run(ctx);
      } catch (e) {
        const { NonFiniteError } = await import('./diagnostics/hessian');
        if (!(e instanceof NonFiniteError)) throw e;
        ctx.nonFinite = e.message;
      }
      byDiagnostic[d.id] = {
        ms: performance.now() - s0,
        hvp: obj.counts.hvp - c0.hvp,
        loss: obj.counts.loss - c0.loss,
        gradient: obj.counts.gradient - c0.gradient,
        jvp: obj.counts.jvp - c0.jvp,
        vjp: obj.counts.vjp - c0.vjp,
      };
      at += share;
    }
    const { verdict } = await import('./diagnostics/verdict');
    const { theoryRules } = await import('./diagnostics/theory');
    const v = verdict(ctx.verdictInput(), opts.thresholds);
    const { evaluationInfo } = await import('./diagnostics/evaluation');
    const evaluation = evaluationInfo(model, data, seed, spec, engine.label(), Boolean(data.source));
    const theory = theoryRules(model, spec.kind);
    const { honestFlags } = await import('./diagnostics/honestFlags');
    const flags = honestFlags(opts.checkpoint, ctx.basic.loss, model, data, spec, evaluation, opts.runLogs);
    onProgress({ stage: 'done', fraction: 1 });
    const notices = [...model.notices, ...presetNotices];
    if (obj.inputNotice) notices.push(obj.inputNotice);
    if (opts.dataHow) notices.push(`dataset: ${opts.dataHow}`);
    if (ctx.nonFinite) notices.push(`diagnosis stopped: ${ctx.nonFinite}; the curvature, sharpness, PGB and slices were not computed`);
    if (problem.transformed) notices.push(`inputs transformed as x·${opts.inputScale ?? 1} + ${opts.inputShift ?? 0}`);
    if (data.source)
      notices.push(
        `inputs (${data.m} × ${data.xShape.slice(1).join('×')}) exceed the memory budget: streamed from the file chunk by chunk`,
      );
    notices.push(...engine.notices, ...flags.notices);
    const r = ctx.result;
    // the Hessian time: the diagnostics of the 'hessian' group (spectrum, trace, density)
    const hessianMs = DIAGNOSTICS.filter(d => d.group === 'hessian').reduce((a, d) => a + (byDiagnostic[d.id]?.ms ?? 0), 0);
    return {
      version: RESULT_VERSION,
      checkpoint: path.resolve(opts.checkpoint),
      format: model.format ?? detectFormat(opts.checkpoint) ?? 'unknown',
      backend: engine.label(),
      engine: engine.engine,
      params: model.numParams,
      samples: data.m,
      loss: ctx.basic.loss,
      gradNorm: ctx.basic.gradNorm,
      lossFunction: { kind: spec.kind, reason: spec.reason, foldedActivation: spec.foldedActivation },
      data: { file: path.resolve(opts.data), xKey: data.xKey, yKey: data.yKey, total: data.total, samples: data.m, seed },
      layers: r.layers!,
      model: { layers: model.layers },
      counts: { ...obj.counts },
      ...(ctx.hessian ? { hessian: withoutVectors(ctx.hessian) } : {}),
      // every field a diagnostic wrote into the run context's result (its descriptor's part of DiagnoseResult)
      ...definedFields(r),
      verdict: v,
      evaluation,
      ...flags.fields,
      theory,
      notices,
      computedAt: new Date().toISOString(),
      timings: {
        loadMs: t2 - t0 - engine.startMs,
        backendMs: engine.startMs,
        gradientMs: t3 - t2,
        hessianMs,
        totalMs: performance.now() - t0,
        diagnostics: byDiagnostic,
      },
    };
  } finally {
    problem.close();
  }
}

/** The fields of a partial result that are set (a diagnostic that computed nothing leaves no key). */
function definedFields(r: Partial<DiagnoseResult>): Partial<DiagnoseResult> {
  return Object.fromEntries(Object.entries(r).filter(([k, v]) => v !== undefined && k !== 'layers')) as Partial<DiagnoseResult>;
}

function withoutVectors(h: HessianResult): Omit<HessianResult, 'vectors'> {
  const { vectors: _v, ...rest } = h;
  return rest;
}
