/**
 * Machine-speed factor for the waits of the integration and end-to-end tests. A fixed CPU-bound
 * loop is timed when the harness starts (best of a few tries, so one unlucky slice does not count)
 * and compared with its time on an unloaded reference machine; every wait of the UI helpers is
 * multiplied by the ratio (at least 1, at most MAX_FACTOR). On a busy 2-core machine shared with
 * other jobs the same test then waits proportionally longer instead of failing.
 *
 * The factor is measured once per process and exported in LANDSCAPE_TIME_FACTOR, so child
 * processes (code-server, its extension host running the integration suites) reuse it; setting
 * LANDSCAPE_TIME_FACTOR yourself overrides the measurement.
 */

/** The calibration loop's time on an idle reference machine (one core of a 2023 laptop / CI runner), in ms. */
export const REFERENCE_MS = 15;
export const MAX_FACTOR = 8;

let cached: number | undefined;

/** Time of the fixed calibration loop, in ms (median of `tries`, after one warm-up run). */
export function calibrationMs(tries = 5): number {
  const times: number[] = [];
  for (let t = 0; t <= tries; t++) {
    const t0 = process.hrtime.bigint();
    // integer and floating-point work the JIT cannot remove (the result is used below)
    let h = 0x811c9dc5,
      x = 0.5;
    for (let i = 0; i < 4_000_000; i++) {
      h = Math.imul(h ^ i, 16777619);
      x = x * 1.0000001 + (h & 7) * 1e-9;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!Number.isFinite(x + h)) throw new Error('unreachable');
    if (t > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** The factor (≥ 1) by which test waits are multiplied on this machine, now. */
export function timeFactor(): number {
  if (cached !== undefined) return cached;
  const env = Number(process.env.LANDSCAPE_TIME_FACTOR);
  if (Number.isFinite(env) && env > 0) cached = Math.min(MAX_FACTOR, Math.max(1, env));
  else {
    cached = Math.min(MAX_FACTOR, Math.max(1, calibrationMs() / REFERENCE_MS));
    cached = Math.round(cached * 100) / 100;
    process.env.LANDSCAPE_TIME_FACTOR = String(cached);
  }
  return cached;
}

/** `ms` scaled by the machine-speed factor (rounded to whole ms). */
export function scaled(ms: number): number {
  return Math.round(ms * timeFactor());
}
