/**
 * Per-layer curvature: the Hessian restricted to each layer's parameter block, H_ll = P_l H P_lᵀ
 * (P_l selects the layer's parameters), so the user sees where the sharpness lives.
 *  - block top eigenvalue λ_max(H_ll) and block trace tr(H_ll);
 *  - trace share tr(H_ll) / tr(H): the block traces sum to the full trace exactly (the trace is the
 *    sum of the diagonal), so the shares sum to 1;
 *  - top-eigenvector mass ‖P_l v₁‖² of the full Hessian's top eigenvector v₁ (sums to 1).
 * Block traces come from one set of full-space Rademacher probes z (Hutchinson 1989):
 * E[z_lᵀ (Hz)_l] = tr(H_ll), with a standard error per block; for models with at most `exactBelow`
 * parameters the diagonal is computed exactly with n unit-vector HVPs instead. Block eigenvalues by
 * Lanczos (full reorthogonalisation) on the block operator v_l ↦ P_l H P_lᵀ v_l.
 * The layer-wise view follows PyHessian (Yao, Gholami, Keutzer & Mahoney, 2020, block-wise spectra)
 * and the per-layer Hessian analyses of Sankar et al. (AAAI 2021).
 */
import type { GraphModel } from '../model/graph';
import type { Objective } from '../objective';
import type { LinearOperator } from '../linalg/operator';
import { lanczosExtremes } from '../linalg/lanczos';
import { Rng } from '../rng';
import { throwIfAborted } from '../errors';
import type { Diagnostic } from './registry';

export interface LayerCurvature {
  name: string;
  params: number;
  topEigenvalue: number;
  topResidual: number;
  trace: number;
  traceStderr: number;
  traceShare: number;
  topVectorMass: number | null;
}

export interface LayerCurvatureResult {
  layers: LayerCurvature[];
  trace: number;
  traceMethod: string;
  hvps: number;
  ms: number;
}

export async function layerCurvature(
  obj: Objective,
  model: GraphModel,
  theta: Float32Array,
  o: {
    probes?: number;
    exactBelow?: number;
    maxIter?: number;
    tol?: number;
    seed?: number;
    topVector?: Float64Array;
    signal?: AbortSignal;
    onProgress?: (p: { stage: string; done: number; total: number }) => void;
  } = {},
): Promise<LayerCurvatureResult> {
  const t0 = performance.now();
  const n = obj.numParams;
  let hvps = 0;
  const hv = async (v: Float64Array): Promise<Float64Array> => {
    hvps++;
    return Float64Array.from(await obj.hvp(theta, Float32Array.from(v), o.signal));
  };
  // blocks: parameter index lists per layer, in model order
  const blocks = new Map<string, number[]>();
  for (const p of model.params) {
    const b = blocks.get(p.layer) ?? [];
    for (let i = p.offset; i < p.offset + p.size; i++) b.push(i);
    blocks.set(p.layer, b);
  }
  const names = [...blocks.keys()];
  const exact = n <= (o.exactBelow ?? 200);
  const probes = o.probes ?? 30;
  const sums = new Map<string, number[]>(names.map(k => [k, []]));
  const total = (exact ? n : probes) + names.length * (o.maxIter ?? 40);
  if (exact) {
    // diag(H) from H e_i, in blocks of unit vectors (Objective.hvpBlock: one pass over the data per block)
    const diag = new Float64Array(n);
    const group = 16;
    for (let i0 = 0; i0 < n; i0 += group) {
      throwIfAborted(o.signal);
      const k = Math.min(group, n - i0);
      const E = new Float32Array(k * n);
      for (let j = 0; j < k; j++) E[j * n + i0 + j] = 1;
      const HE = await obj.hvpBlock(theta, E, o.signal);
      hvps += k;
      for (let j = 0; j < k; j++) diag[i0 + j] = HE[j * n + i0 + j];
      o.onProgress?.({ stage: 'layer curvature', done: i0 + k, total });
    }
    for (const [k, idx] of blocks) sums.get(k)!.push(idx.reduce((s, i) => s + diag[i], 0));
  } else {
    // the probes drawn in order from one stream, then applied in blocks (Objective.hvpBlock)
    const rng = new Rng((o.seed ?? 0) + 31);
    const group = Math.max(1, Math.min(16, Math.floor(2 ** 24 / Math.max(1, n))));
    for (let p0 = 0; p0 < probes; p0 += group) {
      throwIfAborted(o.signal);
      const k = Math.min(group, probes - p0);
      const Zs = Array.from({ length: k }, () => rng.rademacherVector(n));
      const Z = new Float32Array(k * n);
      Zs.forEach((z, j) => Z.set(z, j * n));
      const HZ = await obj.hvpBlock(theta, Z, o.signal);
      hvps += k;
      Zs.forEach((z, j) => {
        const hz = HZ.subarray(j * n, (j + 1) * n);
        for (const [name, idx] of blocks) {
          let s = 0;
          for (const i of idx) s += z[i] * hz[i];
          sums.get(name)!.push(s);
        }
      });
      o.onProgress?.({ stage: 'layer curvature', done: p0 + k, total });
    }
  }
  const layers: LayerCurvature[] = [];
  let li = 0;
  for (const [name, idx] of blocks) {
    throwIfAborted(o.signal);
    const s = sums.get(name)!;
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const sd = s.length > 1 ? Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.length - 1) / s.length) : 0;
    const op: LinearOperator = {
      n: idx.length,
      async apply(v: Float64Array): Promise<Float64Array> {
        const full = new Float64Array(n);
        for (let j = 0; j < idx.length; j++) full[idx[j]] = v[j];
        const h = await hv(full);
        const out = new Float64Array(idx.length);
        for (let j = 0; j < idx.length; j++) out[j] = h[idx[j]];
        return out;
      },
    };
    const l = await lanczosExtremes(op, {
      top: 1,
      tol: o.tol ?? 1e-3,
      maxIter: Math.min(idx.length, o.maxIter ?? 40),
      seed: (o.seed ?? 0) + 101 + li,
      signal: o.signal,
    });
    let mass: number | null = null;
    if (o.topVector) {
      mass = 0;
      for (const i of idx) mass += o.topVector[i] ** 2;
    }
    layers.push({
      name,
      params: idx.length,
      topEigenvalue: l.top[0]?.value ?? 0,
      topResidual: l.top[0]?.residual ?? 0,
      trace: mean,
      traceStderr: exact ? 0 : sd,
      traceShare: 0,
      topVectorMass: mass,
    });
    li++;
    o.onProgress?.({ stage: 'layer curvature', done: (exact ? n : probes) + li * (o.maxIter ?? 40), total });
  }
  const trace = layers.reduce((a, l) => a + l.trace, 0);
  for (const l of layers) l.traceShare = trace !== 0 ? l.trace / trace : 0;
  return {
    layers,
    trace,
    traceMethod: exact ? `exact diagonal (${n} unit-vector HVPs)` : `Hutchinson, ${probes} Rademacher probes shared by all blocks`,
    hvps,
    ms: performance.now() - t0,
  };
}

/** Per-layer Hessian blocks: top eigenvalue, trace, trace share and top-eigenvector mass. */
export const layerCurvatureDiagnostic: Diagnostic = {
  id: 'layerCurvature',
  title: 'Per-layer curvature',
  options: [
    {
      key: 'layerCurvature',
      flag: '--layers',
      help: 'per-layer curvature: block λ_max, block trace, trace share, top-eigenvector mass',
      kind: 'switch',
      setting: 'full.layerCurvature',
    },
  ],
  enabled: o => Boolean(o.layerCurvature),
  // the top-eigenvector mass per layer uses the spectrum's top eigenvector
  after: ['spectrum'],
  plan: (o, n, layers) => ({ hvps: ((o.top ?? 0) > 0 ? 0 : Math.min(n, 100)) + (n <= 200 ? n : 30) + layers * 40 }),
  async run(ctx) {
    ctx.progress('layer curvature', 'per-layer curvature');
    const { top } = await ctx.eigenpairs(['top']);
    const lc = await layerCurvature(ctx.obj, ctx.model, ctx.theta, {
      seed: ctx.seed,
      topVector: top?.vector,
      signal: ctx.signal,
      onProgress: p => ctx.progress(p.stage, 'layer curvature', p.done, p.total),
    });
    for (const l of lc.layers) {
      const e = ctx.result.layers?.find(x => x.name === l.name);
      if (e)
        Object.assign(e, {
          traceShare: l.traceShare,
          topEigenvalue: l.topEigenvalue,
          trace: l.trace,
          traceStderr: l.traceStderr,
          topVectorMass: l.topVectorMass,
        });
    }
    ctx.result.layerCurvature = { trace: lc.trace, traceMethod: lc.traceMethod, hvps: lc.hvps };
  },
};
