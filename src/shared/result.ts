/**
 * The result of one diagnosis: the JSON of `landscape diagnose --json` (documented in README.md;
 * fields are only ever added), cached by the extension, sent to the dashboard and embedded in
 * HTML reports. Types only: the webview imports them with `import type` (no bundle cost).
 */
import type { HessianResult } from '../core/diagnostics/hessian';
import type { Slice1D, Slice2D, Interpolation } from '../core/diagnostics/slices';
import type { SpecialNeuronsReport } from '../core/diagnostics/specialNeurons';

/** A landscape slice: a 1-D line (random or along an eigenvector), a 2-D plane, or an interpolation. */
export type Slice = Slice1D | Slice2D | Interpolation;

/** One diagnostic's cost in a diagnosis: wall time and the evaluations it made. */
export interface DiagnosticTiming {
  ms: number;
  hvp: number;
  loss: number;
  gradient: number;
  jvp: number;
  vjp: number;
}

export interface DiagnoseResult {
  version: number;
  checkpoint: string;
  format: string;
  backend: string;
  /** The engine that computed: `onnxruntime` (the native engine) or `tfjs`. */
  engine: 'onnxruntime' | 'tfjs';
  params: number;
  samples: number;
  loss: number;
  gradNorm: number;
  lossFunction: { kind: string; reason: string; foldedActivation?: string };
  data: { file: string; xKey: string; yKey: string; total: number; samples: number; seed: number };
  layers: {
    name: string;
    params: number;
    gradNorm: number;
    traceShare?: number;
    topEigenvalue?: number;
    trace?: number;
    traceStderr?: number;
    topVectorMass?: number | null;
  }[];
  layerCurvature?: { trace: number; traceMethod: string; hvps: number };
  model: { layers: { name: string; kind: string; activation?: string; units?: number; params: number }[] };
  /** Models with Kawaguchi–Kaelbling special neurons: λ, a_k, max|a_k| and their share of the output (the vanish check). */
  specialNeurons?: SpecialNeuronsReport;
  counts: { loss: number; gradient: number; hvp: number; forward: number; jvp: number; vjp: number };
  hessian?: Omit<HessianResult, 'vectors'>;
  slices?: Slice[];
  sharpness?: {
    keskar: { epsilon: number; subspace: number | null; value: number; maxLoss: number; evaluations: number }[];
    adaptive: import('../core/diagnostics/adaptiveSharpness').AdaptiveSharpnessResult;
    /** Version-1 copies of `pacBayes` (present when PAC-Bayes ran with --sharpness). */
    pacBayesSigma?: number;
    pacBayesMagnitudeSigma?: number;
    pacBayes?: import('../core/diagnostics/pacBayes').PacBayesResult;
  };
  /** PAC-Bayes flatness σ* and its magnitude-aware variant (Jiang et al. 2020). */
  pacBayes?: import('../core/diagnostics/pacBayes').PacBayesResult;
  pgb?: import('../core/diagnostics/pgb').PgbResult;
  verdict: import('../core/diagnostics/verdict').Verdict;
  /** How the network was evaluated: mode (BatchNorm running statistics, dropout off), samples, loss and why, determinism. */
  evaluation: import('../core/diagnostics/evaluation').EvaluationInfo;
  /** The evaluated loss against the training loss logged at the checkpoint's step (flagged above 3×: likely causes, what to do). */
  lossCheck?: import('../core/diagnostics/lossMismatch').LossCheck;
  /** An ONNX export with BatchNorm folded into its convolutions, diagnosed alone: its parameters are not the training parameters. */
  foldedExport?: import('../core/diagnostics/foldedExport').FoldedExport;
  /** The loss does not fit the targets (mse on class labels, ce on regression values): the loss that fits. */
  lossAdvice?: string;
  /** When λ_min is at zero within its bound: the loss along the null directions (a higher-order saddle test). */
  nullProbe?: import('../core/diagnostics/nullProbe').NullProbeResult;
  theory: import('../core/diagnostics/theory').TheoryRule[];
  weights?: {
    layers: {
      name: string;
      layer: string;
      shape: [number, number];
      alpha: number | null;
      stableRank: number;
      spectralNorm: number;
      frobenius: number;
      xmin: number | null;
      ks: number | null;
      tail: number;
    }[];
  };
  notices: string[];
  computedAt: string;
  /**
   * Milliseconds: loading, starting the engine, loss and gradient, the Hessian spectrum + trace + density
   * (`hessianMs`), the whole job; and per diagnostic its time and evaluations (`diagnostics`, by registry id).
   */
  timings: {
    loadMs: number;
    backendMs: number;
    gradientMs: number;
    hessianMs: number;
    totalMs: number;
    diagnostics?: Record<string, DiagnosticTiming>;
  };
}
