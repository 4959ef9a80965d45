/**
 * No silent slow paths (issue 22): when the native engine cannot run a model, the notice (or, with
 * `--backend ort`, the error) names the op and layer *and* says what happens instead and what the
 * user can do. The TF.js fallback is exact but slower; what makes it slower on this model in
 * particular (grouped convolutions, which TF.js runs one group at a time) is counted from the graph.
 */
import type { GraphModel } from './model/graph';

/** Grouped convolutions of the model: how many layers, how many groups in all. */
export function groupedConvs(model: GraphModel): { layers: number; groups: number } {
  let layers = 0,
    groups = 0;
  for (const n of model.nodes) {
    const g = Number((n.attrs as Record<string, unknown>).group ?? 1);
    if (/conv/i.test(n.op) && g > 1) {
      layers++;
      groups += g;
    }
  }
  for (const n of model.nodes) if (n.op === 'depthwiseconv2d' || n.op === 'separableconv2d') layers++;
  return { layers, groups };
}

/** What the TF.js fallback means for this model, in words (appended to "native engine off: <why>"). */
export function fallbackAdvice(model: GraphModel): string {
  const { layers, groups } = groupedConvs(model);
  let s = 'computed with TF.js instead: exact, but typically an order of magnitude slower than the native engine (ONNX Runtime)';
  if (layers > 0) {
    const what = `${layers} grouped/depthwise convolution${layers === 1 ? '' : 's'}`;
    s += `, more here: TF.js runs this model's ${what} one group at a time${groups ? ` (${groups.toLocaleString('en-US')} groups)` : ''}`;
  }
  return `${s}. --backend wasm chooses this path explicitly; --backend ort refuses instead of falling back`;
}

/** What to do when `--backend ort` cannot run the model. */
export const ORT_REFUSAL_ADVICE =
  'run with --backend auto or --backend wasm to compute it with TF.js (exact, but typically an order of magnitude slower), ' +
  'or re-export the model without that op';
