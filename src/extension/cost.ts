/**
 * Cost before heavy jobs: before a full diagnosis (one checkpoint or a run's *Diagnose all*) the
 * estimate of src/core/estimate.ts — HVPs planned from the full mode's options, time from a measured
 * HVP of the same checkpoint (its cached result; with none, its quick diagnosis is run first — a
 * small job whose result is cached and shown anyway), memory from the parameter count and the chunk —
 * is logged, and above `landscapeLens.confirmAboveSeconds` the user is asked (modal).
 */
import * as vscode from 'vscode';
import type { Service } from './service';
import { PRIORITY } from './jobQueue';
import { cfg, diagnoseOptions } from './settings';
import { estimateCost, measuredHvpMs, costPrompt } from '../core/estimate';
import type { DiagnoseResult } from '../core/diagnose';
import { fmt } from '../shared/format';

/** true: go ahead (no estimate possible, under the threshold, or the user said so). */
export async function confirmCost(svc: Service, uris: vscode.Uri[], what: string): Promise<boolean> {
  if (!uris.length) return true;
  const threshold = cfg(uris[0]).get<number>('confirmAboveSeconds', 60);
  const resolved = diagnoseOptions(uris[0], 'full');
  if ('error' in resolved) return true; // the diagnosis reports the error itself
  let measured: DiagnoseResult | undefined = uris.map(u => svc.resultFor(u.fsPath)?.result).find(r => measuredHvpMs(r) !== undefined);
  if (!measured) {
    try {
      measured = await svc.diagnose(uris[0], {
        mode: 'quick',
        progress: 'window',
        priority: PRIORITY.user,
        quietErrors: true,
        reason: 'measure an HVP for the cost estimate',
      });
    } catch {
      /* no estimate */
    }
  }
  const hvpMs = measuredHvpMs(measured);
  if (!measured || hvpMs === undefined) {
    svc.log.info(`${what}: no measured HVP, no cost estimate`);
    return true;
  }
  const units = measured.model?.layers?.reduce((s, l) => s + (l.units ?? 0), 0) ?? 0;
  const e = estimateCost(resolved.options, {
    params: measured.params,
    layers: measured.model?.layers?.filter(l => l.params > 0).length,
    hvpMs,
    chunk: Math.min(resolved.options.chunkSize ?? 1024, measured.samples),
    activationsPerSample: units || undefined,
  });
  const p = costPrompt(e, uris.length, threshold, what);
  svc.log.info(`cost estimate: ${p.message} (one HVP measured at ${fmt(hvpMs, 3)} ms)`);
  if (!p.ask) return true;
  const ok = await vscode.window.showWarningMessage(
    `Landscape Lens: ${p.message} Run it?`,
    {
      modal: true,
      detail:
        'The estimate uses the budgets in the settings (upper bounds: Lanczos and the trace may stop earlier) ' +
        'and an HVP measured on this checkpoint. Set landscapeLens.confirmAboveSeconds to 0 to never ask.',
    },
    'Run',
  );
  if (ok !== 'Run') svc.log.info(`${what}: not run (cost)`);
  return ok === 'Run';
}
