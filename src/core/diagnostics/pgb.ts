/**
 * Perturbable-gradient-basis (PGB) residual (Kawaguchi & Kaelbling, "Elimination of all bad local
 * minima in deep learning", AISTATS 2020; the PGB condition of Kawaguchi, Huang & Kaelbling,
 * "Every local minimum value is the global minimum value of induced model in nonconvex machine
 * learning", Neural Computation 2019).
 *
 * Definition implemented. For the network outputs f(x; θ) ∈ R^K (logits when the final softmax/
 * sigmoid is folded into the loss) and the Jacobian rows J_i = ∂f(x_i; θ)/∂θ ∈ R^{K×n}, the induced
 * linear model is g_i(α, β) = β·f(x_i; θ) + J_i α (β scalar, α ∈ R^n), and
 *   L_PGB(θ) = min_{α,β} (1/m) Σ_i ℓ(g_i(α, β), y_i)            (ℓ the training loss, convex in g)
 *   r(θ)     = L(θ) − L_PGB(θ) ≥ 0                               (α = 0, β = 1 gives L(θ)).
 * Because ℓ is convex in g, r(θ) > 0 certifies a descent direction along the gradient basis: for
 * t → 0, L(θ + tα*) ≤ L(θ) − t·r(θ) + o(t) when β* = 1 — so a point with r clearly above 0 violates
 * the necessary condition for a local minimum. The "perturbable" part evaluates the same at k seeded
 * perturbations θ + δ_j, ‖δ_j‖ = ρ‖θ‖ (Gaussian directions): r(θ + δ_j) = L(θ + δ_j) − L_PGB(θ + δ_j),
 * and also L(θ) − L_PGB(θ + δ_j) (what the gradient basis of a nearby point reaches compared to θ);
 * the maximum over j is reported. At a differentiable local minimum both are O(ρ²); at a
 * non-differentiable point of a ReLU network a perturbation can expose new basis directions.
 *
 * Solver: matrix-free, never forming J. L-BFGS (memory 10) on (α, β) with a tiny ridge (γ/2)‖α‖²
 * (reported; it only makes L_PGB larger, so r is conservative). Each iteration costs one JVP
 * (J·d for the search direction d, so the line search over t is exact on the cached outputs: closed
 * form for squared loss — then the iteration is conjugate gradients on the normal equations — and
 * 1-D Newton for cross-entropy) and one VJP (Jᵀu for the gradient). Stops at ‖∇‖ ≤ tol·‖∇₀‖, a
 * stalled decrease, or the iteration budget; the reached relative gradient is reported. The final
 * L_PGB is recomputed from a fresh JVP (no drift). Arithmetic of the solver is float64; J products
 * are float32 TF.js.
 */
import type { Objective } from '../objective';
import type { LossSpec } from '../loss';
import type { Targets } from '../data/dataset';
import { Rng } from '../rng';
import { throwIfAborted } from '../errors';
import type { Diagnostic } from './registry';
import { fmtText as f } from '../../shared/format';

/** The one home of the PGB defaults: L-BFGS iterations per solve, perturbations. */
export const PGB_DEFAULTS = { iterations: 60, perturbations: 3 } as const;

export interface PgbOptions {
  /** L-BFGS iterations per solve (default 60). */
  maxIter?: number;
  /** Stop at ‖∇F‖ ≤ tol·‖∇F(α=0, β=1)‖ (default 1e-5). */
  tol?: number;
  /** Ridge γ on ‖α‖²/2 (default 1e-8). */
  ridge?: number;
  /** Perturbations (default 3) and their relative size ρ (default 1e-3). */
  perturbations?: number;
  rho?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: { stage: string; done: number; total: number }) => void;
}

export interface PgbSolve {
  loss: number;
  lossPgb: number;
  residual: number;
  relative: number;
  iterations: number;
  gradRel: number;
  beta: number;
  alphaNorm: number;
  jvps: number;
  vjps: number;
}

export interface PgbResult extends PgbSolve {
  definition: string;
  ridge: number;
  tol: number;
  maxIter: number;
  rho: number;
  perturbed: {
    index: number;
    loss: number;
    lossPgb: number;
    residual: number;
    relative: number;
    residualVsTheta: number;
    iterations: number;
    gradRel: number;
  }[];
  maxPerturbedResidual: number;
  maxPerturbedRelative: number;
  ms: number;
}

/** Per-sample loss ℓ(g_i, y_i) summed, first and second derivative along a direction, all float64. */
class PointLoss {
  readonly K: number;
  private scratch = new Float64Array(0);
  constructor(
    readonly spec: LossSpec,
    readonly y: Targets,
    readonly m: number,
    outPerSample: number,
  ) {
    this.K = outPerSample;
  }

  private target(i: number, k: number): number {
    return this.y.kind === 'labels' ? (this.y.data[i] === k ? 1 : 0) : this.y.data[i * this.K + k];
  }

  /** Mean loss and its gradient u = ∂L/∂g (same layout as g). */
  valueGrad(g: Float64Array, withGrad = true): { value: number; u?: Float64Array } {
    const { m, K } = this;
    const u = withGrad ? new Float64Array(g.length) : undefined;
    let s = 0;
    if (this.spec.kind === 'mse') {
      for (let i = 0; i < m * K; i++) {
        const d = g[i] - this.target(Math.floor(i / K), i % K);
        s += d * d;
        if (u) u[i] = (2 * d) / (m * K);
      }
      return { value: s / (m * K), u };
    }
    if (this.spec.kind === 'bce') {
      for (let i = 0; i < m * K; i++) {
        const z = g[i],
          t = this.target(Math.floor(i / K), i % K);
        s += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
        if (u) u[i] = (1 / (1 + Math.exp(-z)) - t) / (m * K);
      }
      return { value: s / (m * K), u };
    }
    // softmax cross-entropy
    for (let i = 0; i < m; i++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, g[i * K + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(g[i * K + k] - mx);
      const lse = mx + Math.log(z);
      for (let k = 0; k < K; k++) {
        const t = this.target(i, k);
        s += t * (lse - g[i * K + k]);
        if (u) u[i * K + k] = (Math.exp(g[i * K + k] - lse) * this.rowMass(i) - t) / m;
      }
    }
    return { value: s / m, u };
  }

  /** Σ_k y_ik (1 for labels and one-hot rows). */
  private rowMass(i: number): number {
    if (this.y.kind === 'labels') return 1;
    let s = 0;
    for (let k = 0; k < this.K; k++) s += this.y.data[i * this.K + k];
    return s;
  }

  /** Minimise t ↦ L(g + t·d) + ridge part (c2/2)t² + c1 t: exact for mse, Newton for ce/bce. */
  lineMin(g: Float64Array, d: Float64Array, c1: number, c2: number): number {
    if (this.spec.kind === 'mse') {
      // L(g+td) = L(g) + t·(u·d) + t²·‖d‖²/(mK)
      const { u } = this.valueGrad(g);
      let ud = 0,
        dd = 0;
      for (let i = 0; i < g.length; i++) {
        ud += u![i] * d[i];
        dd += d[i] * d[i];
      }
      const a = (2 * dd) / (this.m * this.K) + c2;
      return a > 0 ? -(ud + c1) / a : 0;
    }
    // φ(t) is convex: bracket the root of φ'(t) (φ'(0) < 0 along a descent direction), then
    // safeguarded Newton (bisection whenever a Newton step leaves the bracket)
    const gt = new Float64Array(g.length);
    const derivs = (tt: number) => {
      for (let i = 0; i < g.length; i++) gt[i] = g[i] + tt * d[i];
      const r = this.dirDerivs(gt, d);
      return { D1: r.d1 + c1 + c2 * tt, D2: r.d2 + c2 };
    };
    const at0 = derivs(0);
    if (!(at0.D1 < 0)) return 0;
    let lo = 0,
      hi = at0.D2 > 0 ? -at0.D1 / at0.D2 : 1;
    let k = 0;
    for (; k < 60 && derivs(hi).D1 < 0; k++) {
      lo = hi;
      hi *= 2;
    }
    if (k === 60) return hi; // the loss keeps decreasing along d (e.g. separable data under cross-entropy)
    let t = 0.5 * (lo + hi);
    for (let it = 0; it < 60; it++) {
      const { D1, D2 } = derivs(t);
      if (D1 < 0) lo = t;
      else hi = t;
      let next = D2 > 0 ? t - D1 / D2 : NaN;
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (Math.abs(next - t) <= 1e-12 * (1 + Math.abs(t)) || hi - lo <= 1e-12 * (1 + Math.abs(t))) {
        t = next;
        break;
      }
      t = next;
    }
    return t;
  }

  /** First and second derivative of L(g + s·d) in s at s = 0. */
  private dirDerivs(g: Float64Array, d: Float64Array): { d1: number; d2: number } {
    const { m, K } = this;
    let d1 = 0,
      d2 = 0;
    if (this.spec.kind === 'bce') {
      for (let i = 0; i < m * K; i++) {
        const p = 1 / (1 + Math.exp(-g[i]));
        d1 += (p - this.target(Math.floor(i / K), i % K)) * d[i];
        d2 += p * (1 - p) * d[i] * d[i];
      }
      return { d1: d1 / (m * K), d2: d2 / (m * K) };
    }
    const e = this.scratch.length === K ? this.scratch : (this.scratch = new Float64Array(K));
    for (let i = 0; i < m; i++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, g[i * K + k]);
      let z = 0;
      // each exp once (the same values the probabilities below divide)
      for (let k = 0; k < K; k++) z += e[k] = Math.exp(g[i * K + k] - mx);
      let pd = 0,
        pdd = 0,
        td = 0;
      const w = this.rowMass(i);
      for (let k = 0; k < K; k++) {
        const p = e[k] / z;
        pd += p * d[i * K + k];
        pdd += p * d[i * K + k] ** 2;
        td += this.target(i, k) * d[i * K + k];
      }
      d1 += w * pd - td;
      d2 += w * (pdd - pd * pd);
    }
    return { d1: d1 / m, d2: d2 / m };
  }
}

function dot64(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** One solve of L_PGB at θ (α, β from α = 0, β = 1). */
export async function solvePgb(obj: Objective, theta: Float32Array, spec: LossSpec, y: Targets, o: PgbOptions = {}): Promise<PgbSolve> {
  const maxIter = o.maxIter ?? PGB_DEFAULTS.iterations,
    tol = o.tol ?? 1e-5,
    ridge = o.ridge ?? 1e-8;
  const out = await obj.outputs(theta, undefined, o.signal);
  const m = obj.numSamples,
    K = out.values.length / m,
    n = obj.numParams;
  const pl = new PointLoss(spec, y, m, K);
  const f = Float64Array.from(out.values);
  let jvps = 0,
    vjps = 0;
  // state: α (n), β, g = βf + Jα. The L-BFGS pairs live in a ring of MEM preallocated (n+1)-vectors each,
  // and the float32 arguments of the J products in two reused buffers: no full-length allocation per iteration.
  const MEM = 10;
  let alpha = new Float64Array(n),
    beta = 1;
  let g = Float64Array.from(f);
  const u32 = new Float32Array(f.length),
    d32 = new Float32Array(n);
  const gradAt = async (gg: Float64Array, a: Float64Array, into: Float64Array): Promise<number> => {
    const { value, u } = pl.valueGrad(gg);
    u32.set(u!);
    const ja = await obj.vjp(theta, u32, undefined, o.signal);
    vjps++;
    for (let i = 0; i < n; i++) into[i] = ja[i] + ridge * a[i];
    into[n] = dot64(u!, f);
    return value + 0.5 * ridge * dot64(a, a);
  };
  const loss0 = pl.valueGrad(g, false).value;
  let grad = new Float64Array(n + 1),
    nextGrad = new Float64Array(n + 1);
  let F = await gradAt(g, alpha, grad);
  const g0 = Math.sqrt(dot64(grad, grad));
  // ring of pairs: slot of the j-th oldest pair = (head + j) % MEM
  const Sr: Float64Array[] = [],
    Yr: Float64Array[] = [],
    Rr: number[] = [];
  let head = 0,
    len = 0;
  const spare = [new Float64Array(n + 1), new Float64Array(n + 1)];
  const q = new Float64Array(n + 1),
    al = new Float64Array(MEM);
  let newAlpha = new Float64Array(n);
  let it = 0,
    gradRel = g0 > 0 ? 1 : 0,
    stall = 0;
  while (it < maxIter && g0 > 0 && gradRel > tol) {
    throwIfAborted(o.signal);
    // L-BFGS two-loop recursion (Nocedal 1980): d = −H·grad. Each update of q is fused with the next dot
    // product over the same index; per element the operations and their order are those of the plain loops.
    const S = (j: number) => Sr[(head + j) % MEM],
      Y = (j: number) => Yr[(head + j) % MEM],
      R = (j: number) => Rr[(head + j) % MEM];
    q.set(grad);
    if (len) {
      let a = R(len - 1) * dot64(S(len - 1), q);
      for (let j = len - 1; j >= 0; j--) {
        al[j] = a;
        const y = Y(j);
        if (j > 0) {
          const sNext = S(j - 1);
          let t = 0;
          for (let i = 0; i <= n; i++) {
            q[i] -= a * y[i];
            t += sNext[i] * q[i];
          }
          a = R(j - 1) * t;
        } else for (let i = 0; i <= n; i++) q[i] -= a * y[i];
      }
      const gam = dot64(S(len - 1), Y(len - 1)) / dot64(Y(len - 1), Y(len - 1));
      let y0 = Y(0),
        t = 0;
      for (let i = 0; i <= n; i++) {
        q[i] *= gam;
        t += y0[i] * q[i];
      }
      for (let j = 0; j < len; j++) {
        const c = al[j] - R(j) * t,
          sj = S(j);
        if (j + 1 < len) {
          y0 = Y(j + 1);
          t = 0;
          for (let i = 0; i <= n; i++) {
            q[i] += sj[i] * c;
            t += y0[i] * q[i];
          }
        } else for (let i = 0; i <= n; i++) q[i] += sj[i] * c;
      }
    }
    const d = q;
    let dg = 0;
    for (let i = 0; i <= n; i++) {
      d[i] = -d[i];
      dg += d[i] * grad[i];
    }
    if (dg >= 0) {
      for (let i = 0; i <= n; i++) d[i] = -grad[i];
      len = 0;
      head = 0;
    }
    // J·d_α + d_β·f
    for (let i = 0; i < n; i++) d32[i] = d[i];
    const jd32 = await obj.jvp(theta, d32, undefined, o.signal);
    jvps++;
    const jd = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) jd[i] = jd32[i] + d[n] * f[i];
    // ridge along the line: (γ/2)‖α + t dα‖² = const + t·γ(α·dα) + t²·γ‖dα‖²/2
    const da = d.subarray(0, n);
    const t = pl.lineMin(g, jd, ridge * dot64(alpha, da as Float64Array), ridge * dot64(da as Float64Array, da as Float64Array));
    it++;
    if (t === 0) break;
    for (let i = 0; i < n; i++) newAlpha[i] = alpha[i] + t * d[i];
    const newBeta = beta + t * d[n];
    const newG = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) newG[i] = g[i] + t * jd[i];
    const nextF = await gradAt(newG, newAlpha, nextGrad);
    // the new pair is formed in the spare buffers; kept, it takes the next slot (the oldest once the memory is full)
    const sv = spare[0],
      yv = spare[1];
    let sy = 0;
    for (let i = 0; i <= n; i++) {
      sv[i] = t * d[i];
      yv[i] = nextGrad[i] - grad[i];
      sy += sv[i] * yv[i];
    }
    if (sy > 1e-300) {
      const slot = len < MEM ? (head + len) % MEM : head;
      spare[0] = Sr[slot] ?? new Float64Array(n + 1);
      spare[1] = Yr[slot] ?? new Float64Array(n + 1);
      Sr[slot] = sv;
      Yr[slot] = yv;
      Rr[slot] = 1 / sy;
      if (len < MEM) len++;
      else head = (head + 1) % MEM;
    }
    const dec = F - nextF;
    stall = dec <= 1e-12 * Math.max(1, Math.abs(F)) ? stall + 1 : 0;
    [alpha, newAlpha] = [newAlpha, alpha];
    beta = newBeta;
    g = newG;
    F = nextF;
    [grad, nextGrad] = [nextGrad, grad];
    gradRel = Math.sqrt(dot64(grad, grad)) / g0;
    o.onProgress?.({ stage: 'pgb', done: it, total: maxIter });
    if (stall >= 3) break;
  }
  // recompute g exactly from (α, β)
  if (it > 0) {
    for (let i = 0; i < n; i++) d32[i] = alpha[i];
    const ja = await obj.jvp(theta, d32, undefined, o.signal);
    jvps++;
    for (let i = 0; i < g.length; i++) g[i] = beta * f[i] + ja[i];
  }
  const lossPgb = Math.min(loss0, pl.valueGrad(g, false).value);
  const residual = Math.max(0, loss0 - lossPgb);
  return {
    loss: loss0,
    lossPgb,
    residual,
    relative: loss0 > 0 ? residual / loss0 : 0,
    iterations: it,
    gradRel,
    beta,
    alphaNorm: Math.sqrt(dot64(alpha, alpha)),
    jvps,
    vjps,
  };
}

export async function pgbResidual(obj: Objective, theta: Float32Array, spec: LossSpec, y: Targets, o: PgbOptions = {}): Promise<PgbResult> {
  const t0 = performance.now();
  const k = o.perturbations ?? PGB_DEFAULTS.perturbations,
    rho = o.rho ?? 1e-3;
  const total = (k + 1) * (o.maxIter ?? PGB_DEFAULTS.iterations);
  const prog = (base: number) => (p: { stage: string; done: number }) => o.onProgress?.({ stage: 'pgb', done: base + p.done, total });
  const at = await solvePgb(obj, theta, spec, y, { ...o, onProgress: prog(0) });
  const rng = new Rng((o.seed ?? 0) + 7919);
  let thn = 0;
  for (let i = 0; i < theta.length; i++) thn += theta[i] * theta[i];
  thn = Math.sqrt(thn);
  const perturbed: PgbResult['perturbed'] = [];
  for (let j = 0; j < k; j++) {
    throwIfAborted(o.signal);
    const z = rng.normalVector(theta.length);
    let zn = 0;
    for (let i = 0; i < z.length; i++) zn += z[i] * z[i];
    const s = (rho * (thn || 1)) / Math.sqrt(zn);
    const tp = new Float32Array(theta.length);
    for (let i = 0; i < theta.length; i++) tp[i] = theta[i] + s * z[i];
    const r = await solvePgb(obj, tp, spec, y, { ...o, onProgress: prog((j + 1) * (o.maxIter ?? PGB_DEFAULTS.iterations)) });
    perturbed.push({
      index: j,
      loss: r.loss,
      lossPgb: r.lossPgb,
      residual: r.residual,
      relative: r.relative,
      residualVsTheta: at.loss - r.lossPgb,
      iterations: r.iterations,
      gradRel: r.gradRel,
    });
  }
  const maxPerturbedResidual = perturbed.reduce((a, p) => Math.max(a, p.residual), 0);
  return {
    ...at,
    definition: 'r(θ) = L(θ) − min_{α,β} (1/m) Σ ℓ(β f(x_i;θ) + J_i(θ) α, y_i); perturbed: r(θ+δ_j), ‖δ_j‖ = ρ‖θ‖',
    ridge: o.ridge ?? 1e-8,
    tol: o.tol ?? 1e-5,
    maxIter: o.maxIter ?? PGB_DEFAULTS.iterations,
    rho,
    perturbed,
    maxPerturbedResidual,
    maxPerturbedRelative: perturbed.reduce((a, p) => Math.max(a, p.relative), 0),
    ms: performance.now() - t0,
  };
}

/** The PGB residual of Kawaguchi & Kaelbling (AISTATS 2020) at θ and at seeded perturbations. */
export const pgbDiagnostic: Diagnostic = {
  id: 'pgb',
  title: 'PGB residual (Kawaguchi & Kaelbling 2020)',
  options: [
    {
      key: 'pgb',
      flag: '--pgb',
      help:
        'PGB residual: L(θ) − best loss of the linear model on the parameter ' +
        'gradients, at θ and 3 perturbations (Kawaguchi & Kaelbling 2020)',
      kind: 'switch',
      setting: 'full.pgb',
    },
    {
      key: 'pgbIterations',
      flag: '--pgb-iter <n>',
      help: 'PGB: solver iterations (JVP+VJP each)',
      kind: 'int',
      default: PGB_DEFAULTS.iterations,
    },
  ],
  enabled: o => Boolean(o.pgb),
  plan: o => ({ jvpVjp: 2 * ((o.pgbPerturbations ?? PGB_DEFAULTS.perturbations) + 1) * (o.pgbIterations ?? PGB_DEFAULTS.iterations) }),
  async run(ctx) {
    const o = ctx.opts;
    ctx.result.pgb = await pgbResidual(ctx.obj, ctx.theta, ctx.spec, ctx.data.y, {
      maxIter: o.pgbIterations,
      perturbations: o.pgbPerturbations,
      rho: o.pgbRho,
      seed: ctx.seed,
      signal: ctx.signal,
      onProgress: p => ctx.progress('pgb', 'PGB residual', p.done, p.total),
    });
  },
  cli: r => {
    const p = r.pgb;
    if (!p) return [];
    return [
      [
        'PGB residual',
        `${f(p.residual, 4)} (r/L = ${f(p.relative, 3)}; L_PGB ${f(p.lossPgb, 5)}, ${p.iterations} it, ‖∇‖ rel ${f(p.gradRel, 2)})`,
      ],
      [
        'PGB perturbed',
        `max r = ${f(p.maxPerturbedResidual, 4)} (r/L ${f(p.maxPerturbedRelative, 3)}) ` +
          `over ${p.perturbed.length} perturbations, ρ = ${p.rho}`,
      ],
    ];
  },
};
