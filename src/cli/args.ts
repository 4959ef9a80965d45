/**
 * Flag parsers shared by the commands: each refuses a value outside its range with the allowed
 * values (commander prints it; exit 2). The ranges come from src/core/limits.ts, so the CLI and
 * the core jobs agree.
 */
import { InvalidArgumentError } from 'commander';
import { BACKENDS, LIMITS, type EnginePreference } from '../core/limits';

const isBackend = (v: string): v is EnginePreference => (BACKENDS as readonly string[]).includes(v);

/** `--backend`: one of BACKENDS. */
export function backendArg(v: string): EnginePreference {
  if (!isBackend(v)) throw new InvalidArgumentError(`unknown backend '${v}' (allowed: ${BACKENDS.join(', ')})`);
  return v;
}
export const BACKEND_HELP = BACKENDS.join(' | ');

/** A finite number in [lo, hi]. */
export function numArg(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < lo || n > hi)
      throw new InvalidArgumentError(`${name} must be a number from ${lo} to ${hi}, got '${v}'`);
    return n;
  };
}

/** A positive finite number that float32 can hold (σ, steps, learning rates). */
export function posNum(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n) || n > LIMITS.float32Max)
      throw new InvalidArgumentError(
        `${name} must be a positive number up to ${LIMITS.float32Max.toPrecision(3)} (float32 range), got '${v}'`,
      );
    return n;
  };
}

/**
 * Integer flags (issue 25): strict decimal digits only (no '', ' 5', '0x10', '1e3', '2.0'), each with a
 * range and a unit, checked by commander before any work. A value outside is one line, exit 2.
 */
export const INT_FLAGS: Record<string, { lo: number; hi: number; unit: string }> = {
  '--samples': { lo: 1, hi: 1e9, unit: 'samples' },
  '--seed': { lo: 0, hi: 2 ** 32 - 1, unit: '' },
  '--chunk-size': { lo: 1, hi: 1 << 20, unit: 'samples per chunk' },
  '--batch-size': { lo: 1, hi: 1e9, unit: 'samples per batch' },
  '--max-resident-mb': { lo: 0, hi: 1 << 20, unit: 'MiB (0: stream every input; the budget is at least 16 MiB)' },
  // a sane multiple of the cores: more threads than that only thrash
  '--threads': { lo: 1, hi: 4 * cores(), unit: `threads (4 × the ${cores()} cores)` },
  '--interval': { lo: 10, hi: 3_600_000, unit: 'ms' },
  '--for': { lo: 0, hi: 2 ** 31 - 1, unit: 'ms' },
  '--train': { lo: 0, hi: LIMITS.steps, unit: 'steps' },
  '--retrain': { lo: 0, hi: LIMITS.steps, unit: 'steps' },
};

function cores(): number {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const os = require('os') as typeof import('os');
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** An integer flag: strict decimal, in [lo, hi] (INT_FLAGS[name] when not given; else non-negative). */
export function intArg(name: string, lo?: number, hi?: number) {
  const spec = INT_FLAGS[name];
  const a = lo ?? spec?.lo ?? 0,
    b = hi ?? spec?.hi ?? Number.MAX_SAFE_INTEGER;
  const unit = spec?.unit ? ` ${spec.unit}` : '';
  return (v: string): number => {
    const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < a || n > b)
      throw new InvalidArgumentError(
        `${name} must be an integer from ${a} to ${b === Number.MAX_SAFE_INTEGER ? '2^53' : b}${unit}, got '${v}'`,
      );
    return n;
  };
}
