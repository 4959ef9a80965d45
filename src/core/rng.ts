/**
 * Seeded pseudo-random numbers for reproducible diagnostics.
 * xoshiro128** (Blackman & Vigna) seeded through splitmix32; Gaussian by Box–Muller.
 * Every stochastic diagnostic takes a seed and derives its streams from it, so a
 * result is reproducible from the seed printed in its report.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number) {
    let x = (seed >>> 0) ^ 0x9e3779b9;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5,
      lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** ±1 with equal probability. */
  rademacher(): number {
    return this.nextU32() & 1 ? 1 : -1;
  }

  /** A Float64Array of n standard normals. */
  normalVector(n: number): Float64Array {
    const a = new Float64Array(n);
    this.fillNormal(a);
    return a;
  }

  /**
   * Fills `a` with standard normals: the same numbers, in the same order, as `a.length` calls of normal()
   * (the generator's state and the Box–Muller spare end the same), about 3× faster — the xoshiro128** steps
   * and Box–Muller inlined over local state (long draws: the ε-sharpness subspace, XTrace's test vectors).
   */
  fillNormal(a: Float64Array | Float32Array): void {
    const len = a.length;
    let i = 0;
    if (len === 0) return;
    if (this.spare !== undefined) {
      a[i++] = this.spare;
      this.spare = undefined;
    }
    // int32 views of the state: xor, shifts and imul act on the same 32 bits as nextU32's unsigned copies
    let s0 = this.s0 | 0,
      s1 = this.s1 | 0,
      s2 = this.s2 | 0,
      s3 = this.s3 | 0;
    const TWO_PI = 2 * Math.PI;
    while (i < len) {
      let u = 0,
        v = 0;
      for (let k = 0; k < 2; k++) {
        let x = 0;
        do {
          // uniform(): two nextU32() (53 bits: 27 of the first, 26 of the second); u is redrawn while 0, v is not
          let hi = 0;
          for (let w = 0; w < 2; w++) {
            const m = Math.imul(s1, 5);
            const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
            const t = s1 << 9;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = (s3 << 11) | (s3 >>> 21);
            if (w === 0) hi = r >>> 5;
            else x = (hi * 67108864 + (r >>> 6)) / 9007199254740992;
          }
        } while (k === 0 && x === 0);
        if (k === 0) u = x;
        else v = x;
      }
      const r = Math.sqrt(-2 * Math.log(u));
      a[i++] = r * Math.cos(TWO_PI * v);
      const spare = r * Math.sin(TWO_PI * v);
      if (i < len) a[i++] = spare;
      else this.spare = spare;
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  /** A Float64Array of n Rademacher signs. */
  rademacherVector(n: number): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = this.rademacher();
    return a;
  }

  /** k distinct indices from [0, n), in increasing order (partial Fisher–Yates). */
  sample(n: number, k: number): number[] {
    if (k >= n) return Array.from({ length: n }, (_, i) => i);
    const idx = new Map<number, number>();
    const out: number[] = [];
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const vi = idx.get(i) ?? i,
        vj = idx.get(j) ?? j;
      idx.set(j, vi);
      idx.set(i, vj);
      out.push(vj);
    }
    return out.sort((a, b) => a - b);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
