/**
 * Exact automatic differentiation on TF.js: install the corrected gradients (./gradients.ts)
 * and self-test H·v on the active backend against the float64 reference (./selftest.ts).
 * Every entry point that computes (worker, CLI, tests, bench) goes through initBackend(), which
 * calls this before any gradient is taken.
 */
import { registerExactGradients } from './gradients';
import { hvpSelfTest } from './selftest';

export async function ensureExactAutodiff(): Promise<void> {
  registerExactGradients();
  await hvpSelfTest();
}
