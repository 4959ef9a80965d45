/**
 * Landscape Lens extension host entry: a thin client. It registers commands and the hover
 * provider, and sends heavy work to the diagnostics worker (dist/worker.js). TF.js is never
 * loaded here, so activation stays fast.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { WorkerClient, JobError } from './workerClient';
import { ResultsCache } from './cache';
import { ResultPanel } from './panel';
import { CheckpointHoverProvider, HOVER_LANGUAGES } from './hover';
import { resolveData } from './dataResolver';
import { looksLikeCheckpoint } from '../core/formats/detect';
import type { DiagnoseOptions, DiagnoseResult } from '../core/diagnose';

export interface LandscapeApi {
  cache: ResultsCache;
  worker: WorkerClient;
  activationMs: number;
  diagnose(uri: vscode.Uri, opts?: { silent?: boolean }): Promise<DiagnoseResult | undefined>;
}

let worker: WorkerClient | undefined;

export function activate(context: vscode.ExtensionContext): LandscapeApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Landscape Lens', { log: true });
  const cfg = () => vscode.workspace.getConfiguration('landscapeLens');
  const storage = context.storageUri ?? context.globalStorageUri;
  const cache = new ResultsCache(path.join(storage.fsPath, 'results'));
  worker = new WorkerClient(path.join(context.extensionPath, 'dist'), () => cfg().get<number>('worker.maxMemoryMb', 4096), m => log.info(m));

  async function pickCheckpoint(): Promise<vscode.Uri | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && looksLikeCheckpoint(active.fsPath)) return active;
    const found = await vscode.workspace.findFiles('**/{model.json,*model*.json}', '**/node_modules/**', 200);
    if (found.length === 0) { void vscode.window.showWarningMessage('Landscape Lens: no TF.js checkpoint (model.json) found in the workspace.'); return undefined; }
    if (found.length === 1) return found[0];
    const pick = await vscode.window.showQuickPick(found.map(u => ({ label: vscode.workspace.asRelativePath(u), uri: u })), { placeHolder: 'Checkpoint to diagnose' });
    return pick?.uri;
  }

  async function diagnose(uri: vscode.Uri, opts: { silent?: boolean } = {}): Promise<DiagnoseResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      const ok = await vscode.window.showWarningMessage('This workspace is not trusted. Diagnosing reads the checkpoint and dataset files in it (no code from the workspace is run). Continue?', { modal: true }, 'Diagnose');
      if (ok !== 'Diagnose') return undefined;
    }
    const c = cfg();
    const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const data = resolveData(uri.fsPath, c.get<string>('dataFile') || undefined, root);
    if (!data.file) { void vscode.window.showErrorMessage(`Landscape Lens: ${data.how}.`); return undefined; }
    // landscape.json values apply where the user has not set the setting explicitly
    const set = <T>(k: string): T | undefined => { const i = c.inspect<T>(k); return (i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue) as T | undefined; };
    const options: DiagnoseOptions = {
      checkpoint: uri.fsPath, data: data.file,
      loss: set<string>('loss') || data.loss || undefined, samples: set<number>('samples') || data.samples || undefined, seed: set<number>('seed') ?? data.seed ?? 0,
      xKey: set<string>('xKey') ?? data.xKey ?? 'x', yKey: set<string>('yKey') ?? data.yKey ?? 'y', backend: c.get<'auto'>('backend', 'auto'),
      chunkSize: data.chunkSize, inputScale: data.inputScale, inputShift: data.inputShift,
    };
    const { key, checkpointFingerprint } = ResultsCache.key(uri.fsPath, data.file, options);
    log.info(`diagnose ${uri.fsPath} on ${data.file} (${data.how})`);
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Landscape Lens: ${vscode.workspace.asRelativePath(uri)}`, cancellable: true }, async (progress, token) => {
        const job = worker!.run({ kind: 'diagnose', options }, p => progress.report({ message: p.message ?? p.stage }));
        token.onCancellationRequested(() => job.cancel());
        return job.promise;
      });
      cache.put({ key, checkpoint: uri.fsPath, checkpointFingerprint, result });
      log.info(`loss ${result.loss} gradNorm ${result.gradNorm} on ${result.backend} in ${result.timings.totalMs.toFixed(0)} ms`);
      if (!opts.silent) ResultPanel.show(context.extensionUri, result);
      return result;
    } catch (e) {
      const err = e as JobError;
      if (err.cancelled) { log.info('cancelled'); return undefined; }
      log.error(err.message);
      void vscode.window.showErrorMessage(`Landscape Lens: ${err.message}`);
      if (opts.silent) throw e;
      return undefined;
    }
  }

  context.subscriptions.push(
    log,
    { dispose: () => worker?.dispose() },
    vscode.commands.registerCommand('landscapeLens.diagnoseCheckpoint', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : await pickCheckpoint();
      return target ? diagnose(target) : undefined;
    }),
    vscode.commands.registerCommand('landscapeLens.showResult', (key: string) => {
      const e = cache.get(key);
      if (e) ResultPanel.show(context.extensionUri, e.result);
    }),
    vscode.commands.registerCommand('landscapeLens.clearCache', () => {
      const n = cache.clear();
      void vscode.window.showInformationMessage(`Landscape Lens: cleared ${n} cached result(s).`);
    }),
    vscode.languages.registerHoverProvider(HOVER_LANGUAGES.map(language => ({ language, scheme: 'file' })), new CheckpointHoverProvider(cache)),
  );
  const activationMs = performance.now() - t0;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { cache, worker, activationMs, diagnose };
}

export function deactivate(): void { worker?.dispose(); worker = undefined; }
