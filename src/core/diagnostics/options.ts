/**
 * The contract types of a diagnosis, on the ground floor of the core: what to diagnose
 * (`DiagnoseOptions`), the spectrum's options (`SpectrumOptions`, the one declaration), and the
 * progress callback (`ProgressFn`). Types only: imported by the orchestrator (core/diagnose.ts), the
 * registry, the run context, the diagnostics, the estimate, the CLI, the extension and the worker,
 * and it imports nothing above itself (test/unit/import-graph.test.ts checks the layering).
 */
import type { EnginePreference } from '../limits';
import type { ExecutionProvider } from '../native/runtime';
import type { VerdictThresholds } from './verdict';

/** The options of the spectrum, trace and density (also fields of DiagnoseOptions; defaults in DEFAULTS of hessian.ts). */
export interface SpectrumOptions {
  /** the preset these options came from (registry.ts `preset()`): its counts are clamped to the model (`fitPreset`) */
  preset?: string;
  /** number of largest Hessian eigenvalues (Lanczos) */
  top?: number;
  /** number of smallest (most negative) Hessian eigenvalues */
  bottom?: number;
  /** Lanczos residual tolerance relative to |λ_max| */
  tol?: number;
  /** Lanczos HVP budget */
  maxIter?: number;
  /** Hessian trace (exact on small models, else XTrace) */
  trace?: boolean;
  /** trace: stop at this relative standard error */
  traceTol?: number;
  /** trace: HVP budget */
  traceHvps?: number;
  /** spectral density by SLQ */
  density?: boolean;
  densityProbes?: number;
  densitySteps?: number;
}

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
  /**
   * Training logs the user attached to the checkpoint's run from elsewhere (the extension's *Attach Training
   * Log to Run…*: its run folder and the files): the logged-loss check reads them besides the run's own logs.
   */
  runLogs?: { dir: string; files: string[] };
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
  thresholds?: Partial<VerdictThresholds>;
  /** Adaptive sharpness radius ρ (default 0.05) and PAC-Bayes δ relative to L (default 0.1). */
  adaptiveRho?: number;
  pacBayesRelDelta?: number;
}

/** Progress of a job: its stage, the fraction of the bar, a message, and a partial result (streamed Lanczos estimates). */
export type ProgressFn = (p: { stage: string; fraction?: number; message?: string; partial?: unknown }) => void;
