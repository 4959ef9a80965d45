/**
 * The allowed values of the engine's numeric and named options, in one place (the CLI's flag
 * parsers and the core jobs both check against them): compute backends, caps on iteration counts,
 * and the checks of spectrum/perturbation sizes against a model's parameter count, made before
 * any data is loaded. A value outside its range is a UserInputError naming the option and the range.
 */
import { UserInputError } from './errors';
import { EXECUTION_PROVIDERS } from './native/runtime';

/** Compute engines and backends (`--backend`, setting `landscapeLens.backend`; see engine.ts); extend this list to add one. */
export const BACKENDS = ['auto', 'ort', 'tensorflow', 'wasm', 'cpu'] as const;
export type EnginePreference = (typeof BACKENDS)[number];
/** The TF.js backends (backend.ts): every engine choice but the native one. */
export type BackendPreference = Exclude<EnginePreference, 'ort'>;

/** Documented caps (README, `landscape <command> --help`). */
export const LIMITS = {
  /** Lanczos steps per density probe. */
  densitySteps: 1000,
  densityProbes: 100000,
  /** HVP budgets (Lanczos --max-iter, trace --trace-hvps, PGB iterations). */
  hvps: 100000,
  /** training / retraining steps */
  steps: 1000000,
  /** largest finite float32: σ, steps, learning rates beyond it overflow every parameter */
  float32Max: 3.4028234663852886e38,
} as const;

export function checkBackend(name: unknown, where = '--backend'): EnginePreference {
  if (typeof name !== 'string' || !(BACKENDS as readonly string[]).includes(name))
    throw new UserInputError(`unknown backend '${String(name)}' (allowed: ${BACKENDS.join(', ')})`, { where });
  return name as EnginePreference;
}

/**
 * The engine options (`--backend`, `--ep`, `--threads`, `--chunk-size`, the settings), checked once against the lists above
 * and the execution providers (src/core/native/runtime.ts) before anything is read.
 */
export function checkEngineOptions(o: { backend?: string; ep?: string; threads?: number; chunkSize?: number; file?: string }): void {
  checkBackend(o.backend ?? 'auto', '--backend');
  if (o.ep !== undefined && !(EXECUTION_PROVIDERS as readonly string[]).includes(o.ep))
    throw new UserInputError(`unknown execution provider '${o.ep}' (expected one of ${EXECUTION_PROVIDERS.join(', ')})`, {
      where: '--ep',
      file: o.file,
    });
  checkInt('--threads', o.threads, 0, 1024); // 0: ONNX Runtime's own default
  checkInt('--chunk-size', o.chunkSize, 0, 2 ** 31 - 1);
}

/** An integer option in [lo, hi]; `why` explains the upper bound. */
export function checkInt(flag: string, v: number | undefined, lo: number, hi: number, why = ''): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new UserInputError(`${flag} must be an integer from ${lo} to ${hi}${why ? ` (${why})` : ''}, got ${v}`, { where: flag });
}

/** A number option in [lo, hi]. */
export function checkNumber(flag: string, v: number | undefined, lo: number, hi: number, why = ''): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < lo || v > hi)
    throw new UserInputError(`${flag} must be a number from ${lo} to ${hi}${why ? ` (${why})` : ''}, got ${v}`, { where: flag });
}

/**
 * The sizes checked against the model: number fields of DiagnoseOptions (src/core/diagnostics/options.ts), named here, not
 * imported (this file is below it).
 */
export type SizedOptions = Partial<
  Record<'top' | 'bottom' | 'tol' | 'maxIter' | 'traceTol' | 'traceHvps' | 'densityProbes' | 'densitySteps' | 'pgbIterations', number>
>;

/** Diagnose options against the model's parameter count P (call after reading the checkpoint, before the data). */
export function checkSpectrumOptions(o: SizedOptions, numParams: number, file?: string): void {
  const P = numParams,
    why = `the model in ${file ?? 'the checkpoint'} has ${P} parameters`;
  checkInt('--top', o.top, 0, P, why);
  checkInt('--bottom', o.bottom, 0, P, why);
  checkNumber('--tol', o.tol, 0, 1);
  checkNumber('--trace-tol', o.traceTol, 0, 1);
  checkInt('--max-iter', o.maxIter, 1, LIMITS.hvps);
  checkInt('--trace-hvps', o.traceHvps, 1, LIMITS.hvps);
  checkInt('--pgb-iter', o.pgbIterations, 1, LIMITS.hvps);
  checkInt('--density-probes', o.densityProbes, 1, LIMITS.densityProbes);
  // more steps than parameters are clamped by the algorithm (the Krylov space is then exhausted)
  checkInt('--density-steps', o.densitySteps, 1, LIMITS.densitySteps);
}
