/**
 * Weight perturbations θ' = θ + δ and what they do to the loss:
 *  - gaussian: δ_i = σ·n_i, n ~ N(0, I) (σ absolute);
 *  - relative: δ_i = σ·|θ_i|·n_i;
 *  - filter:   δ = t·d, d a filter-normalised random direction (Li, Xu, Taylor, Studer & Goldstein,
 *              NeurIPS 2018; slices.ts): each filter of d has the norm of θ's filter, biases 0;
 *  - eigen:    δ = t·v, v a unit Hessian eigenvector (Lanczos on exact HVPs, hessian.ts): top (largest
 *              eigenvalue: probes sharpness), bottom (most negative: the escape direction of a saddle) or
 *              the k-th largest; the sign of v is chosen so that the directional derivative ∇L·v ≤ 0.
 * Reported: L(θ), L(θ'), ‖δ‖/‖θ‖. With retrain N: N steps of gradient descent from θ'
 * (θ ← θ − η∇L, η given or 1/λ_max with λ_max from Lanczos at θ'), the final loss, the distance back
 * ‖θ_N − θ‖/‖θ‖, the loss barrier along the segment (1−s)θ + sθ_N, s = 0, 0.1, …, 1 (linear mode
 * connectivity, Frankle et al., ICML 2020), and the basin test on those numbers (basin.ts: no barrier AND
 * the same loss level; a loss that fell further is a lower minimum, never "the same basin").
 */
import type { GraphModel } from '../model/graph';
import type { Objective } from '../objective';
import type { Progress } from '../linalg/operator';
import { Rng } from '../rng';
import { filterNormalizedDirection } from '../diagnostics/slices';
import { hessianSpectrum } from '../diagnostics/hessian';
import { throwIfAborted, UserInputError } from '../errors';
import { fmtText } from '../../shared/format';
import { basinTest, type BasinTest } from './basin';

export type PerturbMode = 'gaussian' | 'relative' | 'filter' | 'eigen';

export interface PerturbOptions {
  mode: PerturbMode;
  /** gaussian / relative: σ (default 0.01). */
  sigma?: number;
  /** filter: t (default 0.1); eigen: t (default 0.01·‖θ‖). */
  step?: number;
  /** eigen: 'top', 'bottom' or k ≥ 1 (the k-th largest eigenvalue). */
  direction?: 'top' | 'bottom' | number;
  seed?: number;
  /** Gradient-descent steps from the perturbed point (0: none). */
  retrain?: number;
  /** Retraining learning rate (default 1/λ_max at the perturbed point). */
  lr?: number;
  /** Lanczos tolerance for eigen directions (default 1e-3). */
  tol?: number;
  signal?: AbortSignal;
  onProgress?: Progress;
}

export interface PerturbResult {
  mode: PerturbMode;
  seed: number;
  parameters: { sigma?: number; step?: number; direction?: string };
  lossBefore: number;
  lossAfter: number;
  /** ‖δ‖₂ and ‖δ‖/‖θ‖. */
  deltaNorm: number;
  relativeNorm: number;
  /** eigen mode: the eigenpair used and the directional derivative ∇L·v after the sign choice. */
  eigen?: { value: number; residual: number; index: string; directionalDerivative: number };
  retrain?: {
    steps: number;
    lr: number;
    lrHow: string;
    finalLoss: number;
    curve: number[];
    /** ‖θ_N − θ‖/‖θ‖ and, for scale, ‖θ' − θ‖/‖θ‖. */
    distanceBack: number;
    distanceStart: number;
    /** the basin test's outcome (basin.ts): true for 'returned' and 'drifted' */
    sameBasin: boolean;
    barrier: number;
    criterion: string;
    /** the basin test: outcome, tolerances, the test stated, and the conclusion drawn from the numbers */
    basin: BasinTest;
  };
  /** The perturbed θ' and, with retraining, θ_N (not serialised). */
  thetaPerturbed: Float32Array;
  thetaFinal: Float32Array;
}

const norm = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
};
const dist = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
};
export const SAME_BASIN_CRITERION =
  'no loss barrier on the segment θ → θ_N (11 points): max_s L((1−s)θ + sθ_N) − ((1−s)L(θ) + sL(θ_N)) ≤ 1e-3·(1 + L(θ)), ' +
  'and L(θ_N) within 5 % of L(θ)';

/** The perturbation δ (float64) for the mode; eigen also returns the eigenpair. */
async function direction(
  obj: Objective,
  model: GraphModel,
  theta: Float32Array,
  o: PerturbOptions,
  gradient: Float32Array,
): Promise<{ delta: Float64Array; eigen?: PerturbResult['eigen']; params: PerturbResult['parameters'] }> {
  const rng = new Rng(o.seed ?? 0);
  const n = theta.length;
  const positive = (v: number | undefined, d: number, flag: string): number => {
    const x = v ?? d;
    if (!(x > 0) || !Number.isFinite(x)) throw new UserInputError(`${flag} must be a positive number, got ${v}`, { where: flag });
    return x;
  };
  switch (o.mode) {
    case 'gaussian': {
      const s = positive(o.sigma, 0.01, '--sigma');
      const d = rng.normalVector(n);
      for (let i = 0; i < n; i++) d[i] *= s;
      return { delta: d, params: { sigma: s } };
    }
    case 'relative': {
      const s = positive(o.sigma, 0.01, '--sigma');
      const d = rng.normalVector(n);
      for (let i = 0; i < n; i++) d[i] *= s * Math.abs(theta[i]);
      return { delta: d, params: { sigma: s } };
    }
    case 'filter': {
      const t = positive(o.step, 0.1, '--step');
      const d = filterNormalizedDirection(model, theta, rng);
      for (let i = 0; i < n; i++) d[i] *= t;
      return { delta: d, params: { step: t } };
    }
    case 'eigen': {
      const dir = o.direction ?? 'bottom';
      const k = dir === 'top' ? 1 : dir === 'bottom' ? 0 : Number(dir);
      if (dir !== 'bottom' && !(Number.isInteger(k) && k >= 1))
        throw new UserInputError(`--direction must be top, bottom or an integer k ≥ 1, got '${dir}'`, { where: '--direction' });
      const t = positive(o.step, 0.01 * norm(theta), '--step');
      const h = await hessianSpectrum(
        obj,
        theta,
        { top: dir === 'bottom' ? 0 : k, bottom: dir === 'bottom' ? 1 : 0, tol: o.tol ?? 1e-3, seed: o.seed ?? 0, returnVectors: true },
        o.signal,
        o.onProgress,
      );
      const pair = dir === 'bottom' ? h.bottom[0] : h.top[k - 1];
      const v = dir === 'bottom' ? h.vectors!.bottom[0] : h.vectors!.top[k - 1];
      if (!pair || !v)
        throw new UserInputError(`Lanczos found no eigenvector for direction '${dir}' (the model has ${n} parameters)`, {
          where: '--direction',
        });
      let gv = 0;
      for (let i = 0; i < n; i++) gv += gradient[i] * v[i];
      const sign = gv > 0 ? -1 : 1;
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = sign * t * v[i];
      return {
        delta: d,
        params: { step: t, direction: String(dir) },
        eigen: {
          value: pair.value,
          residual: pair.residual,
          index: dir === 'bottom' ? 'bottom' : `top ${k}`,
          directionalDerivative: sign * gv,
        },
      };
    }
    default:
      throw new UserInputError(`unknown mode '${String(o.mode)}' (expected gaussian, relative, filter or eigen)`, { where: '--mode' });
  }
}

export async function perturb(obj: Objective, model: GraphModel, theta: Float32Array, o: PerturbOptions): Promise<PerturbResult> {
  const { loss: lossBefore, gradient } = await obj.valueAndGradient(theta, o.signal);
  const { delta, eigen, params } = await direction(obj, model, theta, o, gradient);
  const tp = Float32Array.from(theta, (v, i) => v + delta[i]);
  const lossAfter = await obj.loss(tp, o.signal);
  const tn = norm(theta),
    dn = norm(delta);
  const res: PerturbResult = {
    mode: o.mode,
    seed: o.seed ?? 0,
    parameters: params,
    lossBefore,
    lossAfter,
    deltaNorm: dn,
    relativeNorm: tn > 0 ? dn / tn : Infinity,
    ...(eigen ? { eigen } : {}),
    thetaPerturbed: tp,
    thetaFinal: tp,
  };
  const N = o.retrain ?? 0;
  if (N > 0) {
    let lr = o.lr,
      lrHow = 'given';
    if (lr === undefined) {
      const h = await hessianSpectrum(obj, tp, { top: 1, tol: 1e-2, maxIter: 40, seed: (o.seed ?? 0) + 1 }, o.signal);
      const lmax = h.top[0]?.value ?? 0;
      if (!(lmax > 0))
        throw new UserInputError(`λ_max at the perturbed point is ${lmax}; give the retraining learning rate with --lr`, { where: '--lr' });
      lr = 1 / lmax;
      lrHow = `1/λ_max (λ_max ≈ ${fmtText(lmax)} by Lanczos at θ')`;
    }
    if (!(lr > 0)) throw new UserInputError(`learning rate must be positive, got ${lr}`, { where: '--lr' });
    const t = tp.slice();
    const curve: number[] = [];
    for (let s = 0; s < N; s++) {
      throwIfAborted(o.signal);
      const { loss, gradient: g } = await obj.valueAndGradient(t, o.signal);
      curve.push(loss);
      for (let i = 0; i < t.length; i++) t[i] -= lr * g[i];
      o.onProgress?.({ stage: 'retrain', done: s + 1, total: N });
    }
    const finalLoss = await obj.loss(t, o.signal);
    curve.push(finalLoss);
    // barrier on the segment θ → θ_N
    let barrier = -Infinity;
    for (let k = 0; k <= 10; k++) {
      const s = k / 10;
      const ls =
        k === 0
          ? lossBefore
          : k === 10
            ? finalLoss
            : await obj.loss(
                Float32Array.from(theta, (v, i) => (1 - s) * v + s * t[i]),
                o.signal,
              );
      barrier = Math.max(barrier, ls - ((1 - s) * lossBefore + s * finalLoss));
    }
    const distanceBack = tn > 0 ? dist(t, theta) / tn : Infinity,
      distanceStart = tn > 0 ? dist(tp, theta) / tn : Infinity;
    const basin = basinTest({ lossBefore, finalLoss, barrier, distanceBack, distanceStart, steps: N });
    res.retrain = {
      steps: N,
      lr,
      lrHow,
      finalLoss,
      curve,
      distanceBack,
      distanceStart,
      sameBasin: basin.sameBasin,
      barrier,
      criterion: SAME_BASIN_CRITERION,
      basin,
    };
    res.thetaFinal = t;
  }
  return res;
}
