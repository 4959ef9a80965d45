/**
 * One diagnose job: read a checkpoint and a dataset, build the objective, compute the loss and
 * gradient, then run the requested diagnostics — a loop over the registry's descriptors
 * (src/core/diagnostics/registry.ts) in dependency order, sharing one run context — and return the
 * result object whose JSON is the public interface of `landscape diagnose --json` (documented in
 * README.md; fields are only ever added).
 */
import * as path from 'path';
import { readCheckpoint, detectFormat } from './formats';
import { loadDataset } from './data/dataset';
import { resolveLoss } from './loss';
import { makeObjective, Engine, EnginePreference, ExecutionProvider } from './engine';
import { lossAndGradient } from './diagnostics/basic';
import { RunContext } from './diagnostics/context';
import { plannedDiagnostics, fitPreset } from './diagnostics/registry';
import { throwIfAborted } from './errors';
import { checkSpectrumOptions } from './limits';
import type { HessianResult, SpectrumOptions } from './diagnostics/hessian';
import type { DiagnosticTiming } from '../shared/result';
import type { DiagnoseResult } from '../shared/result';
export type { DiagnoseResult } from '../shared/result';
import { estimateCost } from './estimate';

export const RESULT_VERSION = 1;

/** What to diagnose and how; the spectrum's options (top, bottom, tol, maxIter, trace…, density…) come from SpectrumOptions. */
export interface DiagnoseOptions extends SpectrumOptions {
  checkpoint: string;
  data: string;
  loss?: string;
  samples?: number;
  seed?: number;
  xKey?: string;
  yKey?: string;
  /** CSV datasets: the target column. */
  target?: string;
  /** Compute engine: auto (ONNX Runtime when the model compiles, else TF.js), ort, tensorflow, wasm, cpu. */
  backend?: EnginePreference;
  /** ONNX Runtime execution provider: auto, cpu, webgpu, cuda. */
  ep?: ExecutionProvider;
  /** ONNX Runtime intra-op threads (default: from the model size and the machine). */
  threads?: number;
  chunkSize?: number;
  /** Inputs are transformed as x·inputScale + inputShift after loading (landscape.json). */
  inputScale?: number;
  inputShift?: number;
  /** How the dataset was chosen (shown with the result). */
  dataHow?: string;
  /** Inputs larger than this many MB (as float32) are streamed from the file (default 1024). */
  maxResidentMb?: number;
  /** Landscape slices: '1d', '2d', 'eig' (top/bottom Hessian eigenvectors), 'interp' (to `withCheckpoint`). */
  slices?: ('1d' | '2d' | 'eig' | 'interp')[];
  withCheckpoint?: string;
  /** Keskar ε-sharpness for ε ∈ {1e-3, 5e-4}, full space and a random 100-dimensional subspace; ASAM; PAC-Bayes σ. */
  sharpness?: boolean;
  /** PAC-Bayes σ* (default: with `sharpness`). */
  pacBayes?: boolean;
  /** Data-free weight spectra (singular values, stable rank, power-law α). */
  weights?: boolean;
  /** PGB residual at θ and at seeded perturbations (Kawaguchi & Kaelbling 2020). */
  pgb?: boolean;
  pgbIterations?: number;
  pgbPerturbations?: number;
  pgbRho?: number;
  /** Per-layer Hessian blocks: top eigenvalue, trace, trace share, top-eigenvector mass. */
  layerCurvature?: boolean;
  /** Verdict thresholds (see src/core/diagnostics/verdict.ts). */
  thresholds?: Partial<import('./diagnostics/verdict').VerdictThresholds>;
  /** Adaptive sharpness radius ρ (default 0.05) and PAC-Bayes δ relative to L (default 0.1). */
  adaptiveRho?: number;
  pacBayesRelDelta?: number;
}

export type ProgressFn = (p: { stage: string; fraction?: number; message?: string; partial?: unknown }) => void;

export async function diagnose(opts: DiagnoseOptions, signal?: AbortSignal, report: ProgressFn = () => undefined): Promise<DiagnoseResult> {
  // every progress message ends with the HVPs done / planned (the plan: src/core/estimate.ts)
  let hvpsPlanned = 0,
    hvpsDone = () => 0;
  const onProgress: ProgressFn = p =>
    report(hvpsPlanned && p.message ? { ...p, message: `${p.message} · HVPs ${hvpsDone()} / ${hvpsPlanned}` } : p);
  const t0 = performance.now();
  throwIfAborted(signal);
  onProgress({ stage: 'load', fraction: 0.1, message: `reading ${path.basename(opts.checkpoint)}` });
  const model = readCheckpoint(opts.checkpoint);
  // a preset's counts fit the model (with a notice); explicit options are checked against it
  const fitted = fitPreset(opts, model.numParams);
  opts = fitted.opts;
  // sizes against the model before the data is loaded (a k beyond the parameter count never ends)
  checkSpectrumOptions(opts, model.numParams, opts.checkpoint);
  const layerCount = model.layers.filter(l => l.params > 0).length;
  const cost = estimateCost(opts, { params: model.numParams, layers: layerCount, specialNeurons: Boolean(model.specialNeurons) });
  hvpsPlanned = cost.hvps.total;
  const seed = opts.seed ?? 0;
  const data = loadDataset(opts.data, {
    xKey: opts.xKey,
    yKey: opts.yKey,
    target: opts.target,
    samples: opts.samples,
    seed,
    maxResidentBytes: opts.maxResidentMb !== undefined ? opts.maxResidentMb * 2 ** 20 : undefined,
  });
  if ((opts.inputScale !== undefined && opts.inputScale !== 1) || (opts.inputShift !== undefined && opts.inputShift !== 0)) {
    const a = opts.inputScale ?? 1,
      b = opts.inputShift ?? 0;
    if (data.source) {
      const src = data.source;
      const read = src.read;
      data.source = { ...src, read: (s: number, e: number) => read(s, e).map(v => v * a + b) };
    } else for (let i = 0; i < data.x.length; i++) data.x[i] = data.x[i] * a + b;
  }
  const spec = resolveLoss(model, data, opts.loss);
  onProgress({ stage: 'backend', fraction: 0.2, message: 'initialising compute backend' });
  let engine: Engine;
  try {
    engine = await makeObjective(model, data, spec, {
      backend: opts.backend,
      ep: opts.ep,
      chunkSize: opts.chunkSize,
      threads: opts.threads,
      file: opts.checkpoint,
    });
  } catch (e) {
    data.close?.();
    throw e;
  }
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
    const weight = (id: string) => Math.max(1e-3, cost.byDiagnostic[id] ?? 0);
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
    onProgress({ stage: 'done', fraction: 1 });
    const notices = [...model.notices, ...fitted.notices];
    if (obj.inputNotice) notices.push(obj.inputNotice);
    if (opts.dataHow) notices.push(`dataset: ${opts.dataHow}`);
    if (ctx.nonFinite) notices.push(`diagnosis stopped: ${ctx.nonFinite}; the curvature, sharpness, PGB and slices were not computed`);
    if ((opts.inputScale ?? 1) !== 1 || (opts.inputShift ?? 0) !== 0)
      notices.push(`inputs transformed as x·${opts.inputScale ?? 1} + ${opts.inputShift ?? 0}`);
    if (data.source)
      notices.push(
        `inputs (${data.m} × ${data.xShape.slice(1).join('×')}) exceed the memory budget: streamed from the file chunk by chunk`,
      );
    notices.push(...engine.notices);
    const r = ctx.result;
    const hessianMs = ['spectrum', 'trace', 'density'].reduce((a, id) => a + (byDiagnostic[id]?.ms ?? 0), 0);
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
      ...(r.layerCurvature ? { layerCurvature: r.layerCurvature } : {}),
      model: { layers: model.layers },
      ...(r.specialNeurons ? { specialNeurons: r.specialNeurons } : {}),
      counts: { ...obj.counts },
      ...(ctx.hessian ? { hessian: withoutVectors(ctx.hessian) } : {}),
      ...(r.slices ? { slices: r.slices } : {}),
      ...(r.weights ? { weights: r.weights } : {}),
      ...(r.sharpness ? { sharpness: r.sharpness } : {}),
      ...(r.pacBayes ? { pacBayes: r.pacBayes } : {}),
      ...(r.pgb ? { pgb: r.pgb } : {}),
      verdict: v,
      evaluation,
      ...(r.nullProbe ? { nullProbe: r.nullProbe } : {}),
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
    obj.dispose();
    data.close?.();
  }
}

function withoutVectors(h: HessianResult): Omit<HessianResult, 'vectors'> {
  const { vectors: _v, ...rest } = h;
  return rest;
}
