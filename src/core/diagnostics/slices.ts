/**
 * Landscape pictures (Li, Xu, Taylor, Studer & Goldstein, "Visualizing the Loss Landscape of Neural
 * Nets", NeurIPS 2018):
 *  - filter-normalised random directions: d ~ N(0, I), then every filter of d (a dense unit's
 *    incoming weights, a conv output channel: the slice along the kernel's output axis) is rescaled
 *    to the norm of the same filter in θ; biases and normalisation parameters get d = 0;
 *  - 1-D slice L(θ + t·d), t ∈ [−1, 1] (51 points); 2-D slice L(θ + a·d₁ + b·d₂) on a 25×25 grid;
 *  - slices along unit Hessian eigenvectors v: L(θ + s·v) for s ∈ [−r, r], r = 2·√(2·L(θ)/|λ|) (the
 *    distance where the quadratic model ½λs² reaches 4·L), reported beside that quadratic model;
 *  - linear interpolation between two checkpoints L((1−t)θ_A + tθ_B), t ∈ [−0.5, 1.5] (41 points),
 *    with the barrier max_{t∈[0,1]} L(t) − ((1−t)L_A + t·L_B) (Goodfellow, Vinyals & Saxe 2015;
 *    Frankle et al. 2020).
 * Seeded; every loss evaluation is counted by the objective.
 */
import type { GraphModel, ParamSpec } from '../model/graph';
import type { Objective } from '../objective';
import type { Progress } from '../linalg/operator';
import { Rng } from '../rng';
import { throwIfAborted, UserInputError } from '../errors';
import type { Diagnostic } from './registry';
import type { RunContext } from './context';
import type { Slice } from '../../shared/result';

/** A filter-normalised random direction (float64) in θ's layout. */
export function filterNormalizedDirection(model: GraphModel, theta: Float32Array, rng: Rng): Float64Array {
  const d = new Float64Array(theta.length);
  for (const p of model.params) {
    if (p.role === 'bias' || p.role === 'gamma' || p.role === 'beta') continue;
    for (const idx of filters(p)) {
      let nd = 0,
        nt = 0;
      const vals = idx.map(i => {
        const g = rng.normal();
        nd += g * g;
        nt += theta[i] ** 2;
        return g;
      });
      const scale = nd > 0 ? Math.sqrt(nt / nd) : 0;
      idx.forEach((i, k) => {
        d[i] = vals[k] * scale;
      });
    }
  }
  return d;
}

/** Flat θ indices of each filter of a parameter: the slices along its output axis (the whole tensor if none). */
export function filters(p: ParamSpec): number[][] {
  const shape = p.shape.length ? p.shape : [1];
  const axis = p.outAxis ?? (p.role === 'embedding' ? 0 : shape.length > 1 ? shape.length - 1 : -1);
  if (axis < 0) return [Array.from({ length: p.size }, (_, i) => p.offset + i)];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out: number[][] = Array.from({ length: shape[axis] }, () => []);
  for (let i = 0; i < p.size; i++) out[Math.floor(i / strides[axis]) % shape[axis]].push(p.offset + i);
  return out;
}

function concatRows(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
  let off = 0;
  for (const r of rows) {
    out.set(r, off);
    off += r.length;
  }
  return out;
}

const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** θ + Σ_k c_k d_k written into out at offset off (float64 sum, rounded once); one or two directions unrolled. */
function alongInto(out: Float32Array, off: number, theta: Float32Array, dirs: Float64Array[], coef: number[]): Float32Array {
  const n = theta.length;
  if (dirs.length === 1) {
    const d0 = dirs[0],
      c0 = coef[0];
    for (let i = 0; i < n; i++) out[off + i] = theta[i] + c0 * d0[i];
  } else if (dirs.length === 2) {
    const d0 = dirs[0],
      d1 = dirs[1],
      c0 = coef[0],
      c1 = coef[1];
    for (let i = 0; i < n; i++) out[off + i] = theta[i] + c0 * d0[i] + c1 * d1[i];
  } else
    for (let i = 0; i < n; i++) {
      let v = theta[i];
      for (let k = 0; k < dirs.length; k++) v += coef[k] * dirs[k][i];
      out[off + i] = v;
    }
  return out;
}

/**
 * L(θ + Σ_k c_jk d_k) for every coefficient row c_j, as block losses (Objective.lossBlock: many points
 * per pass over the data), in groups of at most 64 points and 64 MB of points; the points are the
 * ones `alongInto` builds, so the values are those of one loss call per point.
 */
async function lossesAlong(
  obj: Objective,
  theta: Float32Array,
  dirs: Float64Array[],
  coefs: number[][],
  signal?: AbortSignal,
  onGroup?: (done: number) => void,
): Promise<number[]> {
  const n = theta.length;
  const group = Math.max(1, Math.min(64, Math.floor(2 ** 24 / Math.max(1, n))));
  const out: number[] = [];
  for (let j0 = 0; j0 < coefs.length; j0 += group) {
    throwIfAborted(signal);
    const k = Math.min(group, coefs.length - j0);
    const block = new Float32Array(k * n);
    for (let j = 0; j < k; j++) alongInto(block, j * n, theta, dirs, coefs[j0 + j]);
    const l = await obj.lossBlock(block, signal);
    for (let j = 0; j < k; j++) out.push(l[j]);
    onGroup?.(out.length);
  }
  return out;
}

export interface Slice1D {
  kind: '1d' | 'eig';
  t: number[];
  loss: number[];
  label: string;
  eigenvalue?: number;
  quadratic?: number[];
  radius?: number;
}
export interface Slice2D {
  kind: '2d';
  a: number[];
  b: number[];
  loss: number[][];
}
export interface Interpolation {
  kind: 'interp';
  t: number[];
  loss: number[];
  lossA: number;
  lossB: number;
  barrier: number;
  barrierAt: number;
  other: string;
}

export async function slice1d(
  obj: Objective,
  model: GraphModel,
  theta: Float32Array,
  o: { points?: number; seed?: number; signal?: AbortSignal; onProgress?: Progress } = {},
): Promise<Slice1D> {
  const d = filterNormalizedDirection(model, theta, new Rng(o.seed ?? 0));
  const t = linspace(-1, 1, o.points ?? 51);
  const loss = await lossesAlong(
    obj,
    theta,
    [d],
    t.map(s => [s]),
    o.signal,
    done => o.onProgress?.({ stage: 'slice 1-D', done, total: t.length }),
  );
  return { kind: '1d', t, loss, label: 'filter-normalised random direction' };
}

export async function slice2d(
  obj: Objective,
  model: GraphModel,
  theta: Float32Array,
  o: { points?: number; seed?: number; signal?: AbortSignal; onProgress?: Progress } = {},
): Promise<Slice2D> {
  const rng = new Rng(o.seed ?? 0);
  const d1 = filterNormalizedDirection(model, theta, rng),
    d2 = filterNormalizedDirection(model, theta, rng);
  const g = linspace(-1, 1, o.points ?? 25);
  const flat = await lossesAlong(
    obj,
    theta,
    [d1, d2],
    g.flatMap(b => g.map(a => [a, b])),
    o.signal,
    done => o.onProgress?.({ stage: 'slice 2-D', done, total: g.length ** 2 }),
  );
  const loss = g.map((_, i) => flat.slice(i * g.length, (i + 1) * g.length));
  return { kind: '2d', a: g, b: g, loss };
}

/** Slice along a unit eigenvector v with eigenvalue λ, beside the quadratic model L + s·gᵀv + ½λs². */
export async function eigSlice(
  obj: Objective,
  theta: Float32Array,
  v: Float64Array,
  lambda: number,
  gradient: Float32Array,
  label: string,
  o: { points?: number; signal?: AbortSignal } = {},
): Promise<Slice1D> {
  const l0 = await obj.loss(theta, o.signal);
  const radius = 2 * Math.sqrt((2 * Math.max(l0, 1e-6)) / Math.max(Math.abs(lambda), 1e-12));
  let gv = 0;
  for (let i = 0; i < v.length; i++) gv += gradient[i] * v[i];
  const t = linspace(-radius, radius, o.points ?? 51);
  const loss = await lossesAlong(
    obj,
    theta,
    [v],
    t.map(s => [s]),
    o.signal,
  );
  return { kind: 'eig', t, loss, label, eigenvalue: lambda, radius, quadratic: t.map(s => l0 + s * gv + 0.5 * lambda * s * s) };
}

export async function interpolate(
  obj: Objective,
  thetaA: Float32Array,
  thetaB: Float32Array,
  other: string,
  o: { points?: number; signal?: AbortSignal } = {},
): Promise<Interpolation> {
  if (thetaA.length !== thetaB.length) throw new Error(`the two checkpoints have ${thetaA.length} and ${thetaB.length} parameters`);
  const diff = Float64Array.from(thetaB, (b, i) => b - thetaA[i]);
  const t = linspace(-0.5, 1.5, o.points ?? 41);
  const loss = await lossesAlong(
    obj,
    thetaA,
    [diff],
    t.map(s => [s]),
    o.signal,
  );
  const [lossA, lossB] = await obj.lossBlock(concatRows([thetaA, thetaB]), o.signal);
  let barrier = -Infinity,
    barrierAt = 0;
  t.forEach((s, i) => {
    if (s >= 0 && s <= 1) {
      const h = loss[i] - ((1 - s) * lossA + s * lossB);
      if (h > barrier) {
        barrier = h;
        barrierAt = s;
      }
    }
  });
  return { kind: 'interp', t, loss, lossA, lossB, barrier, barrierAt, other };
}

/** The slice kinds `--slice` accepts. */
export const SLICE_KINDS = ['1d', '2d', 'eig', 'interp'] as const;
export type SliceKind = (typeof SLICE_KINDS)[number];

async function runSlices(ctx: RunContext): Promise<void> {
  const { obj, model, theta, seed, signal } = ctx;
  const out: Slice[] = [];
  const prog = (p: { stage: string; done: number; total: number }): void => ctx.progress(p.stage, p.stage, p.done, p.total);
  for (const kind of ctx.opts.slices ?? []) {
    throwIfAborted(signal);
    if (kind === '1d') out.push(await slice1d(obj, model, theta, { seed, signal, onProgress: prog }));
    else if (kind === '2d') out.push(await slice2d(obj, model, theta, { seed, signal, onProgress: prog }));
    else if (kind === 'eig') {
      ctx.progress('slice', 'slices along the top and bottom Hessian eigenvectors');
      const { top, bottom } = await ctx.eigenpairs(['top', 'bottom']);
      const g = ctx.basic.gradient;
      if (top) out.push(await eigSlice(obj, theta, top.vector, top.value, g, 'top Hessian eigenvector', { signal }));
      if (bottom) out.push(await eigSlice(obj, theta, bottom.vector, bottom.value, g, 'bottom Hessian eigenvector', { signal }));
    } else if (kind === 'interp') {
      const other = ctx.opts.withCheckpoint;
      if (!other) throw new UserInputError('--slice interp needs a second checkpoint: --with <checkpoint>');
      const { readCheckpoint } = await import('../formats');
      const m = readCheckpoint(other);
      if (m.numParams !== model.numParams || m.params.some((p, i) => p.size !== model.params[i]?.size)) {
        throw new UserInputError(`the checkpoints have different architectures (${model.numParams} vs ${m.numParams} parameters)`, {
          file: other,
        });
      }
      const path = await import('path');
      out.push(await interpolate(obj, theta, m.theta, path.resolve(other), { signal }));
    } else throw new UserInputError(`unknown slice '${String(kind)}' (expected ${SLICE_KINDS.join(', ')})`, { where: '--slice' });
  }
  ctx.result.slices = out;
}

/** Landscape slices (Li et al. 2018), eigenvector slices, interpolation to a second checkpoint. */
export const slicesDiagnostic: Diagnostic = {
  id: 'slices',
  title: 'Landscape slices',
  options: [
    {
      key: 'slices',
      flag: '--slice <kinds>',
      help:
        'landscape slices, comma-separated: 1d, 2d (filter-normalised ' +
        'random directions), eig (Hessian eigenvectors), interp (to --with)',
      kind: 'list',
    },
    { key: 'withCheckpoint', flag: '--with <checkpoint>', help: 'second checkpoint for --slice interp', kind: 'path' },
  ],
  enabled: o => Boolean(o.slices?.length),
  // the eigenvector slices use the spectrum's Ritz vectors
  after: ['spectrum'],
  plan: (o, n) => {
    const k = o.slices ?? [];
    const shared = (o.top ?? 0) > 0 && (o.bottom ?? 0) > 0;
    return {
      hvps: k.includes('eig') && !shared ? Math.min(n, 100) : 0,
      losses: (k.includes('1d') ? 51 : 0) + (k.includes('2d') ? 625 : 0) + (k.includes('eig') ? 104 : 0) + (k.includes('interp') ? 43 : 0),
    };
  },
  run: runSlices,
};
