/**
 * A job's progress fraction as a monotone fraction of the whole job. A diagnostic made of several
 * sub-runs (slices: 1-D, then 2-D, then eigenvector slices; the spectrum: top, then bottom, then the trace)
 * reports each sub-run's done/total mapped onto the diagnostic's whole share of the bar, so each new
 * sub-run restarted at the share's start and the bar went backwards (65 % → 58 % → 54 % in the status
 * bar). Here a fraction below the last one shown is held at the last one (the message still changes),
 * and fractions are clamped to [0, 1]; a message without a fraction keeps the last fraction.
 */
export function monotoneFraction<P extends { fraction?: number }>(last: number | undefined, p: P): P {
  if (p.fraction === undefined || !Number.isFinite(p.fraction)) return last === undefined ? p : { ...p, fraction: last };
  const f = Math.min(1, Math.max(0, p.fraction, last ?? 0));
  return f === p.fraction ? p : { ...p, fraction: f };
}

/** A progress callback whose fractions never go down (see monotoneFraction). */
export function monotoneProgress<P extends { fraction?: number }>(report: (p: P) => void): (p: P) => void {
  let last: number | undefined;
  return p => {
    const q = monotoneFraction(last, p);
    if (q.fraction !== undefined) last = q.fraction;
    report(q);
  };
}
