/**
 * Extension-side client of the diagnostics worker (dist/worker.js, a worker_threads Worker):
 * starts it lazily, sends jobs, routes progress, cancels on request, and restarts it when it
 * crashes or runs out of memory (the job in flight fails with a clear message).
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { FromWorker, JobKind, JobRequest, JobResult, JobResults, ToWorker } from '../worker/protocol';

export interface JobHandle<T> { promise: Promise<T>; cancel(): void }
export type ProgressListener = (p: { stage: string; fraction?: number; message?: string }) => void;

export class JobError extends Error {
  constructor(message: string, readonly userError: boolean, readonly cancelled: boolean) { super(message); this.name = cancelled ? 'AbortError' : 'JobError'; }
}

interface Pending { resolve(r: JobResult): void; reject(e: Error): void; onProgress?: ProgressListener }

export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  restarts = 0;

  constructor(private readonly distDir: string, private readonly maxMemoryMb: () => number, private readonly log: (msg: string) => void) {}

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(path.join(this.distDir, 'worker.js'), { resourceLimits: { maxOldGenerationSizeMb: this.maxMemoryMb() } });
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', e => this.onExit(`crashed: ${e.message}`));
    w.on('exit', code => this.onExit(`exited with code ${code}`));
    this.worker = w;
    this.log(`diagnostics worker started (memory limit ${this.maxMemoryMb()} MB)`);
    return w;
  }

  private onExit(why: string): void {
    if (!this.worker) return;
    this.worker = undefined;
    if (this.pending.size) {
      this.restarts++;
      this.log(`diagnostics worker ${why}; ${this.pending.size} job(s) failed; it restarts on the next job`);
      for (const [, p] of this.pending) p.reject(new JobError(`the diagnostics worker ${why} (out of memory? raise landscapeLens.worker.maxMemoryMb or lower landscapeLens.samples)`, false, false));
      this.pending.clear();
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') p.onProgress?.(m);
    else if (m.type === 'result') { this.pending.delete(m.id); p.resolve(m.result); }
    else if (m.type === 'error') { this.pending.delete(m.id); p.reject(new JobError(m.error.message, m.error.userError, m.error.cancelled)); }
  }

  run<K extends JobKind>(job: Extract<JobRequest, { kind: K }>, onProgress?: ProgressListener): JobHandle<JobResults[K]> {
    const w = this.ensure();
    const id = this.nextId++;
    const promise = new Promise<JobResults[K]>((resolve, reject) => this.pending.set(id, { resolve: resolve as (r: JobResult) => void, reject, onProgress }));
    w.postMessage({ type: 'run', id, job } satisfies ToWorker);
    return { promise, cancel: () => this.worker?.postMessage({ type: 'cancel', id } satisfies ToWorker) };
  }

  /** Terminate the worker (tests use this to check the restart path). */
  async kill(): Promise<void> { await this.worker?.terminate(); }

  dispose(): void { void this.worker?.terminate(); this.worker = undefined; }
}
