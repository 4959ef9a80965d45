/**
 * Cost before heavy jobs: before a full diagnosis (one checkpoint or a run's *Diagnose all*) the
 * estimate of src/core/estimate.ts — each diagnostic's planned counts at pass times measured on the
 * checkpoint itself by the worker's `estimate` job (src/core/estimateProbe.ts: one pass of each kind,
 * about twenty HVPs' worth; the sessions it creates are the ones the diagnosis then uses), memory from
 * the parameter count and the chunk — is logged, and above `landscapeLens.confirmAboveSeconds` the
 * user is asked (modal). If the probe fails, the older estimate from a measured HVP (a cached result)
 * is used; with neither, no question is asked.
 */
import * as vscode from 'vscode';
import type { Service } from './service';
import { PRIORITY } from './jobQueue';
import { cfg, diagnoseOptions } from './settings';
import { estimateCost, measuredHvpMs, costPrompt, modelCostInputs, type CostEstimate } from '../core/estimate';
import type { DiagnoseOptions } from '../core/diagnostics/options';
import { fmt } from '../shared/format';

/** The estimate at pass times measured on the checkpoint (the worker's `estimate` job); undefined when it failed. */
async function probedEstimate(svc: Service, options: DiagnoseOptions, what: string): Promise<CostEstimate | undefined> {
  try {
    const h = svc.queue.enqueue({ kind: 'estimate', options }, { label: `cost estimate: ${what}`, priority: PRIORITY.user });
    const r = (await h.promise) as { estimate: CostEstimate; text: string };
    svc.log.info(`${what}: ${r.text}`);
    return r.estimate;
  } catch (e) {
    svc.log.info(`${what}: the cost probe failed (${(e as Error).message}); using a measured HVP if there is one`);
    return undefined;
  }
}

/** The older estimate: HVP-equivalents × one HVP measured in a cached result of these checkpoints. */
function hvpEstimate(svc: Service, uris: vscode.Uri[], options: DiagnoseOptions): CostEstimate | undefined {
  const measured = uris.map(u => svc.resultFor(u.fsPath)?.result).find(r => measuredHvpMs(r) !== undefined);
  const hvpMs = measuredHvpMs(measured);
  if (!measured || hvpMs === undefined) return undefined;
  svc.log.info(`cost estimate from one HVP measured at ${fmt(hvpMs, 3)} ms`);
  return estimateCost(options, {
    ...modelCostInputs(measured.params, measured.model?.layers ?? [], measured.samples, options.chunkSize),
    hvpMs,
  });
}

/** true: go ahead (no estimate possible, under the threshold, or the user said so). */
export async function confirmCost(svc: Service, uris: vscode.Uri[], what: string): Promise<boolean> {
  if (!uris.length) return true;
  const threshold = cfg(uris[0]).get<number>('confirmAboveSeconds', 60);
  if (threshold <= 0) return true; // 0: never ask (nothing to measure)
  const resolved = diagnoseOptions(uris[0], 'full');
  if ('error' in resolved) return true; // the diagnosis reports the error itself
  const e = (await probedEstimate(svc, resolved.options, what)) ?? hvpEstimate(svc, uris, resolved.options);
  if (!e) {
    svc.log.info(`${what}: no cost estimate`);
    return true;
  }
  const p = costPrompt(e, uris.length, threshold, what);
  svc.log.info(`cost estimate: ${p.message}`);
  if (!p.ask) return true;
  const ok = await vscode.window.showWarningMessage(
    `Landscape Lens: ${p.message} Run it?`,
    {
      modal: true,
      detail:
        'The estimate times one pass of each kind on this checkpoint and multiplies by what each diagnostic typically ' +
        'runs (the settings give the upper bounds: Lanczos and the trace may stop earlier). ' +
        'Set landscapeLens.confirmAboveSeconds to 0 to never ask.',
    },
    'Run',
  );
  if (ok !== 'Run') svc.log.info(`${what}: not run (cost)`);
  return ok === 'Run';
}
