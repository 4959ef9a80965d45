/**
 * Why a per-layer chart leaves a layer out, as data (pure: no DOM, so a unit test reads it): the
 * weight-spectra chart fits a power law to the singular values of each weight matrix (Martin &
 * Mahoney 2021; src/core/diagnostics/weights.ts: fitPowerLaw needs a tail of at least 10 positive
 * values, the spectra skip 1-D parameters and matrices with both sides over 2,048), and the
 * per-layer curvature chart shows the layers that have a block of the Hessian computed. The chart's
 * note (`skipNote`) names every layer left out, grouped by reason.
 */
import type { DiagnoseResult } from '../src/shared/result';

export interface Skipped {
  layer: string;
  reason: string;
}

/** The smallest tail fitPowerLaw accepts, and the largest matrix side the spectra compute. */
const MIN_TAIL = 10;
const MAX_DIM = 2048;

/** The layers of the weight-spectra (α) chart that have no α, and why. */
export function alphaSkipped(r: DiagnoseResult | null): Skipped[] {
  const wl = r?.weights?.layers;
  if (!r || !wl) return [];
  const out: Skipped[] = [];
  for (const l of wl) {
    if (l.alpha !== null) continue;
    const k = Math.min(l.shape[0], l.shape[1]);
    out.push({
      layer: l.name,
      reason:
        k < MIN_TAIL
          ? `too few singular values (a ${l.shape[0]} × ${l.shape[1]} matrix has ${k}; a power-law fit needs at least ${MIN_TAIL})`
          : 'no power-law tail (the positive singular values are too few or all equal)',
    });
  }
  // layers with parameters but no weight matrix in the spectra
  const inSpectra = new Set(wl.map(l => l.layer));
  for (const l of r.layers ?? [])
    if (!inSpectra.has(l.name) && l.params > 0)
      out.push({
        layer: l.name,
        reason:
          l.params > MAX_DIM * MAX_DIM
            ? `no weight matrix in the spectra (only 1-D parameters, or both sides of the matrix over ${MAX_DIM.toLocaleString('en-US')})`
            : 'no weight matrix (only biases or normalisation parameters)',
      });
  return out;
}

/** The layers of the gradient-norm chart missing from the per-layer curvature chart, once that chart has any layer. */
export function curvatureSkipped(r: DiagnoseResult | null): Skipped[] {
  const layers = r?.layers ?? [];
  if (!layers.some(l => typeof l.traceShare === 'number')) return [];
  return layers
    .filter(l => typeof l.traceShare !== 'number')
    .map(l => ({ layer: l.name, reason: 'no Hessian block computed for this layer by the engine version that diagnosed it' }));
}

/** One sentence naming the layers a chart leaves out, grouped by reason; '' when none. */
export function skipNote(skipped: readonly Skipped[]): string {
  if (!skipped.length) return '';
  const byReason = new Map<string, string[]>();
  for (const s of skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.layer]);
  const parts = [...byReason].map(([reason, layers]) => `${layers.join(', ')}: ${reason}`);
  return `Not shown (${skipped.length} layer${skipped.length === 1 ? '' : 's'}): ${parts.join('; ')}.`;
}
