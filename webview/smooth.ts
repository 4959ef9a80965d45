/**
 * Curve transforms for the dashboard (pure, unit-tested): EMA with debiasing (as TensorBoard:
 * the running average is divided by 1 − w^k so the first points are not pulled to zero), a
 * centred moving average, outlier clipping by quantiles, and the x-axis modes. Smoothing is
 * applied to the full-resolution series before any downsampling, so the slider's effect does not
 * depend on how many points are drawn.
 */
import { downsampleMinMax } from '../src/core/logs/downsample';

/** Debiased exponential moving average; w ∈ [0, 1) (0: no smoothing). Non-finite values are skipped (kept as NaN). */
export function emaDebiased(values: ArrayLike<number>, w: number): number[] {
  const out = new Array<number>(values.length);
  if (!(w > 0)) {
    for (let i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }
  let acc = 0,
    k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    acc = acc * w + (1 - w) * v;
    k++;
    out[i] = acc / (1 - Math.pow(w, k));
  }
  return out;
}

/** Centred moving average over `window` points (odd windows are symmetric); NaNs are ignored. */
export function movingAverage(values: ArrayLike<number>, window: number): number[] {
  const n = values.length,
    out = new Array<number>(n);
  const h = Math.max(0, Math.floor((window - 1) / 2)),
    h2 = Math.max(0, window - 1 - h);
  // prefix sums over finite values
  const sum = new Float64Array(n + 1),
    cnt = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = values[i],
      f = Number.isFinite(v);
    sum[i + 1] = sum[i] + (f ? v : 0);
    cnt[i + 1] = cnt[i] + (f ? 1 : 0);
  }
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - h),
      b = Math.min(n, i + h2 + 1);
    const c = cnt[b] - cnt[a];
    out[i] = c > 0 ? (sum[b] - sum[a]) / c : NaN;
  }
  return out;
}

export type SmoothingMode = 'none' | 'ema' | 'ma';
/** `amount` ∈ [0, 1): EMA weight, or for the moving average a window of 1 + 2·round(amount·50) points. */
export function smooth(values: ArrayLike<number>, mode: SmoothingMode, amount: number): number[] {
  if (mode === 'ema') return emaDebiased(values, Math.min(0.999, Math.max(0, amount)));
  if (mode === 'ma') return movingAverage(values, 1 + 2 * Math.round(Math.max(0, amount) * 50));
  return Array.from(values);
}

/** The [lo, hi] range that keeps the central quantiles (default 1 %–99 %) widened by 10 %; finite values only. */
export function clipRange(values: ArrayLike<number>, q = 0.01): { lo: number; hi: number } | undefined {
  const v = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (v.length < 5) return undefined;
  const at = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))];
  const lo = at(q),
    hi = at(1 - q),
    pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  return { lo: lo - pad, hi: hi + pad };
}

export type XMode = 'step' | 'relative' | 'wall';
/** x values for a series: the step, seconds since the first point (relative), or wall time in ms (for a time axis). */
export function xValues(steps: ArrayLike<number>, wallTimes: ArrayLike<number>, mode: XMode): number[] {
  const n = steps.length,
    out = new Array<number>(n);
  if (mode === 'step') {
    for (let i = 0; i < n; i++) out[i] = steps[i];
    return out;
  }
  let t0 = NaN;
  for (let i = 0; i < n; i++)
    if (Number.isFinite(wallTimes[i])) {
      t0 = wallTimes[i];
      break;
    }
  for (let i = 0; i < n; i++) {
    const w = wallTimes[i];
    out[i] = !Number.isFinite(w) ? NaN : mode === 'relative' ? w - t0 : w * 1000;
  }
  return out;
}

/** Min/max decimation of (x, y) pairs to at most ~maxPoints (the extremes of every bucket survive: src/core/logs/downsample.ts). */
export function decimate(x: number[], y: number[], maxPoints: number): { x: number[]; y: number[] } {
  if (y.length <= maxPoints) return { x, y };
  const d = downsampleMinMax(x, y, maxPoints);
  return { x: d.steps, y: d.values };
}

/** CSV text of columns: webview/csv.ts (RFC 4180 quoting, CSV-injection neutralisation); re-exported for older imports. */
export { toCsv } from './csv';
