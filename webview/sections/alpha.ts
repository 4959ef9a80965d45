/**
 * Weight spectra: the power-law α of each layer's singular values (Martin & Mahoney 2021), out-of-range α in the warning colour.
 */
import { setEmpty, setNote, type Theme } from '../dom';
import { alphaSkipped, skipNote } from '../skipped';
import { baseOptions, upsert, exporters } from '../charts';
import type { Section, View } from './types';

/** What the empty chart says: why it is empty and how to fill it. */
const EMPTY =
  'Weight spectra: not computed for this checkpoint. Run a full diagnosis (“Diagnose (full)”) to fit the power-law α of each layer.';

export const alphaSection: Section = {
  id: 'alphaChart',
  title: 'Weight spectra: power-law α per layer',
  scope: 'checkpoint',
  draw(view: View, t: Theme): void {
    const { r } = view;
    const wl = r?.weights?.layers ?? [];
    const fitted = wl.some(l => l.alpha !== null);
    setEmpty(
      'alphaChart',
      !fitted,
      wl.length
        ? `Weight spectra: no layer has enough singular values for a power-law fit (it needs at least 10, ` +
            `a weight matrix of at least 10 × 10). Stable rank and spectral norm per layer are in this chart's CSV / JSON export.`
        : EMPTY,
      { keepExports: wl.length > 0 },
    );
    // every layer the chart leaves out, and why (too few singular values, no weight matrix)
    setNote('alphaChart', fitted ? skipNote(alphaSkipped(r)) : '');
    if (wl.length) {
      upsert('alphaChart', {
        type: 'bar',
        data: {
          labels: wl.map(l => l.name),
          datasets: [
            {
              label: 'power-law α',
              data: wl.map(l => l.alpha ?? NaN),
              backgroundColor: wl.map(l => (l.alpha !== null && (l.alpha < 2 || l.alpha > 6) ? t.warn : t.palette[3])),
            },
          ],
        },
        options: baseOptions(t, { xType: 'category', yTitle: 'α' }),
      });
      exporters.set('alphaChart', () => ({
        header: ['layer', 'alpha', 'stableRank', 'spectralNorm'],
        rows: wl.map(l => [l.name, l.alpha, l.stableRank, l.spectralNorm]),
        json: wl,
      }));
    }
  },
};
