/**
 * The eigenvalues of the selected checkpoint (streamed Lanczos estimates while it runs) and the
 * symmetric-log scale shared by the eigenvalue and density charts: linear below the verdict's scale
 * c = τ_neg·λ_max, logarithmic above, so λ_min < 0 stays visible next to λ_max (webview/scales.ts);
 * the verdict's thresholds as reference lines and bands.
 */
import { fmt } from '../../src/shared/format';
import { symlogConstant } from '../scales';
import { run } from '../state';
import type { Theme } from '../dom';
import type { RefLine, RefBand } from '../charts';
import type { View } from './types';

export function eigenScale({ c, r }: View, t: Theme) {
  const top = r?.hessian?.top ?? [],
    bottom = r?.hessian?.bottom ?? [];
  const partialTop = run.partialTop;
  const partial = partialTop && partialTop.checkpoint === c?.path && (!r || !top.length) ? partialTop.values : undefined;
  const topVals = partial ?? top.map(x => x.value);
  const eigLabels = [...topVals.map((_, i) => `λ${i + 1}`), ...bottom.map((_, i) => `λ(−${i + 1})`)];
  const eigVals = [...topVals, ...bottom.map(x => x.value)];
  const thr = { negativeCurvature: r?.verdict?.thresholds?.negativeCurvature ?? 1e-3, nearZero: r?.verdict?.thresholds?.nearZero ?? 1e-3 };
  const finite = eigVals.filter(Number.isFinite);
  const ref = finite.length ? (Math.max(...finite) > 0 ? Math.max(...finite) : Math.max(...finite.map(Math.abs))) : 1;
  const negThr = -thr.negativeCurvature * ref,
    zeroThr = thr.nearZero * ref;
  const cEig = symlogConstant(finite, thr.negativeCurvature * ref);
  const lines: RefLine[] = [];
  const eigLines = (tr: (v: number) => number): { lines: RefLine[]; bands: RefBand[] } => ({
    lines: finite.length && ref > 0 ? [{ value: tr(negThr), label: `saddle below −τ·λ_max = ${fmt(negThr)}`, color: t.palette[4] }] : lines,
    bands: finite.length && ref > 0 ? [{ from: tr(-zeroThr), to: tr(zeroThr), color: 'rgba(128,128,128,0.16)', label: 'near zero' }] : [],
  });
  return { top, bottom, partial, topVals, eigLabels, eigVals, finite, ref, negThr, zeroThr, cEig, eigLines };
}
