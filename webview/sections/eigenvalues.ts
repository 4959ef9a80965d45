/**
 * Hessian eigenvalues (top / bottom) of the selected checkpoint as bars on the symmetric-log axis, streamed while
 * Lanczos runs, with the verdict's thresholds (saddle line, near-zero band) and the value on each bar.
 */
import { fmt } from '../../src/shared/format';
import { canvasById, setEmpty, type Theme } from '../dom';
import { baseOptions, upsert, exporters, extras } from '../charts';
import { run } from '../state';
import { symlog, symlogInverse, symlogTicks, tickLabel } from '../scales';
import { eigenScale } from './eigenScale';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY = 'Hessian eigenvalues: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to compute λ_max and λ_min.';

export const eigenvaluesSection: Section = {
  id: 'eigChart',
  title: 'Hessian eigenvalues (top / bottom)',
  scope: 'checkpoint',
  draw(view: View, t: Theme): void {
    const { c, r } = view;
    const { partial, topVals, eigLabels, eigVals, finite, negThr, zeroThr, cEig, eigLines } = eigenScale(view, t);
    const partialTop = run.partialTop;
    setEmpty(
      'eigChart',
      eigVals.length === 0,
      r || !c
        ? EMPTY
        : 'This checkpoint is not diagnosed yet: run a full diagnosis (“Diagnose (full)”) to compute its Hessian eigenvalues.',
    );
    const sl = (v: number) => symlog(v, cEig),
      isl = (v: number) => symlogInverse(v, cEig);
    const eo = baseOptions(t, { xType: 'category', yTitle: 'eigenvalue λ (symmetric log scale)' })!;
    const ey = eo.scales!.y as Record<string, unknown>;
    const lo = Math.min(0, negThr * 1.5, ...finite),
      hi = Math.max(0, ...finite);
    ey.min = sl(lo) * 1.15 - 0.05;
    ey.max = sl(hi) * 1.12 + 0.05;
    ey.afterBuildTicks = (axis: { ticks: { value: number }[] }) => {
      axis.ticks = symlogTicks(lo, hi, cEig).map(v => ({ value: sl(v) }));
    };
    (ey.ticks as Record<string, unknown>).callback = (v: number | string) => tickLabel(Number(isl(Number(v)).toPrecision(6)));
    eo.plugins!.tooltip = {
      callbacks: {
        title: k => (k[0] ? `${k[0].label}${partial ? ' (Lanczos estimate)' : ''}` : ''),
        label: k => `${k.label} = ${fmt(eigVals[k.dataIndex])}`,
      },
    };
    eo.plugins!.legend = { display: false };
    extras.set('eigChart', {
      refLines: { axis: 'y', ...eigLines(sl) },
      valueLabels: { values: eigVals, color: t.fg },
      axisInverse: { y: isl },
    });
    upsert('eigChart', {
      type: 'bar',
      data: {
        labels: eigLabels,
        datasets: [
          {
            label: partial ? `Lanczos estimate (iteration ${partialTop?.iterations ?? '?'})` : 'Hessian eigenvalues',
            data: eigVals.map(sl),
            backgroundColor: eigVals.map(x => (x < 0 ? t.palette[4] : t.palette[0])),
            borderColor: t.fg,
            borderWidth: t.hc ? 1 : 0,
          },
        ],
      },
      options: eo,
    });
    const eigCanvas = canvasById('eigChart')!;
    eigCanvas.dataset.thresholds = JSON.stringify({ negativeCurvature: negThr, nearZero: zeroThr, c: cEig });
    eigCanvas.dataset.values = JSON.stringify(eigVals);
    eigCanvas.dataset.checkpoint = c?.path ?? '';
    exporters.set('eigChart', () => ({
      header: ['index', 'eigenvalue'],
      rows: eigLabels.map((l, i) => [l, eigVals[i]]),
      json: r?.hessian ? { top: r.hessian.top, bottom: r.hessian.bottom, lanczos: r.hessian.lanczos } : { partial: topVals },
    }));
  },
};
