/**
 * The spectral density of the Hessian (stochastic Lanczos quadrature) on the eigenvalue chart's symmetric-log λ axis,
 * with λ_max, λ_min and the verdict's thresholds marked; log or linear density (the panel's checkbox).
 */
import { fmt } from '../../src/shared/format';
import { setEmpty, hexA, checkbox, type Theme } from '../dom';
import { baseOptions, upsert, exporters, extras, chartBox, type RefLine } from '../charts';
import { state, saveState } from '../state';
import { symlog, symlogInverse, symlogConstant, symlogTicks, tickLabel } from '../scales';
import { eigenScale } from './eigenScale';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY = 'Spectral density: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to estimate it.';

export const densitySection: Section = {
  id: 'densityChart',
  title: 'Spectral density',
  scope: 'checkpoint',
  box(redraw) {
    return chartBox('densityChart', 'Spectral density', {
      extra: [
        checkbox('densityLog', 'log y', state.ui.densityLog, v => {
          state.ui.densityLog = v;
          saveState();
          redraw();
        }),
      ],
    });
  },
  draw(view: View, t: Theme): void {
    const { r } = view;
    const { top, bottom, finite, negThr, cEig, eigLines } = eigenScale(view, t);
    const dens = r?.hessian?.density;
    setEmpty('densityChart', !dens, EMPTY);
    if (dens) {
      const floor = Math.max(1e-12, Math.max(...dens.values) * 1e-8);
      // the same symmetric-log λ axis as the eigenvalue chart, so the mass below 0 is not squeezed next to it
      const cD = finite.length ? cEig : symlogConstant(dens.grid);
      const sd = (v: number) => symlog(v, cD),
        isd = (v: number) => symlogInverse(v, cD);
      const pts = dens.grid.map((x, i) => ({ x: sd(x), y: state.ui.densityLog ? Math.max(floor, dens.values[i]) : dens.values[i] }));
      const dopt = baseOptions(t, { xTitle: 'eigenvalue λ (symmetric log scale)', yTitle: 'density', logY: state.ui.densityLog })!;
      const dx = dopt.scales!.x as Record<string, unknown>;
      const glo = Math.min(...dens.grid, ...(finite.length ? [negThr * 1.5] : [])),
        ghi = Math.max(...dens.grid);
      dx.min = sd(glo);
      dx.max = sd(ghi);
      dx.afterBuildTicks = (axis: { ticks: { value: number }[] }) => {
        axis.ticks = symlogTicks(glo, ghi, cD).map(v => ({ value: sd(v) }));
      };
      (dx.ticks as Record<string, unknown>).callback = (v: number | string) => tickLabel(Number(isd(Number(v)).toPrecision(6)));
      dopt.plugins!.tooltip = {
        callbacks: {
          title: k => (k[0] ? `λ = ${fmt(dens.grid[k[0].dataIndex])}` : ''),
          label: k => `spectral density: ${fmt(dens.values[k.dataIndex])}`,
        },
      };
      const lam: RefLine[] = [];
      if (top[0]) lam.push({ value: sd(top[0].value), label: `λ_max ${fmt(top[0].value)}`, color: t.palette[0], dash: [2, 3] });
      const lmin = bottom[0] ?? r?.hessian?.bottomEstimate;
      if (lmin) lam.push({ value: sd(lmin.value), label: `λ_min ${fmt(lmin.value)}`, color: t.palette[4], dash: [2, 3] });
      const dl = eigLines(sd);
      extras.set('densityChart', { refLines: { axis: 'x', lines: [...dl.lines, ...lam], bands: dl.bands }, axisInverse: { x: isd } });
      upsert('densityChart', {
        type: 'line',
        data: {
          datasets: [
            {
              label: 'spectral density (SLQ)',
              data: pts,
              borderColor: t.palette[2],
              backgroundColor: hexA(t.palette[2], 0.2),
              fill: !state.ui.densityLog,
              pointRadius: 0,
              borderWidth: t.hc ? 3 : 1.5,
            },
          ],
        },
        options: dopt,
      });
      exporters.set('densityChart', () => ({
        header: ['lambda', 'density'],
        rows: dens.grid.map((x, i) => [x, dens.values[i]]),
        json: dens,
      }));
    }
  },
};
