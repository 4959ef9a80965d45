/** The benchmarks' one timing helper. Timings live in the benches, never in tests. */

/** The median of `n` timed calls of `f` (ms), after one untimed warm-up call unless `warmUp` is false. */
export async function median(n: number, f: () => Promise<unknown>, warmUp = true): Promise<number> {
  const ts: number[] = [];
  if (warmUp) await f();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}
