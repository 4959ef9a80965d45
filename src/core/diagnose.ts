/**
 * One diagnose job: read a checkpoint and a dataset, build the objective, compute the
 * requested diagnostics, and return the result object whose JSON is the public interface
 * of `landscape diagnose --json` (documented in README.md; fields are only ever added).
 */
import * as path from 'path';
import { readCheckpoint, detectFormat } from './formats';
import { loadDataset } from './data/dataset';
import { resolveLoss } from './loss';
import { makeObjective, Engine, EnginePreference, ExecutionProvider } from './engine';
import { lossAndGradient } from './diagnostics/basic';
import { throwIfAborted, UserInputError } from './errors';
import { checkSpectrumOptions } from './limits';
import type { HessianResult } from './diagnostics/hessian';
import type { DiagnoseResult } from '../shared/result';
export type { DiagnoseResult } from '../shared/result';
import { specialNeuronsReport } from './surgery/specialNeurons';
import { planHvps } from './estimate';

export const RESULT_VERSION = 1;

export interface DiagnoseOptions {
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
  /** Number of largest Hessian eigenvalues (Lanczos). */
  top?: number;
  /** Number of smallest (most negative) Hessian eigenvalues. */
  bottom?: number;
  /** Lanczos residual tolerance relative to |λ_max| (default 1e-3). */
  tol?: number;
  /** Lanczos HVP budget. */
  maxIter?: number;
  trace?: boolean;
  /** Trace: relative standard error to stop at (default 0.01). */
  traceTol?: number;
  /** Trace: HVP budget (default 150). */
  traceHvps?: number;
  density?: boolean;
  /** Landscape slices: '1d', '2d', 'eig' (top/bottom Hessian eigenvectors), 'interp' (to `withCheckpoint`). */
  slices?: ('1d' | '2d' | 'eig' | 'interp')[];
  withCheckpoint?: string;
  /** Keskar ε-sharpness for ε ∈ {1e-3, 5e-4}, full space and a random 100-dimensional subspace. */
  sharpness?: boolean;
  /** Data-free weight spectra (singular values, stable rank, power-law α). */
  weights?: boolean;
  densityProbes?: number;
  densitySteps?: number;
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
  let hvpsPlanned = 0, hvpsDone = () => 0;
  const onProgress: ProgressFn = p => report(hvpsPlanned && p.message ? { ...p, message: `${p.message} · HVPs ${hvpsDone()} / ${hvpsPlanned}` } : p);
  const t0 = performance.now();
  const t1 = performance.now();
  throwIfAborted(signal);
  onProgress({ stage: 'load', fraction: 0.1, message: `reading ${path.basename(opts.checkpoint)}` });
  const model = readCheckpoint(opts.checkpoint);
  // sizes against the model before the data is loaded (a k beyond the parameter count never ends)
  checkSpectrumOptions(opts, model.numParams, opts.checkpoint);
  hvpsPlanned = planHvps(opts, model.numParams, model.layers.filter(l => l.params > 0).length).total;
  const seed = opts.seed ?? 0;
  const data = loadDataset(opts.data, { xKey: opts.xKey, yKey: opts.yKey, target: opts.target, samples: opts.samples, seed, maxResidentBytes: opts.maxResidentMb !== undefined ? opts.maxResidentMb * 2 ** 20 : undefined });
  if ((opts.inputScale !== undefined && opts.inputScale !== 1) || (opts.inputShift !== undefined && opts.inputShift !== 0)) {
    const a = opts.inputScale ?? 1, b = opts.inputShift ?? 0;
    if (data.source) { const src = data.source; const read = src.read; data.source = { ...src, read: (s: number, e: number) => read(s, e).map(v => v * a + b) }; }
    else for (let i = 0; i < data.x.length; i++) data.x[i] = data.x[i] * a + b;
  }
  const spec = resolveLoss(model, data, opts.loss);
  onProgress({ stage: 'backend', fraction: 0.2, message: 'initialising compute backend' });
  let engine: Engine;
  try { engine = await makeObjective(model, data, spec, { backend: opts.backend, ep: opts.ep, chunkSize: opts.chunkSize, threads: opts.threads, file: opts.checkpoint }); } catch (e) { data.close?.(); throw e; }
  const obj = engine.obj;
  hvpsDone = () => obj.counts.hvp;
  const t2 = performance.now();
  try {
    throwIfAborted(signal);
    onProgress({ stage: 'gradient', fraction: 0.3, message: 'loss and gradient' });
    const basic = await lossAndGradient(model, obj, model.theta, signal);
    const t3 = performance.now();
    // a NaN/Inf loss or gradient (e.g. overflow in the forward pass) stops the curvature work: verdict undetermined
    let nonFinite: string | undefined = !Number.isFinite(basic.loss) ? `the loss is ${basic.loss}` : !Number.isFinite(basic.gradNorm) ? `the gradient norm is ${basic.gradNorm}` : undefined;
    const { DEFAULT_THRESHOLDS } = await import('./diagnostics/verdict');
    const thresholds = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
    let hessian: HessianResult | undefined;
    if (!nonFinite && ((opts.top ?? 0) > 0 || (opts.bottom ?? 0) > 0 || opts.trace || opts.density)) {
      onProgress({ stage: 'hessian', fraction: 0.4, message: 'Hessian spectrum (exact HVPs)' });
      const { hessianSpectrum, NonFiniteError } = await import('./diagnostics/hessian');
      try {
        hessian = await hessianSpectrum(obj, model.theta, {
          top: opts.top, bottom: opts.bottom, tol: opts.tol, maxIter: opts.maxIter, trace: opts.trace, traceRelTol: opts.traceTol, traceMaxMatvecs: opts.traceHvps,
          density: opts.density, densityProbes: opts.densityProbes, densitySteps: opts.densitySteps, seed,
          thresholds, bottomEstimate: true, nullVectors: 4,
        }, signal,
          p => onProgress({ stage: p.stage, fraction: 0.4 + 0.6 * Math.min(1, p.total ? p.done / p.total : 0), message: `${p.stage} ${p.done}/${p.total}`, partial: p.partial }));
      } catch (e) {
        if (!(e instanceof NonFiniteError)) throw e;
        nonFinite = e.message;
      }
    }
    let slices: DiagnoseResult['slices'];
    if (opts.slices?.length && !nonFinite) {
      const S = await import('./diagnostics/slices');
      slices = [];
      const prog = (p: { stage: string; done: number; total: number }) => onProgress({ stage: p.stage, fraction: 0.9, message: `${p.stage} ${p.done}/${p.total}` });
      for (const kind of opts.slices) {
        throwIfAborted(signal);
        if (kind === '1d') slices.push(await S.slice1d(obj, model, model.theta, { seed, signal, onProgress: prog }));
        else if (kind === '2d') slices.push(await S.slice2d(obj, model, model.theta, { seed, signal, onProgress: prog }));
        else if (kind === 'eig') {
          const { hessianSpectrum } = await import('./diagnostics/hessian');
          const h = await hessianSpectrum(obj, model.theta, { top: 1, bottom: 1, tol: opts.tol, seed, returnVectors: true }, signal);
          slices.push(await S.eigSlice(obj, model.theta, h.vectors!.top[0], h.top[0].value, basic.gradient, 'top Hessian eigenvector', { signal }));
          slices.push(await S.eigSlice(obj, model.theta, h.vectors!.bottom[0], h.bottom[0].value, basic.gradient, 'bottom Hessian eigenvector', { signal }));
        } else if (kind === 'interp') {
          if (!opts.withCheckpoint) throw new UserInputError("--slice interp needs a second checkpoint: --with <checkpoint>");
          const other = readCheckpoint(opts.withCheckpoint);
          if (other.numParams !== model.numParams || other.params.some((p, i) => p.size !== model.params[i]?.size)) throw new UserInputError(`the checkpoints have different architectures (${model.numParams} vs ${other.numParams} parameters)`, { file: opts.withCheckpoint });
          slices.push(await S.interpolate(obj, model.theta, other.theta, path.resolve(opts.withCheckpoint), { signal }));
        } else throw new UserInputError(`unknown slice '${kind}' (expected 1d, 2d, eig, interp)`, { where: '--slice' });
      }
    }
    let sharpness: DiagnoseResult['sharpness'];
    if (opts.sharpness && !nonFinite) {
      const { keskarSharpness, subspaceBasis } = await import('./diagnostics/sharpness');
      const keskar = [];
      let basis: Float64Array[] | undefined; // one random subspace for both ε (built once: O(p²n))
      for (const epsilon of [1e-3, 5e-4]) for (const subspace of [undefined, 100]) {
        onProgress({ stage: 'sharpness', fraction: 0.95, message: `ε-sharpness ε=${epsilon}${subspace ? ` in a random ${subspace}-dim subspace` : ''}` });
        if (subspace && !basis) basis = subspaceBasis(model.numParams, Math.min(subspace, model.numParams), seed);
        const r = await keskarSharpness(obj, model.theta, { epsilon, subspace, seed, signal, basis: subspace ? basis : undefined });
        keskar.push({ epsilon: r.epsilon, subspace: r.subspace, value: r.value, maxLoss: r.maxLoss, evaluations: r.evaluations });
      }
      onProgress({ stage: 'sharpness', fraction: 0.95, message: 'adaptive sharpness (ASAM)' });
      const { adaptiveSharpness } = await import('./diagnostics/adaptiveSharpness');
      const adaptive = await adaptiveSharpness(obj, model.theta, { rho: opts.adaptiveRho, signal });
      const { pacBayesSigma } = await import('./diagnostics/pacBayes');
      const pac = await pacBayesSigma(obj, model.theta, { relDelta: opts.pacBayesRelDelta, seed, signal, onProgress: p => onProgress({ stage: p.stage, fraction: 0.96, message: `PAC-Bayes σ ${p.done}/${p.total}` }) });
      sharpness = { keskar, adaptive, pacBayesSigma: pac.sigma, pacBayesMagnitudeSigma: pac.magnitudeAwareSigma, pacBayes: pac };
    }
    let weights: DiagnoseResult['weights'];
    if (opts.weights) {
      const { weightSpectra } = await import('./diagnostics/weights');
      weights = { layers: (await weightSpectra(model)).map(({ eigenvalues: _e, ...w }) => w) };
    }
    let pgb: DiagnoseResult['pgb'];
    if (opts.pgb && !nonFinite) {
      const { pgbResidual } = await import('./diagnostics/pgb');
      pgb = await pgbResidual(obj, model.theta, spec, data.y, { maxIter: opts.pgbIterations, perturbations: opts.pgbPerturbations, rho: opts.pgbRho, seed, signal,
        onProgress: p => onProgress({ stage: 'pgb', fraction: 0.97, message: `PGB residual ${p.done}/${p.total}` }) });
    }
    const layers: DiagnoseResult['layers'] = basic.layers.map(l => ({ ...l }));
    let layerCurv: DiagnoseResult['layerCurvature'];
    if (opts.layerCurvature && !nonFinite) {
      const { layerCurvature } = await import('./diagnostics/layerCurvature');
      let topVector: Float64Array | undefined;
      {
        const { hessianSpectrum } = await import('./diagnostics/hessian');
        const h = await hessianSpectrum(obj, model.theta, { top: 1, tol: opts.tol, seed, returnVectors: true }, signal);
        topVector = h.vectors!.top[0];
      }
      const lc = await layerCurvature(obj, model, model.theta, { seed, topVector, signal, onProgress: p => onProgress({ stage: p.stage, fraction: 0.98, message: `layer curvature ${p.done}/${p.total}` }) });
      for (const l of lc.layers) {
        const e = layers.find(x => x.name === l.name);
        if (e) Object.assign(e, { traceShare: l.traceShare, topEigenvalue: l.topEigenvalue, trace: l.trace, traceStderr: l.traceStderr, topVectorMass: l.topVectorMass });
      }
      layerCurv = { trace: lc.trace, traceMethod: lc.traceMethod, hvps: lc.hvps };
    }
    const { verdict, secondOrderUndecided } = await import('./diagnostics/verdict');
    const { theoryRules } = await import('./diagnostics/theory');
    const vIn: import('./diagnostics/verdict').VerdictInput = { loss: basic.loss, gradNorm: basic.gradNorm, top: hessian?.top.length ? hessian.top : undefined, bottom: hessian?.bottom.length ? hessian.bottom : undefined,
      bottomEstimate: hessian?.bottomEstimate, lanczosConverged: hessian?.lanczos?.converged, density: hessian?.density, pgb: pgb ? { relative: pgb.relative, maxPerturbedRelative: pgb.maxPerturbedRelative } : undefined, nonFinite };
    // second-order information cannot decide (λ_min at zero within its bound): probe the loss along the null directions
    let nullProbe: DiagnoseResult['nullProbe'];
    const nulls = hessian?.vectors?.nearZero;
    if (nulls?.length && secondOrderUndecided(vIn, thresholds)) {
      onProgress({ stage: 'null directions', fraction: 0.99, message: 'probing the loss along the null directions' });
      const { probeNullDirections } = await import('./diagnostics/nullProbe');
      nullProbe = await probeNullDirections(obj, model.theta, basic.loss, basic.gradient, nulls, { nullDescent: thresholds.nullDescent, signal });
      vIn.nullProbe = nullProbe;
    }
    const v = verdict(vIn, opts.thresholds);
    const { evaluationInfo } = await import('./diagnostics/evaluation');
    const evaluation = evaluationInfo(model, data, seed, spec, engine.label(), Boolean(data.source));
    const theory = theoryRules(model, spec.kind);
    const t4 = performance.now();
    onProgress({ stage: 'done', fraction: 1 });
    const notices = [...model.notices];
    if (obj.inputNotice) notices.push(obj.inputNotice);
    if (opts.dataHow) notices.push(`dataset: ${opts.dataHow}`);
    if (nonFinite) notices.push(`diagnosis stopped: ${nonFinite}; the curvature, sharpness, PGB and slices were not computed`);
    if ((opts.inputScale ?? 1) !== 1 || (opts.inputShift ?? 0) !== 0) notices.push(`inputs transformed as x·${opts.inputScale ?? 1} + ${opts.inputShift ?? 0}`);
    if (data.source) notices.push(`inputs (${data.m} × ${data.xShape.slice(1).join('×')}) exceed the memory budget: streamed from the file chunk by chunk`);
    notices.push(...engine.notices);
    return {
      version: RESULT_VERSION,
      checkpoint: path.resolve(opts.checkpoint),
      format: model.format ?? detectFormat(opts.checkpoint) ?? 'unknown',
      backend: engine.label(),
      engine: engine.engine,
      params: model.numParams,
      samples: data.m,
      loss: basic.loss,
      gradNorm: basic.gradNorm,
      lossFunction: { kind: spec.kind, reason: spec.reason, foldedActivation: spec.foldedActivation },
      data: { file: path.resolve(opts.data), xKey: data.xKey, yKey: data.yKey, total: data.total, samples: data.m, seed },
      layers,
      ...(layerCurv ? { layerCurvature: layerCurv } : {}),
      model: { layers: model.layers },
      ...(model.specialNeurons ? { specialNeurons: await specialNeuronsReport(model, obj, model.theta, 1024, signal) } : {}),
      counts: { ...obj.counts },
      ...(hessian ? { hessian: withoutVectors(hessian) } : {}),
      ...(slices ? { slices } : {}),
      ...(weights ? { weights } : {}),
      ...(sharpness ? { sharpness } : {}),
      ...(pgb ? { pgb } : {}),
      verdict: v,
      evaluation,
      ...(nullProbe ? { nullProbe } : {}),
      theory,
      notices,
      computedAt: new Date().toISOString(),
      timings: { loadMs: t2 - t1 - engine.startMs, backendMs: engine.startMs, gradientMs: t3 - t2, hessianMs: t4 - t3, totalMs: performance.now() - t0 },
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
