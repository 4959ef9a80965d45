/**
 * Hand-written `DiagnoseResult`s for the tests of what shows a result (dashboard, report, headline, result view):
 * the skeleton every result has — data, counts, timings — with the fields a test is about given by the test.
 * The numbers are written by hand, never computed by the code under test.
 */
import type { DiagnoseResult } from '../../../src/shared/result';

/** An eigenvalue entry as the spectrum reports it: converged with the given half-width of its bound unless said otherwise. */
export function eigFixture(
  value: number,
  o: { halfWidth?: number; residual?: number; status?: 'converged' | 'unresolved'; extraHvps?: number | null } = {},
) {
  const h = o.halfWidth ?? 1e-4,
    status = o.status ?? 'converged';
  return {
    value,
    residual: o.residual ?? 1e-4,
    gapBound: 1e-4,
    bound: 1e-4,
    lower: value - h,
    upper: value + h,
    status,
    ...(status === 'unresolved' ? { extraHvps: o.extraHvps ?? null } : {}),
  };
}

/** A result of `params` parameters on `samples` samples; `over` sets (or replaces) any field. */
export function resultFixture(over: Record<string, unknown> = {}, base: { params?: number; samples?: number } = {}): DiagnoseResult {
  const samples = base.samples ?? 64;
  return {
    version: 1,
    checkpoint: '/w/model.json',
    format: 'tfjs-layers',
    backend: 'cpu',
    engine: 'tfjs',
    params: base.params ?? 2,
    samples,
    loss: 0.5,
    gradNorm: 1e-6,
    lossFunction: { kind: 'mse', reason: 'the model ends in a linear output' },
    data: { file: '/w/data.npz', xKey: 'x', yKey: 'y', total: samples, samples, seed: 0 },
    layers: [],
    model: { layers: [] },
    counts: { loss: 0, gradient: 1, hvp: 2, forward: 0, jvp: 0, vjp: 0 },
    theory: [],
    notices: [],
    computedAt: new Date(0).toISOString(),
    timings: { loadMs: 0, backendMs: 0, gradientMs: 0, hessianMs: 0, totalMs: 1 },
    ...over,
  } as unknown as DiagnoseResult;
}
