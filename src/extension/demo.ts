/**
 * *Landscape: Create Demo Workspace* (`landscapeLens.createDemoWorkspace`): the demo without a clone
 * of the repository. Asks for an empty or new folder (a non-empty one gets a new `landscape-lens-demo`
 * folder inside it; an earlier demo, with its marker file, is rebuilt), trains the seeded demo runs
 * there in the diagnostics worker (`buildDemo` job: src/core/demo/build.ts), diagnoses every
 * checkpoint in quick mode (worker `diagnose` jobs, not cached in this window), writes the results as
 * `.landscape/seed-results.json` (imported into the new window's cache on activation: seed.ts) and
 * opens the folder. One cancellable notification shows the training and the diagnoses.
 *
 * Tests pass `{ folder, open: false }`: no dialog, the folder is not opened.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Service } from './service';
import { PRIORITY, JobError } from './jobQueue';
import { diagnoseOptions } from './settings';
import { ResultsCache } from './cache';
import { writeSeed, SeedEntry } from './seed';
import { checkDemoFolder, demoTargetIn } from '../core/demo/folder';
import type { DiagnoseResult } from '../core/diagnose';

export interface CreateDemoArgs {
  folder?: string;
  open?: boolean;
}
export interface CreateDemoResult {
  dir: string;
  checkpoints: string[];
  seeded: number;
  failed: string[];
  seedFile?: string;
  opened: boolean;
}

async function askFolder(): Promise<string | undefined> {
  // an empty workspace folder (a newcomer opened a new folder) is offered first
  const empty = vscode.workspace.workspaceFolders?.find(f => f.uri.scheme === 'file' && checkDemoFolder(f.uri.fsPath).kind !== 'refused');
  const picked = await vscode.window.showOpenDialog({
    defaultUri: empty?.uri,
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Create Demo Here',
    title: 'Landscape Lens: choose an empty or new folder for the demo workspace',
  });
  const chosen = picked?.[0]?.fsPath;
  if (!chosen) return undefined;
  const target = demoTargetIn(chosen);
  if (target === chosen) return target;
  const ok = await vscode.window.showInformationMessage(
    `${chosen} is not empty: create the demo in ${path.basename(target)} inside it?`,
    { modal: true },
    'Create',
  );
  return ok === 'Create' ? target : undefined;
}

/**
 * `importHere(dir)`: the demo was built into a folder this window already has open (VS Code does not
 * reopen an open folder): its seeded results are imported into this window's cache at once.
 */
/** Context key set once a demo workspace was created (or its seeded results imported): the walkthrough step's completion event. */
export const DEMO_CREATED = 'landscapeLens.demoCreated';

export async function createDemoWorkspace(
  svc: Service,
  args: CreateDemoArgs = {},
  importHere?: (dir: string) => void,
): Promise<CreateDemoResult | undefined> {
  const dir = args.folder ? path.resolve(args.folder) : await askFolder();
  if (!dir) return undefined;
  const state = checkDemoFolder(dir);
  if (state.kind === 'refused') {
    svc.log.warn(`create demo: ${state.reason}`);
    void vscode.window.showErrorMessage(`Landscape Lens: ${state.reason}.`);
    return undefined;
  }
  svc.log.info(`create demo workspace in ${dir} (${state.kind})`);
  let result: CreateDemoResult | undefined;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Landscape: creating the demo workspace', cancellable: true },
      async (progress, token) => {
        let cancelled = false;
        let current: { cancel(): void } | undefined;
        token.onCancellationRequested(() => {
          cancelled = true;
          current?.cancel();
        });
        // training: 80 % of the bar; the diagnoses: the rest
        let shown = 0;
        const bar = (fraction: number, message: string) => {
          const f = Math.round(fraction * 100);
          progress.report({ message, increment: f > shown ? f - shown : undefined });
          shown = Math.max(shown, f);
        };
        const build = svc.queue.enqueue(
          { kind: 'buildDemo', dir, by: 'Landscape: Create Demo Workspace' },
          {
            key: `buildDemo:${dir}`,
            label: `build demo ${path.basename(dir)}`,
            priority: PRIORITY.user,
            onProgress: p => bar(0.8 * (p.fraction ?? 0), p.message ?? p.stage),
          },
        );
        current = build;
        const built = (await build.promise) as { dir: string; checkpoints: string[] };
        const entries: SeedEntry[] = [];
        const failed: string[] = [];
        for (const [i, ckpt] of built.checkpoints.entries()) {
          if (cancelled) throw new JobError('cancelled', false, true);
          const rel = path.relative(dir, ckpt).split(path.sep).join('/');
          bar(0.8 + 0.2 * (i / built.checkpoints.length), `quick diagnosis ${i + 1} of ${built.checkpoints.length}: ${rel}`);
          const resolved = diagnoseOptions(vscode.Uri.file(ckpt), 'quick', {}, dir);
          if ('error' in resolved) {
            failed.push(`${rel}: ${resolved.error}`);
            continue;
          }
          const options = { ...resolved.options, dataHow: resolved.dataHow };
          // keyed like Service.diagnose: shared with an identical queued job (the watcher's auto-diagnosis when the folder is open here)
          const { key, checkpointFingerprint } = ResultsCache.key(ckpt, options.data, options);
          const job = svc.queue.enqueue({ kind: 'diagnose', options }, { key, label: `quick ${rel} (demo)`, priority: PRIORITY.user });
          current = job;
          try {
            const r = (await job.promise) as DiagnoseResult;
            entries.push({ checkpoint: ckpt, checkpointFingerprint, options, result: r });
          } catch (e) {
            if ((e as JobError).cancelled) throw e;
            failed.push(`${rel}: ${(e as Error).message}`);
          }
        }
        bar(1, 'done');
        const seedFile = entries.length ? writeSeed(dir, entries) : undefined;
        return { dir, checkpoints: built.checkpoints, seeded: entries.length, failed, seedFile, opened: false };
      },
    );
  } catch (e) {
    const err = e as JobError;
    if (err.cancelled) {
      svc.log.info(`create demo cancelled (${dir}: left as it is; choose it again to rebuild)`);
      return undefined;
    }
    svc.log.error(`create demo: ${err.message}`);
    void vscode.window.showErrorMessage(`Landscape Lens: could not create the demo workspace: ${err.message}`);
    return undefined;
  }
  svc.log.info(
    `demo workspace: ${result.checkpoints.length} checkpoints, ${result.seeded} diagnosed` +
      `${result.failed.length ? `; not diagnosed: ${result.failed.join('; ')}` : ''}`,
  );
  // the walkthrough's "Open the demo workspace" step completes now, when the demo exists (onContext in package.json)
  await vscode.commands.executeCommand('setContext', DEMO_CREATED, true);
  if (args.open !== false) {
    const here = vscode.workspace.workspaceFolders?.some(f => path.resolve(f.uri.fsPath) === dir);
    if (here) {
      importHere?.(dir);
      await vscode.commands.executeCommand('landscapeLens.refreshRuns');
      await vscode.commands.executeCommand('landscapeLens.runs.focus');
    } else {
      result.opened = true;
      await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(dir), {
        forceNewWindow: !!vscode.workspace.workspaceFolders?.length,
      });
    }
  }
  return result;
}
