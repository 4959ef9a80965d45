/**
 * Flag parsers shared by the commands: each refuses a value outside its range with the allowed
 * values (commander prints it; exit 2). The ranges come from src/core/limits.ts, so the CLI and
 * the core jobs agree.
 */
import { InvalidArgumentError } from 'commander';
import { BACKENDS, LIMITS } from '../core/limits';

/** `--backend`: one of BACKENDS. */
export function backendArg(v: string): string {
  if (!(BACKENDS as readonly string[]).includes(v))
    throw new InvalidArgumentError(`unknown backend '${v}' (allowed: ${BACKENDS.join(', ')})`);
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
