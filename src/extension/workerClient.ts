/**
 * Extension-side client of the diagnostics worker (dist/worker.js, a worker_threads Worker):
 * starts it lazily, sends jobs, routes progress and partial results, cancels on request, and
 * restarts it when it crashes or runs out of memory (the job in flight fails with a clear
 * message; the next job starts a fresh worker). Cancellation is bounded: a worker that has not
 * acknowledged a cancel within `cancelGraceMs` (a single long HVP, a stuck native call) is
 * terminated, so a cancel always settles within about 1 s.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { FromWorker, JobKind, JobPartial, JobProgress, RequestOf, ResultOf, ToWorker } from '../worker/protocol';
import { JobError } from './jobQueue';

export { JobError };
export interface JobHandle<T> {
  promise: Promise<T>;
  cancel(): void;
}
export type ProgressListener = (p: JobProgress) => void;

interface Pending {
  resolve(r: unknown): void;
  reject(e: Error): void;
  onProgress?: ProgressListener;
  onPartial?: (p: JobPartial) => void;
  cancelTimer?: NodeJS.Timeout;
}

export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /**
   * Shared with the current worker: [0] the id of the job to cancel (seen by the job between HVPs
   * even while its event loop is busy), [1] its native calls in flight, [2] set when it must stop
   * (see src/worker/worker.ts). A new one per worker.
   */
  private cancelSlot = new Int32Array(new SharedArrayBuffer(12));
  /** workers being retired: terminated as soon as no native call is in flight */
  private retiring = new Set<Worker>();
  restarts = 0;
  /** how many cancels needed the worker to be terminated (did not stop cooperatively in time) */
  forcedCancels = 0;
  /** how long a cancelled job may take to stop before its worker is terminated */
  cancelGraceMs = 700;

  constructor(
    private readonly distDir: string,
    private readonly maxMemoryMb: () => number,
    private readonly log: (msg: string) => void,
  ) {}

  get running(): boolean {
    return !!this.worker;
  }
  get threadId(): number | undefined {
    return this.worker?.threadId;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const mb = this.maxMemoryMb();
    this.cancelSlot = new Int32Array(new SharedArrayBuffer(12));
    const w = new Worker(path.join(this.distDir, 'worker.js'), {
      resourceLimits: { maxOldGenerationSizeMb: mb },
      workerData: { cancelSlot: this.cancelSlot.buffer },
    });
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', e => this.onExit(w, `crashed: ${e.message}`));
    w.on('exit', code => this.onExit(w, `exited with code ${code}`));
    this.worker = w;
    this.log(`diagnostics worker started (thread ${w.threadId}, memory limit ${mb} MB)`);
    return w;
  }

  private onExit(w: Worker, why: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    if (this.pending.size) {
      this.restarts++;
      this.log(`diagnostics worker ${why}; ${this.pending.size} job(s) failed; a fresh worker starts with the next job`);
      const oom = /memory|ERR_WORKER_OUT_OF_MEMORY/i.test(why);
      for (const [, p] of this.pending) {
        clearTimeout(p.cancelTimer);
        p.reject(
          new JobError(
            `the diagnostics worker ${why}` +
              `${oom ? ' (out of memory: raise landscapeLens.worker.maxMemoryMb or lower landscapeLens.budget.samples)' : ''}` +
              '; the job did not finish',
            false,
            false,
          ),
        );
      }
      this.pending.clear();
    }
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') p.onProgress?.({ stage: m.stage, fraction: m.fraction, message: m.message });
    else if (m.type === 'partial') p.onPartial?.({ key: m.key, value: m.value });
    else if (m.type === 'result') {
      this.settle(m.id);
      p.resolve(m.result);
    } else if (m.type === 'error') {
      this.settle(m.id);
      p.reject(new JobError(m.error.message, m.error.userError, m.error.cancelled));
    }
  }

  private settle(id: number): void {
    clearTimeout(this.pending.get(id)?.cancelTimer);
    this.pending.delete(id);
  }

  run<K extends JobKind>(job: RequestOf<K>, onProgress?: ProgressListener, onPartial?: (p: JobPartial) => void): JobHandle<ResultOf<K>> {
    const w = this.ensure();
    const id = this.nextId++;
    const promise = new Promise<ResultOf<K>>((resolve, reject) =>
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, onProgress, onPartial }),
    );
    w.postMessage({ type: 'run', id, job } satisfies ToWorker);
    return { promise, cancel: () => this.cancel(id) };
  }

  private cancel(id: number): void {
    const p = this.pending.get(id);
    const w = this.worker;
    if (!p || !w || p.cancelTimer) return;
    Atomics.store(this.cancelSlot, 0, id);
    w.postMessage({ type: 'cancel', id } satisfies ToWorker);
    p.cancelTimer = setTimeout(() => {
      if (!this.pending.has(id) || this.worker !== w) return;
      // the job did not stop in time: end the worker; this job is reported as cancelled, others as failed
      this.pending.delete(id);
      this.log(`job ${id} did not stop within ${this.cancelGraceMs} ms of the cancel: terminating the worker`);
      this.worker = undefined;
      for (const [, q] of this.pending) {
        clearTimeout(q.cancelTimer);
        q.reject(new JobError('the diagnostics worker was stopped to cancel another job', false, false));
      }
      this.pending.clear();
      this.restarts++;
      this.forcedCancels++;
      this.retire(w, this.cancelSlot);
      p.reject(new JobError('cancelled', false, true));
    }, this.cancelGraceMs);
  }

  /**
   * Stop a worker safely: no new native call may start in it, and it is terminated as soon as none
   * is in flight (terminating a thread inside onnxruntime-node aborts the process). Until then it
   * is detached: its messages are ignored and its jobs have been settled.
   */
  private retire(w: Worker, slot: Int32Array): Promise<void> {
    Atomics.store(slot, 2, 1);
    this.retiring.add(w);
    return new Promise(resolve => {
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          this.retiring.delete(w);
          resolve();
        }
      };
      w.once('exit', finish);
      const tryStop = () => {
        if (done) return;
        if (Atomics.load(slot, 1) === 0) {
          void w.terminate().then(finish, finish);
          return;
        }
        setTimeout(tryStop, 50);
      };
      tryStop();
    });
  }

  /** Terminate the worker (tests use this to check the restart path). */
  async kill(): Promise<void> {
    const w = this.worker;
    if (w) await this.retire(w, this.cancelSlot);
  }

  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    for (const [, p] of this.pending) {
      clearTimeout(p.cancelTimer);
      p.reject(new JobError('the extension was deactivated', false, true));
    }
    this.pending.clear();
    if (w) void this.retire(w, this.cancelSlot);
  }
}
