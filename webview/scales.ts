/**
 * Axis helpers of the dashboard (pure, unit-tested; no DOM, no Chart.js):
 *  - a symmetric-log transform y = sign(x)·log10(1 + |x|/c), linear for |x| ≪ c and logarithmic
 *    above, so a small negative eigenvalue next to a large positive one stays visible; its inverse;
 *    the linear-region constant from the verdict's own threshold; ticks at real values ("nice"
 *    numbers) with labels that show the real values;
 *  - a padded range for charts with a single point (sensible ticks instead of a degenerate axis).
 */

import { fmt } from '../src/shared/format';

/** sign(x)·log10(1 + |x|/c) */
export function symlog(x: number, c: number): number {
  return Math.sign(x) * Math.log10(1 + Math.abs(x) / c);
}

/** The inverse of symlog: sign(y)·c·(10^|y| − 1). */
export function symlogInverse(y: number, c: number): number {
  return Math.sign(y) * c * (Math.pow(10, Math.abs(y)) - 1);
}

/**
 * The linear-region constant c: the verdict's scale τ·λ_max (values below it are "near zero" for the
 * verdict, so they may share the linear region), bounded below by 1e-9·max|x| and above by the
 * smallest non-zero |x| so that every non-zero value lies at least log10(2) from 0.
 */
export function symlogConstant(values: number[], threshold?: number): number {
  const abs = values.filter(Number.isFinite).map(Math.abs);
  const max = Math.max(0, ...abs);
  if (max === 0) return 1;
  const minNz = Math.min(...abs.filter(a => a > 0));
  let c = threshold !== undefined && Number.isFinite(threshold) && threshold > 0 ? threshold : 1e-3 * max;
  c = Math.min(c, minNz);
  return Math.max(c, 1e-9 * max);
}

/**
 * Ticks at real values for a symlog axis covering [lo, hi]: 0 and ±10^k (k from the decade of c up
 * to the data), with 2·10^k and 5·10^k added in the top decade (and everywhere when fewer than 4
 * decades are shown on a side). Sorted.
 */
export function symlogTicks(lo: number, hi: number, c: number): number[] {
  const out = new Set<number>([0]);
  const side = (limit: number, sign: 1 | -1) => {
    if (!(limit > 0)) return;
    const k0 = Math.floor(Math.log10(c)),
      k1 = Math.ceil(Math.log10(limit));
    const decades: number[] = [];
    for (let k = k0; k <= k1; k++) decades.push(k);
    const dense = decades.length < 4;
    for (const k of decades)
      for (const m of dense || k >= k1 - 1 ? [1, 2, 5] : [1]) {
        const v = Number((m * Math.pow(10, k)).toPrecision(6));
        if (v <= limit * 1.0000001 && v >= c * 0.999) out.add(sign * v);
      }
  };
  side(hi, 1);
  side(-lo, -1);
  return [...out].sort((a, b) => a - b);
}

/** A tick label for a real value: compact (1e-3, 0.05, 20, 1e4), minus sign as "−". */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v),
    e = Math.round(Math.log10(a));
  if (Math.abs(a - Math.pow(10, e)) < 1e-9 * a && (e <= -3 || e >= 4)) return `${v < 0 ? '−' : ''}1e${e}`;
  return fmt(v, 3);
}

/**
 * The axis range for values that are all equal (one checkpoint): the value ± a padding of half its
 * magnitude (at least 1 for steps), with the step between ticks; undefined when the values differ.
 */
export function singlePointRange(values: number[], minPad = 0): { min: number; max: number; step: number } | undefined {
  const v = values.filter(Number.isFinite);
  if (!v.length || v.some(x => x !== v[0])) return undefined;
  const x = v[0];
  let pad = Math.max(Math.abs(x) * 0.5, minPad, Math.abs(x) === 0 ? 1 : 0);
  const p10 = Math.pow(10, Math.floor(Math.log10(pad)));
  pad = Math.ceil(pad / p10) * p10; // one significant digit
  return { min: x - pad, max: x + pad, step: pad };
}
