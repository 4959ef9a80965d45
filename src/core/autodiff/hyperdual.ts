/**
 * Independent float64 reference for exact Hessian-vector products: hyper-dual numbers
 * (Fike & Alonso, AIAA 2011). A number a + b·ε₁ + Σ_i c_i·ε₂ⁱ + Σ_i d_i·ε₁ε₂ⁱ with ε₁² = ε₂² = 0:
 * evaluating L(θ + ε₁v + Σ_i ε₂ⁱ e_i) gives d_i = e_iᵀ H v, i.e. the whole H·v, exactly (no
 * truncation error, no step size), in one vectorised pass. Unary functions need f, f′ and f″:
 *   f(a + bε₁ + cε₂ + dε₁ε₂) = f(a) + f′(a)b ε₁ + f′(a)c ε₂ + (f′(a)d + f″(a)bc) ε₁ε₂.
 * Written without TF.js, for dense networks with every supported activation and the three
 * losses; used by the start-up self-test and the HVP-correctness suite.
 */
export class HD {
  constructor(
    public a: number,
    public b: number,
    public c: Float64Array,
    public d: Float64Array,
  ) {}
  static const(a: number, p: number): HD {
    return new HD(a, 0, new Float64Array(p), new Float64Array(p));
  }
}

export function add(x: HD, y: HD): HD {
  const p = x.c.length,
    c = new Float64Array(p),
    d = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    c[i] = x.c[i] + y.c[i];
    d[i] = x.d[i] + y.d[i];
  }
  return new HD(x.a + y.a, x.b + y.b, c, d);
}
export function scaleHD(x: HD, s: number): HD {
  return new HD(
    x.a * s,
    x.b * s,
    x.c.map(v => v * s),
    x.d.map(v => v * s),
  );
}
export function addConst(x: HD, s: number): HD {
  return new HD(x.a + s, x.b, x.c, x.d);
}
export function mul(x: HD, y: HD): HD {
  const p = x.c.length,
    c = new Float64Array(p),
    d = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    c[i] = x.a * y.c[i] + x.c[i] * y.a;
    d[i] = x.a * y.d[i] + x.b * y.c[i] + x.c[i] * y.b + x.d[i] * y.a;
  }
  return new HD(x.a * y.a, x.a * y.b + x.b * y.a, c, d);
}
/** f applied to x given f(a), f′(a), f″(a) */
export function unary(x: HD, f: number, f1: number, f2: number): HD {
  const p = x.c.length,
    c = new Float64Array(p),
    d = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    c[i] = f1 * x.c[i];
    d[i] = f1 * x.d[i] + f2 * x.b * x.c[i];
  }
  return new HD(f, f1 * x.b, c, d);
}
export function exp(x: HD): HD {
  const e = Math.exp(x.a);
  return unary(x, e, e, e);
}
export function log(x: HD): HD {
  return unary(x, Math.log(x.a), 1 / x.a, -1 / (x.a * x.a));
}
export function sum(xs: HD[]): HD {
  return xs.reduce((s, x) => add(s, x));
}

/** erf in float64: Maclaurin series for |x| < 3, continued fraction for erfc beyond. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x,
      s = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const t = term / (2 * n + 1);
      s += t;
      if (Math.abs(t) < 1e-17 * Math.abs(s)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * s;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))) evaluated bottom-up
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

// SELU's α and λ (Klambauer et al. 2017: 1.6732632423543772848…, 1.0507009873554804934…) as doubles
const SELU_ALPHA = 1.6732632423543772,
  SELU_SCALE = 1.0507009873554805;
const sig = (z: number): number => 1 / (1 + Math.exp(-z));

/** f, f′, f″ of each supported scalar activation. */
export function activationDerivs(name: string, z: number): [number, number, number] {
  switch (name) {
    case 'linear':
      return [z, 1, 0];
    case 'relu':
      return z > 0 ? [z, 1, 0] : [0, 0, 0];
    case 'relu6':
      return z <= 0 ? [0, 0, 0] : z >= 6 ? [6, 0, 0] : [z, 1, 0];
    case 'tanh': {
      const t = Math.tanh(z);
      return [t, 1 - t * t, -2 * t * (1 - t * t)];
    }
    case 'sigmoid': {
      const s = sig(z);
      return [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)];
    }
    case 'elu': {
      if (z > 0) return [z, 1, 0];
      const e = Math.exp(z);
      return [e - 1, e, e];
    }
    case 'selu': {
      if (z > 0) return [SELU_SCALE * z, SELU_SCALE, 0];
      const e = SELU_SCALE * SELU_ALPHA * Math.exp(z);
      return [e - SELU_SCALE * SELU_ALPHA, e, e];
    }
    case 'softplus': {
      const s = sig(z);
      return [Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), s, s * (1 - s)];
    }
    case 'softsign': {
      const q = 1 + Math.abs(z);
      return [z / q, 1 / (q * q), (-2 * Math.sign(z)) / (q * q * q)];
    }
    case 'exponential': {
      const e = Math.exp(z);
      return [e, e, e];
    }
    case 'swish':
    case 'silu': {
      const s = sig(z);
      return [z * s, s + z * s * (1 - s), 2 * s * (1 - s) + z * s * (1 - s) * (1 - 2 * s)];
    }
    case 'gelu': {
      const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI),
        Phi = 0.5 * (1 + erf64(z / Math.SQRT2));
      return [z * Phi, Phi + z * phi, phi * (2 - z * z)];
    }
    case 'hard_sigmoid':
    case 'hardSigmoid': {
      const u = 0.2 * z + 0.5;
      return u <= 0 ? [0, 0, 0] : u >= 1 ? [1, 0, 0] : [u, 0.2, 0];
    }
    case 'leaky_relu':
      return z > 0 ? [z, 1, 0] : [0.2 * z, 0.2, 0];
    case 'leakyRelu':
      return z > 0 ? [z, 1, 0] : [0.3 * z, 0.3, 0];
    default:
      throw new Error(`hyper-dual reference: activation '${name}'`);
  }
}

function softmaxHD(z: HD[]): HD[] {
  const mx = Math.max(...z.map(v => v.a));
  const e = z.map(v => exp(addConst(v, -mx)));
  const s = sum(e);
  const inv = unary(s, 1 / s.a, -1 / (s.a * s.a), 2 / (s.a * s.a * s.a));
  return e.map(v => mul(v, inv));
}

export interface RefDenseLayer {
  nIn: number;
  nOut: number;
  act: string;
  bias: boolean;
}
/** θ layout: for each layer its kernel [nIn, nOut] row-major, then its bias [nOut]. */
export function denseParamCount(layers: RefDenseLayer[]): number {
  return layers.reduce((s, l) => s + l.nIn * l.nOut + (l.bias ? l.nOut : 0), 0);
}

/**
 * Loss and H·v of a dense network in float64. loss 'ce' takes integer labels and applies
 * softmax CE to the last layer's pre-activation when it is softmax (else to its output as logits);
 * 'bce' likewise folds a final sigmoid; 'mse' uses the output as is.
 */
export function denseHvp64(
  layers: RefDenseLayer[],
  theta: ArrayLike<number>,
  v: ArrayLike<number>,
  x: ArrayLike<number>,
  m: number,
  y: ArrayLike<number>,
  loss: 'ce' | 'mse' | 'bce',
): { loss: number; grad: Float64Array; hv: Float64Array } {
  const P = denseParamCount(layers);
  // θ as hyper-duals: a = θ_i, b = v_i, c = e_i (vector over directions), d = 0
  const th: HD[] = [];
  for (let i = 0; i < P; i++) {
    const c = new Float64Array(P);
    c[i] = 1;
    th.push(new HD(theta[i], v[i], c, new Float64Array(P)));
  }
  let total = HD.const(0, P);
  const d0 = layers[0].nIn;
  for (let s = 0; s < m; s++) {
    let a: HD[] = Array.from({ length: d0 }, (_, j) => HD.const(x[s * d0 + j], P));
    let off = 0;
    layers.forEach((l, li) => {
      const z: HD[] = [];
      for (let o = 0; o < l.nOut; o++) {
        let acc = l.bias ? th[off + l.nIn * l.nOut + o] : HD.const(0, P);
        for (let k = 0; k < l.nIn; k++) acc = add(acc, mul(a[k], th[off + k * l.nOut + o]));
        z.push(acc);
      }
      off += l.nIn * l.nOut + (l.bias ? l.nOut : 0);
      const last = li === layers.length - 1;
      const folded = last && ((loss === 'ce' && l.act === 'softmax') || (loss === 'bce' && l.act === 'sigmoid'));
      if (folded) a = z;
      else if (l.act === 'softmax') a = softmaxHD(z);
      else
        a = z.map(zz => {
          const [f, f1, f2] = activationDerivs(l.act, zz.a);
          return unary(zz, f, f1, f2);
        });
    });
    const K = a.length;
    if (loss === 'ce') {
      const mx = Math.max(...a.map(q => q.a));
      const lse = addConst(log(sum(a.map(q => exp(addConst(q, -mx))))), mx);
      total = add(total, add(lse, scaleHD(a[y[s]], -1)));
    } else if (loss === 'mse') {
      for (let k = 0; k < K; k++) {
        const e = addConst(a[k], -y[s * K + k]);
        total = add(total, scaleHD(mul(e, e), 1 / K));
      }
    } else {
      for (let k = 0; k < K; k++) {
        const z = a[k],
          t = y[s * K + k];
        // softplus(z) − t z
        const sp = unary(z, Math.max(z.a, 0) + Math.log1p(Math.exp(-Math.abs(z.a))), sig(z.a), sig(z.a) * (1 - sig(z.a)));
        total = add(total, scaleHD(add(sp, scaleHD(z, -t)), 1 / K));
      }
    }
  }
  total = scaleHD(total, 1 / m);
  return { loss: total.a, grad: total.c, hv: total.d };
}

/**
 * Outputs of a dense network in float64 and their directional derivative J·v (forward mode:
 * the ε₁ part), with the final softmax/sigmoid applied unless `logits` is set.
 */
export function denseOutputs64(
  layers: RefDenseLayer[],
  theta: ArrayLike<number>,
  v: ArrayLike<number>,
  x: ArrayLike<number>,
  m: number,
  logits = true,
): { out: Float64Array; jv: Float64Array } {
  const d0 = layers[0].nIn;
  const K = layers[layers.length - 1].nOut;
  const out = new Float64Array(m * K),
    jv = new Float64Array(m * K);
  const th = Array.from({ length: denseParamCount(layers) }, (_, i) => new HD(theta[i], v[i], new Float64Array(0), new Float64Array(0)));
  for (let s = 0; s < m; s++) {
    let a: HD[] = Array.from({ length: d0 }, (_, j) => HD.const(x[s * d0 + j], 0));
    let off = 0;
    layers.forEach((l, li) => {
      const z: HD[] = [];
      for (let o = 0; o < l.nOut; o++) {
        let acc = l.bias ? th[off + l.nIn * l.nOut + o] : HD.const(0, 0);
        for (let k = 0; k < l.nIn; k++) acc = add(acc, mul(a[k], th[off + k * l.nOut + o]));
        z.push(acc);
      }
      off += l.nIn * l.nOut + (l.bias ? l.nOut : 0);
      const last = li === layers.length - 1;
      if (last && logits && (l.act === 'softmax' || l.act === 'sigmoid')) a = z;
      else if (l.act === 'softmax') a = softmaxHD(z);
      else
        a = z.map(zz => {
          const [f, f1, f2] = activationDerivs(l.act, zz.a);
          return unary(zz, f, f1, f2);
        });
    });
    a.forEach((q, k) => {
      out[s * K + k] = q.a;
      jv[s * K + k] = q.b;
    });
  }
  return { out, jv };
}
