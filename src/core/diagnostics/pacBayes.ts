/**
 * PAC-Bayes flatness (as used by Jiang, Neyshabur, Mobahi, Krishnan & Bengio, "Fantastic
 * Generalization Measures and Where to Find Them", ICLR 2020, §C "sharpness / PAC-Bayes flatness";
 * after Neyshabur et al. 2017 and Dziugaite & Roy 2017):
 *   σ* = max { σ : E_{u ∼ N(0, σ²I)} [L(θ + u)] − L(θ) ≤ δ },
 * δ = 0.1·L(θ) by default (or a given value). Larger σ* = flatter. The expectation is the mean over
 * M fixed standard-normal draws z_j (common random numbers: u = σ·z_j for every σ, so the estimate is
 * a smooth function of σ) and σ* is found by bisection on log σ.
 * Magnitude-aware variant (Jiang et al.): σ_i = σ·(|θ_i| + ε₀), ε₀ = 1e-3, i.e. noise relative to each
 * weight's size, invariant to the rescalings that plain σ is not.
 */
import type { Objective } from '../objective';
import { Rng } from '../rng';
import { throwIfAborted } from '../errors';
import type { Diagnostic } from './registry';
import { fmtText as f } from '../../shared/format';

export interface PacBayesResult {
  sigma: number;
  magnitudeAwareSigma: number;
  delta: number;
  samples: number;
  bisections: number;
  evaluations: number;
  baseLoss: number;
}

export async function pacBayesSigma(
  obj: Objective,
  theta: Float32Array,
  o: {
    delta?: number;
    relDelta?: number;
    samples?: number;
    bisections?: number;
    seed?: number;
    eps0?: number;
    signal?: AbortSignal;
    onProgress?: (p: { stage: string; done: number; total: number }) => void;
  } = {},
): Promise<PacBayesResult> {
  const M = o.samples ?? 10,
    B = o.bisections ?? 16,
    n = theta.length,
    eps0 = o.eps0 ?? 1e-3;
  const l0 = await obj.loss(theta, o.signal);
  let evaluations = 1;
  const delta = o.delta ?? (o.relDelta ?? 0.1) * l0;
  const rng = new Rng((o.seed ?? 0) + 4099);
  const Z = Array.from({ length: M }, () => rng.normalVector(n));
  let done = 0;
  const total = 2 * (B + 8) * M;
  // one buffer for every block of perturbed points (M × n float32), filled in place per σ
  const P = new Float32Array(M * n);
  const excess = async (sigma: number, scale: Float64Array | undefined): Promise<number> => {
    // the M perturbed points in one block (Objective.lossBlock: one pass over the data for all of them);
    // θ_i + (σ·s_i)·z_i with s_i = 1 (plain) or |θ_i| + ε₀ (magnitude-aware), the same float64 expression as before
    throwIfAborted(o.signal);
    for (let j = 0; j < M; j++) {
      const z = Z[j],
        off = j * n;
      if (scale) for (let i = 0; i < n; i++) P[off + i] = theta[i] + sigma * scale[i] * z[i];
      else for (let i = 0; i < n; i++) P[off + i] = theta[i] + sigma * z[i];
    }
    const ls = await obj.lossBlock(P, o.signal);
    let s = 0;
    for (const l of ls) {
      evaluations++;
      s += Number.isFinite(l) ? l : 1e30;
    }
    done += M;
    o.onProgress?.({ stage: 'pac-bayes σ', done, total });
    return s / M - l0;
  };
  const search = async (scaleOf: Float64Array | undefined): Promise<number> => {
    // bracket: grow hi until the excess exceeds δ (or σ is absurdly large)
    let lo = 0,
      hi = 1e-3;
    for (let k = 0; k < 8 && (await excess(hi, scaleOf)) <= delta; k++) {
      lo = hi;
      hi *= 10;
    }
    if (lo === 0) {
      // shrink toward zero until within δ
      let h = hi;
      for (let k = 0; k < 8; k++) {
        h /= 10;
        if ((await excess(h, scaleOf)) <= delta) {
          lo = h;
          break;
        }
        hi = h;
      }
      if (lo === 0) return 0;
    }
    for (let b = 0; b < B; b++) {
      const mid = Math.sqrt(lo * hi);
      if ((await excess(mid, scaleOf)) <= delta) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  const sigma = delta > 0 ? await search(undefined) : 0;
  const magScale = new Float64Array(n);
  for (let i = 0; i < n; i++) magScale[i] = Math.abs(theta[i]) + eps0;
  const magnitudeAwareSigma = delta > 0 ? await search(magScale) : 0;
  return { sigma, magnitudeAwareSigma, delta, samples: M, bisections: B, evaluations, baseLoss: l0 };
}

/** PAC-Bayes σ* and its magnitude-aware variant (Jiang et al. 2020); on with --sharpness or --pac-bayes. */
export const pacBayesDiagnostic: Diagnostic = {
  id: 'pacBayes',
  title: 'PAC-Bayes flatness σ*',
  options: [
    {
      key: 'pacBayes',
      flag: '--pac-bayes',
      help: 'PAC-Bayes flatness σ* and its magnitude-aware variant (Jiang et al. 2020; included in --sharpness)',
      kind: 'switch',
    },
  ],
  enabled: o => Boolean(o.pacBayes ?? o.sharpness),
  after: ['sharpness'],
  plan: () => ({ losses: 2 * (16 + 8) * 10 }),
  async run(ctx) {
    const r = await pacBayesSigma(ctx.obj, ctx.theta, {
      relDelta: ctx.opts.pacBayesRelDelta,
      seed: ctx.seed,
      signal: ctx.signal,
      onProgress: p => ctx.progress(p.stage, 'PAC-Bayes σ', p.done, p.total),
    });
    ctx.result.pacBayes = r;
    // version-1 readers find it under sharpness
    if (ctx.result.sharpness)
      Object.assign(ctx.result.sharpness, { pacBayesSigma: r.sigma, pacBayesMagnitudeSigma: r.magnitudeAwareSigma, pacBayes: r });
  },
  cli: r =>
    r.pacBayes
      ? [
          [
            'PAC-Bayes σ',
            `${f(r.pacBayes.sigma, 4)} (magnitude-aware ${f(r.pacBayes.magnitudeAwareSigma, 4)}; δ = ${f(r.pacBayes.delta, 3)})`,
          ],
        ]
      : [],
};
