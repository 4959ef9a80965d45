/**
 * The run context of one diagnosis: what the diagnostics share, so nothing is computed twice —
 * the model, the objective, θ, the dataset and loss, the resolved options, the loss and gradient at
 * θ, the Hessian spectrum with its Ritz vectors, and the result being assembled. Eigenpairs asked
 * for by a diagnostic (the eigenvector slices, per-layer curvature) come from the spectrum already
 * computed when it has them (to the Lanczos tolerance), otherwise from one Lanczos run whose pairs
 * are kept for the next diagnostic that asks.
 */
import type { GraphModel } from '../model/graph';
import type { Objective } from '../objective';
import type { Dataset } from '../data/dataset';
import type { LossSpec } from '../loss';
import type { DiagnoseOptions, ProgressFn } from './options';
import type { DiagnoseResult } from '../../shared/result';
import type { BasicResult } from './basic';
import type { HessianResult } from './hessian';
import type { VerdictThresholds, VerdictInput } from './verdict';

export interface Eigenpair {
  value: number;
  vector: Float64Array;
}

export class RunContext {
  /** the loss and gradient at θ (computed before any diagnostic) */
  basic!: BasicResult;
  /** the spectrum, trace and density as they are computed (the `hessian` field of the result) */
  hessian?: HessianResult;
  /** the spectrum resolved its λ_min estimate to a requested eigenvalue's accuracy (its vector may stand for the bottom one) */
  estimateResolved = false;
  /** set when the loss, the gradient or an HVP is NaN/Inf: the curvature diagnostics are skipped */
  nonFinite?: string;
  /** the result being assembled: each diagnostic writes its own fields */
  readonly result: Partial<DiagnoseResult> = {};
  private pairs: { top?: Eigenpair; bottom?: Eigenpair } = {};
  private fraction = 0.3;

  constructor(
    readonly model: GraphModel,
    readonly obj: Objective,
    readonly data: Dataset,
    readonly spec: LossSpec,
    readonly opts: DiagnoseOptions,
    readonly thresholds: VerdictThresholds,
    readonly signal: AbortSignal | undefined,
    private readonly report: ProgressFn,
  ) {}

  get theta(): Float32Array {
    return this.model.theta;
  }
  get seed(): number {
    return this.opts.seed ?? 0;
  }

  /** Progress of the running diagnostic: `done` of `total` steps, mapped into its share of the bar. */
  progress(stage: string, message: string, done?: number, total?: number, partial?: unknown): void {
    const f = done !== undefined && total ? Math.min(1, done / total) : 0;
    this.report({
      stage,
      fraction: this.fraction + f * this.share,
      message: done !== undefined && total ? `${message} ${done}/${total}` : message,
      partial,
    });
  }
  private share = 0;
  /** Set by the diagnose loop: the part of the progress bar the next diagnostic fills. */
  enter(from: number, share: number): void {
    this.fraction = from;
    this.share = share;
  }

  /**
   * The top and/or bottom eigenpair of the Hessian at θ: from the spectrum when it has them (the
   * λ_min estimate counts when it was resolved like a requested eigenvalue), else from one
   * Lanczos run for the sides still missing (kept for later requests).
   */
  async eigenpairs(sides: readonly ('top' | 'bottom')[]): Promise<{ top?: Eigenpair; bottom?: Eigenpair }> {
    const h = this.hessian,
      tol = this.opts.tol; // undefined: the spectrum's default
    if (h?.vectors) {
      if (!this.pairs.top && h.vectors.top[0] && h.top[0]) this.pairs.top = { value: h.top[0].value, vector: h.vectors.top[0] };
      if (!this.pairs.bottom && h.vectors.bottom[0] && h.bottom[0])
        this.pairs.bottom = { value: h.bottom[0].value, vector: h.vectors.bottom[0] };
      const est = h.bottomEstimate;
      if (!this.pairs.bottom && est && h.vectors.bottomEstimate && this.estimateResolved && est.status === 'converged') {
        this.pairs.bottom = { value: est.value, vector: h.vectors.bottomEstimate };
      }
    }
    const missing = sides.filter(s => !this.pairs[s]);
    if (missing.length) {
      const { hessianSpectrum } = await import('./hessian');
      const r = await hessianSpectrum(
        this.obj,
        this.theta,
        { top: missing.includes('top') ? 1 : 0, bottom: missing.includes('bottom') ? 1 : 0, tol, seed: this.seed, returnVectors: true },
        this.signal,
      );
      if (r.top[0]) this.pairs.top = { value: r.top[0].value, vector: r.vectors!.top[0] };
      if (r.bottom[0]) this.pairs.bottom = { value: r.bottom[0].value, vector: r.vectors!.bottom[0] };
    }
    return { top: sides.includes('top') ? this.pairs.top : undefined, bottom: sides.includes('bottom') ? this.pairs.bottom : undefined };
  }

  /** What the verdict reads, from what has been computed so far. */
  verdictInput(): VerdictInput {
    const h = this.hessian,
      pgb = this.result.pgb;
    return {
      loss: this.basic.loss,
      gradNorm: this.basic.gradNorm,
      top: h?.top.length ? h.top : undefined,
      bottom: h?.bottom.length ? h.bottom : undefined,
      bottomEstimate: h?.bottomEstimate,
      lanczosConverged: h?.lanczos?.converged,
      density: h?.density,
      pgb: pgb ? { relative: pgb.relative, maxPerturbedRelative: pgb.maxPerturbedRelative } : undefined,
      nonFinite: this.nonFinite,
      nullProbe: this.result.nullProbe,
    };
  }
}
