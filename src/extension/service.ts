/**
 * The extension's engine room: the job queue in front of the worker, the results cache, and
 * the events the views listen to (results changed, jobs changed, partial results). Every heavy
 * computation goes through `diagnose`, which serves the cache first, asks before computing in an
 * untrusted workspace, shares identical jobs and streams Lanczos partials.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { WorkerClient } from './workerClient';
import { JobQueue, JobError, PRIORITY } from './jobQueue';
import { ResultsCache, CacheEntry } from './cache';
import { diagnoseOptions, DiagnoseMode } from './settings';
import type { JobRequest, JobResult, JobPartial, JobProgress } from '../worker/protocol';
import type { DiagnoseOptions, DiagnoseResult } from '../core/diagnose';
import type { SurgeryLog } from './surgeryLog';
import { oneLine } from './checkpointLabels';
import { fmtMs } from '../shared/format';
import { lambdaMax } from '../shared/headline';
export { oneLine };

export interface DiagnoseRequest {
  mode?: DiagnoseMode;
  priority?: number;
  /** where progress is shown: a cancellable notification, the window (status bar), or nowhere */
  progress?: 'notification' | 'window' | 'none';
  /** skip the cache */
  force?: boolean;
  extra?: Partial<DiagnoseOptions>;
  /** why (logged) */
  reason?: string;
  /** do not show error messages (background jobs) */
  quietErrors?: boolean;
}

/** A job-progress listener that drives a `withProgress` bar: the message, and increments that never go back. */
export function reportTo(progress: vscode.Progress<{ message?: string; increment?: number }>): (p: JobProgress) => void {
  let last = 0;
  return p => {
    const f = Math.round((p.fraction ?? 0) * 100);
    progress.report({ message: p.message ?? p.stage, increment: f > last ? f - last : undefined });
    last = Math.max(last, f);
  };
}

/** A failed diagnosis, kept in memory for the runs tree (icon, reason, tooltip) and Retry. */
export interface DiagnoseFailure {
  message: string;
  at: number;
  mode: DiagnoseMode;
  reason?: string;
  /** what the checkpoint lacks before it can be read (the architecture of a weights-only file, then the data) */
  need?: 'architecture' | 'data';
}

/** The buttons of a failure that lacks an input (shared with the dashboard: src/shared/verdictLabel.ts). */
import { NEED_ACTIONS } from '../shared/verdictLabel';
export { NEED_ACTIONS };

export class Service implements vscode.Disposable {
  readonly queue: JobQueue<JobRequest, JobResult>;
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** a checkpoint's results or job state changed (its path), or everything (undefined) */
  readonly onDidChange = this.changed.event;
  private readonly partials = new vscode.EventEmitter<{ checkpoint: string; partial: JobPartial }>();
  readonly onPartial = this.partials.event;
  private trustAnswer: boolean | undefined;
  /** counters for the tests and the log */
  readonly counts = { computed: 0, fromCache: 0 };
  /** the last failed diagnosis per checkpoint file (cleared when the file changes or a diagnosis succeeds) */
  private readonly failures = new Map<string, DiagnoseFailure>();

  /** The training logs the user attached to a checkpoint's run (extension.ts: attachedLogs.ts), for the logged-loss check. */
  attachedLogsFor?: (checkpoint: string) => { dir: string; files: string[] } | undefined;

  constructor(
    readonly worker: WorkerClient,
    readonly cache: ResultsCache,
    readonly log: vscode.LogOutputChannel,
    readonly surgery?: SurgeryLog,
  ) {
    this.queue = new JobQueue<JobRequest, JobResult>((req, hooks) => worker.run(req, hooks.onProgress, hooks.onPartial));
    this.queue.onChange(() => this.changed.fire(undefined));
  }

  /** Is computation allowed? In an untrusted workspace the user is asked (once per session; 'Always' for it). */
  async mayCompute(interactive: boolean): Promise<boolean> {
    if (vscode.workspace.isTrusted || this.trustAnswer) return true;
    if (!interactive) return false;
    const ok = await vscode.window.showWarningMessage(
      'This workspace is not trusted. Diagnosing reads checkpoint and dataset files from it (no code from the workspace is run). Continue?',
      { modal: true },
      'Diagnose',
      'Diagnose for this session',
    );
    if (ok === 'Diagnose for this session') this.trustAnswer = true;
    return ok === 'Diagnose' || ok === 'Diagnose for this session';
  }

  jobState(checkpoint: string): { state: 'queued' | 'running'; fraction?: number } | undefined {
    const p = path.resolve(checkpoint);
    const r = this.queue.running;
    if (r && r.request.kind === 'diagnose' && path.resolve(r.request.options.checkpoint) === p)
      return { state: 'running', fraction: r.progress?.fraction };
    if (this.queue.queued.some(q => q.request.kind === 'diagnose' && path.resolve(q.request.options.checkpoint) === p))
      return { state: 'queued' };
    return undefined;
  }

  /** The best current result for a checkpoint: the newest one with a Hessian spectrum, else the newest. */
  resultFor(checkpoint: string): CacheEntry | undefined {
    const latest = this.cache.latestFor(checkpoint);
    if (!latest) return undefined;
    const current = this.cache.entriesFor(checkpoint).filter(e => e.checkpointFingerprint === latest.checkpointFingerprint);
    const rich = (e: CacheEntry) =>
      (e.result.hessian?.density ? 2 : 0) + (e.result.slices?.some(s => (s as { kind?: string }).kind === '2d') ? 1 : 0);
    const best = current.reduce(
      (a, b) => (rich(b) > rich(a) || (rich(b) === rich(a) && b.result.computedAt > a.result.computedAt) ? b : a),
      latest,
    );
    // interpolations computed by "Compare with…" live in their own entries: shown with the best one
    const extra = current
      .filter(e => e !== best)
      .flatMap(e => (e.result.slices ?? []).filter(s => (s as { kind?: string }).kind === 'interp'));
    if (!extra.length) return best;
    const seen = new Set(
      (best.result.slices ?? []).map(s => JSON.stringify([(s as { kind?: string }).kind, (s as { other?: string }).other])),
    );
    const slices = [...(best.result.slices ?? [])];
    for (const s of extra) {
      const k = JSON.stringify([(s as { kind?: string }).kind, (s as { other?: string }).other]);
      if (!seen.has(k)) {
        seen.add(k);
        slices.push(s);
      }
    }
    return { ...best, result: { ...best.result, slices } };
  }

  /** The last failed diagnosis of a checkpoint, if it has not been fixed since. */
  failureFor(checkpoint: string): DiagnoseFailure | undefined {
    return this.failures.get(path.resolve(checkpoint));
  }

  /** Forget a checkpoint's failure (its files changed); true when there was one. */
  clearFailure(checkpoint: string): boolean {
    const had = this.failures.delete(path.resolve(checkpoint));
    if (had) this.changed.fire(checkpoint);
    return had;
  }

  /** folders already told what they lack (a burst of auto-diagnosed checkpoints asks once) */
  private readonly askedNeed = new Set<string>();

  private fail(uri: vscode.Uri, message: string, mode: DiagnoseMode, req: DiagnoseRequest, need?: 'architecture' | 'data'): void {
    this.failures.set(path.resolve(uri.fsPath), { message, at: Date.now(), mode, reason: req.reason, ...(need ? { need } : {}) });
    this.changed.fire(uri.fsPath);
    const rel = vscode.workspace.asRelativePath(uri);
    if (need) {
      const key = `${need}:${path.dirname(path.resolve(uri.fsPath))}`;
      if (req.quietErrors && this.askedNeed.has(key)) return;
      this.askedNeed.add(key);
      const actions = NEED_ACTIONS[need];
      // Set Up PyTorch Export gets no argument: it asks for the training script (the active Python editor if any)
      void vscode.window.showWarningMessage(`Landscape Lens: ${message}`, ...actions.map(a => a[0])).then(a => {
        const hit = actions.find(x => x[0] === a);
        if (!hit) return;
        if (hit[1] === 'landscapeLens.setupPytorchExport') void vscode.commands.executeCommand(hit[1]);
        else void vscode.commands.executeCommand(hit[1], uri);
      });
      return;
    }
    if (req.quietErrors) return;
    void vscode.window
      .showErrorMessage(`Landscape Lens: ${rel} could not be diagnosed: ${oneLine(message)}`, 'Show Log', 'Retry')
      .then(a => {
        if (a === 'Show Log') this.log.show(true);
        else if (a === 'Retry') void vscode.commands.executeCommand('landscapeLens.retryDiagnosis', uri);
      });
  }

  async diagnose(uri: vscode.Uri, req: DiagnoseRequest = {}): Promise<DiagnoseResult | undefined> {
    const mode = req.mode ?? 'full';
    const resolved = diagnoseOptions(uri, mode, req.extra);
    if ('error' in resolved) {
      this.log.warn(`${uri.fsPath}: ${resolved.error}`);
      this.fail(uri, resolved.error, mode, req, resolved.need);
      return undefined;
    }
    const { options, dataHow } = resolved;
    options.dataHow = dataHow;
    const runLogs = this.attachedLogsFor?.(uri.fsPath);
    if (runLogs) options.runLogs = runLogs; // part of the cache key: attaching a log gives a new check
    const { key, checkpointFingerprint } = ResultsCache.key(uri.fsPath, options.data, options);
    if (!req.force) {
      const hit = this.cache.get(key);
      if (hit && hit.checkpointFingerprint === checkpointFingerprint) {
        this.counts.fromCache++;
        this.log.debug(`cache hit ${key} for ${uri.fsPath}`);
        this.clearFailure(uri.fsPath);
        return hit.result;
      }
    }
    if (!(await this.mayCompute(req.progress !== 'none'))) {
      this.log.info(`not computing ${uri.fsPath}: workspace not trusted`);
      return undefined;
    }
    const rel = vscode.workspace.asRelativePath(uri);
    this.log.info(`queue ${mode} diagnose of ${uri.fsPath} on ${options.data} (${dataHow})${req.reason ? ` — ${req.reason}` : ''}`);
    const onPartial = (partial: JobPartial) => this.partials.fire({ checkpoint: uri.fsPath, partial });
    const start = (onProgress?: (p: { stage: string; fraction?: number; message?: string }) => void) =>
      this.queue.enqueue(
        { kind: 'diagnose', options },
        { key, label: `${mode} ${rel}`, priority: req.priority ?? PRIORITY.user, onProgress, onPartial },
      );
    try {
      let result: DiagnoseResult;
      if (req.progress === 'notification' || req.progress === 'window') {
        result = await vscode.window.withProgress(
          {
            location: req.progress === 'notification' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
            title: `Landscape: ${mode === 'quick' ? 'quick ' : ''}diagnose ${rel}`,
            cancellable: true,
          },
          async (progress, token) => {
            const h = start(reportTo(progress));
            token.onCancellationRequested(() => h.cancel());
            return h.promise as Promise<DiagnoseResult>;
          },
        );
      } else result = (await start().promise) as DiagnoseResult;
      if (!this.cache.get(key)) {
        this.cache.put({ key, checkpoint: uri.fsPath, checkpointFingerprint, result });
        this.counts.computed++;
        this.log.info(
          `${rel}: loss ${result.loss} ‖g‖ ${result.gradNorm}${lambdaMax(result) !== undefined ? ` λ_max ${lambdaMax(result)}` : ''} ` +
            `on ${result.backend} in ${fmtMs(result.timings.totalMs)}`,
        );
      }
      this.failures.delete(path.resolve(uri.fsPath));
      this.changed.fire(uri.fsPath);
      return result;
    } catch (e) {
      const err = e as JobError;
      this.changed.fire(uri.fsPath);
      if (err.cancelled) {
        this.log.info(`cancelled: ${rel}`);
        return undefined;
      }
      this.log.error(`${rel}: ${err.message}`);
      // a failed comparison says so, and never marks the (valid, diagnosed) checkpoint failed
      if (req.extra?.withCheckpoint) {
        const other = vscode.workspace.asRelativePath(req.extra.withCheckpoint);
        if (!req.quietErrors)
          void vscode.window.showErrorMessage(`Landscape Lens: comparing ${rel} with ${other} failed: ${oneLine(err.message)}`);
      } else this.fail(uri, err.message, mode, req);
      throw e;
    }
  }

  /** The user looks at this checkpoint (hover, editor, dashboard): its queued diagnosis goes first. */
  prioritise(checkpoint: string, priority: number): boolean {
    const p = path.resolve(checkpoint);
    const n = this.queue.raise(r => r.kind === 'diagnose' && path.resolve(r.options.checkpoint) === p, priority);
    if (n) this.log.debug(`raised ${n} queued job(s) for ${checkpoint} to priority ${priority}`);
    return n > 0;
  }

  /** A checkpoint's files changed: drop its stale cache entries and tell the views. */
  invalidate(checkpoint: string): number {
    this.clearFailure(checkpoint);
    const n = this.cache.invalidate(checkpoint);
    if (n) {
      this.log.info(`${checkpoint} changed: ${n} cached result(s) dropped`);
      this.changed.fire(checkpoint);
    }
    return n;
  }

  fireChanged(p?: string): void {
    this.changed.fire(p);
  }

  dispose(): void {
    this.queue.cancelAll();
    this.changed.dispose();
    this.partials.dispose();
  }
}
