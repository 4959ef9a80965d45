/**
 * The diagnostics registry (src/core/diagnostics/registry.ts) and the run context
 * (src/core/diagnostics/context.ts):
 *  - the registry is well formed: unique ids, option keys and flags; dependencies name descriptors
 *    and the planned order respects them; presets name only registry options;
 *  - the run context shares eigenpairs: with a spectrum, the eigenvector slices and per-layer
 *    curvature spend no HVPs of their own on eigenvectors, and what they use is right — the slices'
 *    eigenvalues equal the extreme eigenvalues of the float64 Hessian (hyper-dual numbers, Jacobi),
 *    the loss along each vector has second difference λ (so the vector is an eigenvector), and the
 *    per-layer masses of the unit top eigenvector sum to 1;
 *  - per-diagnostic timings add up to the evaluation counts of the result.
 */
import * as assert from 'assert';
import * as path from 'path';
import { DIAGNOSTICS, PRESETS, PRESET_NAMES, diagnosticOptions, plannedDiagnostics } from '../../src/core/diagnostics/registry';
import { diagnose, DiagnoseOptions } from '../../src/core/diagnose';
import type { Slice1D } from '../../src/core/diagnostics/slices';
import { denseHessianEigenvalues } from './reference/denseNet64';

const FX = path.resolve(__dirname, '../../../test/fixtures/tfjs/mlp-regression');

describe('diagnostics registry and run context', function () {
  this.timeout(300000);

  it('is well formed: unique ids, option keys and flags; dependencies exist and the order respects them', () => {
    const ids = DIAGNOSTICS.map(d => d.id);
    assert.strictEqual(new Set(ids).size, ids.length, ids.join(', '));
    const opts = diagnosticOptions();
    assert.strictEqual(new Set(opts.map(o => o.key)).size, opts.length, 'an option key declared twice');
    assert.strictEqual(new Set(opts.map(o => o.flag.split(' ')[0])).size, opts.length, 'a flag declared twice');
    for (const d of DIAGNOSTICS) for (const a of d.after ?? []) assert.ok(ids.includes(a), `${d.id} runs after unknown '${a}'`);
    const all = { ...PRESETS.full, slices: ['1d', '2d', 'eig', 'interp'], checkpoint: 'x', data: 'y' } as DiagnoseOptions;
    const order = plannedDiagnostics(all, true).map(d => d.id);
    for (const d of DIAGNOSTICS)
      for (const a of d.after ?? []) {
        if (order.includes(d.id) && order.includes(a))
          assert.ok(order.indexOf(a) < order.indexOf(d.id), `${a} must run before ${d.id}: ${order.join(' → ')}`);
      }
    // every preset key is an option some diagnostic declares
    const keys = new Set(opts.map(o => o.key));
    for (const n of PRESET_NAMES)
      for (const k of Object.keys(PRESETS[n])) assert.ok(keys.has(k as keyof DiagnoseOptions), `preset ${n}: '${k}' is no registry option`);
  });

  it("shares eigenpairs: eigenvector slices and layer curvature reuse the spectrum, and the vectors are the float64 Hessian's", async () => {
    const base: DiagnoseOptions = { checkpoint: path.join(FX, 'model.json'), data: path.join(FX, 'data.npz'), tol: 1e-6, seed: 3 };
    const ev = denseHessianEigenvalues(path.join(FX, 'model.json'), path.join(FX, 'data.npz'));
    const lmax = ev[ev.length - 1],
      lmin = ev[0],
      scale = Math.max(Math.abs(lmax), Math.abs(lmin));
    const shared = await diagnose({ ...base, top: 2, slices: ['eig'], layerCurvature: true });
    const t = shared.timings.diagnostics!;
    assert.strictEqual(t.slices.hvp, 0, "the eigenvector slices reuse the spectrum's Ritz vectors");
    // layer curvature's HVPs are its blocks' only; alone, it runs a top-1 Lanczos of its own besides
    assert.strictEqual(t.layerCurvature.hvp, shared.layerCurvature!.hvps, 'layer curvature reuses the top eigenvector');
    const alone = await diagnose({ ...base, layerCurvature: true });
    assert.ok(alone.timings.diagnostics!.layerCurvature.hvp > alone.layerCurvature!.hvps);
    for (const r of [shared, await diagnose({ ...base, slices: ['eig'] })]) {
      const eig = (r.slices ?? []).filter((s): s is Slice1D => s.kind === 'eig');
      assert.strictEqual(eig.length, 2);
      const [top, bottom] = eig;
      assert.ok(Math.abs(top.eigenvalue! - lmax) <= 1e-4 * scale, `top ${top.eigenvalue} vs float64 ${lmax}`);
      assert.ok(Math.abs(bottom.eigenvalue! - lmin) <= 1e-4 * scale, `bottom ${bottom.eigenvalue} vs float64 ${lmin}`);
      // the loss along the vector curves as its eigenvalue: second difference at the middle ≈ vᵀHv = λ
      for (const s of [top, bottom]) {
        const m = (s.t.length - 1) / 2,
          h = s.t[m + 1] - s.t[m];
        const curvature = (s.loss[m + 1] - 2 * s.loss[m] + s.loss[m - 1]) / (h * h);
        assert.ok(Math.abs(curvature - s.eigenvalue!) <= 0.05 * scale, `${s.label}: second difference ${curvature} vs λ ${s.eigenvalue}`);
      }
    }
    const mass = shared.layers.reduce((a, l) => a + (l.topVectorMass ?? 0), 0);
    assert.ok(Math.abs(mass - 1) < 1e-6, `masses of the unit top eigenvector sum to ${mass}`);
    // per-diagnostic counts add up to the result's
    const sum = Object.values(t).reduce((a, x) => a + x.hvp, 0);
    assert.strictEqual(sum, shared.counts.hvp);
    assert.strictEqual(shared.timings.hessianMs, t.spectrum.ms);
  });
});
