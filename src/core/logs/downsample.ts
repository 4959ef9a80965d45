/**
 * Downsampling for charts without losing spikes: the series is cut into `buckets` equal index
 * ranges and each keeps its first, minimum, maximum and last points (in step order), so every
 * extreme survives (min/max decimation, as used by oscilloscopes and Chart.js' "min-max"
 * decimation). Output ≤ 4·buckets points; series at or under the limit are returned as they are.
 */
export function downsampleMinMax(
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  maxPoints: number,
): { steps: number[]; values: number[]; indices: number[] } {
  const n = values.length;
  if (n <= maxPoints) return { steps: Array.from(steps), values: Array.from(values), indices: Array.from({ length: n }, (_, i) => i) };
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const idx: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const s = Math.floor((b * n) / buckets),
      e = Math.floor(((b + 1) * n) / buckets);
    if (e <= s) continue;
    let lo = s,
      hi = s;
    for (let i = s; i < e; i++) {
      const v = values[i];
      if (v < values[lo] || Number.isNaN(values[lo])) lo = i;
      if (v > values[hi] || Number.isNaN(values[hi])) hi = i;
    }
    const keep = [...new Set([s, lo, hi, e - 1])].sort((a, c) => a - c);
    idx.push(...keep);
  }
  return { steps: idx.map(i => steps[i]), values: idx.map(i => values[i]), indices: idx };
}
