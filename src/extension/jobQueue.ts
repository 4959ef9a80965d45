/**
 * The job queue in front of the diagnostics worker: one heavy job at a time, the highest
 * priority first (ties: first come, first served), a job with the same key as one already queued
 * or running is not queued twice (the caller shares its promise; a higher priority raises the
 * queued one), cancellation of queued jobs (at once) and of the running one (through the
 * executor, which must settle within its own bound). Pure logic with no VS Code or worker
 * dependency, so it is unit-tested with fake executors.
 */
import { monotoneFraction } from '../core/progressMonotone';
import type { JobPartial, JobProgress } from '../worker/protocol';

export class JobError extends Error {
  constructor(
    message: string,
    readonly userError: boolean,
    readonly cancelled: boolean,
  ) {
    super(message);
    this.name = cancelled ? 'AbortError' : 'JobError';
  }
}

/** Priorities: what the user is looking at first. */
export const PRIORITY = { background: 0, auto: 10, user: 50, visible: 80, hover: 90 } as const;

export interface ExecHooks {
  onProgress(p: JobProgress): void;
  onPartial(p: JobPartial): void;
}
export type Executor<Req, Res> = (request: Req, hooks: ExecHooks) => { promise: Promise<Res>; cancel(): void };

export interface JobInfo<Req> {
  id: number;
  key: string;
  label: string;
  priority: number;
  request: Req;
  state: 'queued' | 'running';
  progress?: JobProgress;
  enqueuedAt: number;
  startedAt?: number;
}

export interface EnqueueOptions {
  key?: string;
  label?: string;
  priority?: number;
  onProgress?(p: JobProgress): void;
  onPartial?(p: JobPartial): void;
}
export interface QueuedHandle<Res> {
  id: number;
  promise: Promise<Res>;
  cancel(): void;
  /** true when an identical job was already queued or running */ shared: boolean;
}

interface Entry<Req, Res> extends JobInfo<Req> {
  resolve(r: Res): void;
  reject(e: Error): void;
  promise: Promise<Res>;
  progressListeners: ((p: JobProgress) => void)[];
  partialListeners: ((p: JobPartial) => void)[];
  cancelRunning?: () => void;
  seq: number;
}

export class JobQueue<Req, Res> {
  private nextId = 1;
  private seq = 0;
  private queue: Entry<Req, Res>[] = [];
  private current: Entry<Req, Res> | undefined;
  private listeners: (() => void)[] = [];
  /** counters for the status bar and tests */
  readonly stats = { enqueued: 0, shared: 0, completed: 0, failed: 0, cancelled: 0 };

  constructor(private readonly exec: Executor<Req, Res>) {}

  onChange(f: () => void): { dispose(): void } {
    this.listeners.push(f);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter(x => x !== f);
      },
    };
  }
  private changed(): void {
    for (const f of this.listeners) {
      try {
        f();
      } catch {
        /* listener errors are not the queue's */
      }
    }
  }

  get running(): JobInfo<Req> | undefined {
    return this.current;
  }
  /** queued jobs in the order they will run */
  get queued(): JobInfo<Req>[] {
    return [...this.queue];
  }
  get size(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }
  find(key: string): JobInfo<Req> | undefined {
    return this.current?.key === key ? this.current : this.queue.find(e => e.key === key);
  }

  enqueue(request: Req, o: EnqueueOptions = {}): QueuedHandle<Res> {
    const key = o.key ?? `job-${this.nextId}`;
    const priority = o.priority ?? PRIORITY.user;
    const existing = this.current?.key === key ? this.current : this.queue.find(e => e.key === key);
    if (existing) {
      this.stats.shared++;
      if (o.onProgress) existing.progressListeners.push(o.onProgress);
      if (o.onPartial) existing.partialListeners.push(o.onPartial);
      if (existing.state === 'queued' && priority > existing.priority) {
        existing.priority = priority;
        this.sort();
        this.changed();
      }
      return { id: existing.id, promise: existing.promise, cancel: () => this.cancel(existing.id), shared: true };
    }
    let resolve!: (r: Res) => void, reject!: (e: Error) => void;
    const promise = new Promise<Res>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const e: Entry<Req, Res> = {
      id: this.nextId++,
      key,
      label: o.label ?? key,
      priority,
      request,
      state: 'queued',
      enqueuedAt: Date.now(),
      resolve,
      reject,
      promise,
      progressListeners: o.onProgress ? [o.onProgress] : [],
      partialListeners: o.onPartial ? [o.onPartial] : [],
      seq: this.seq++,
    };
    this.stats.enqueued++;
    this.queue.push(e);
    this.sort();
    this.changed();
    this.pump();
    return { id: e.id, promise, cancel: () => this.cancel(e.id), shared: false };
  }

  /** Raise queued jobs whose request matches to `priority` (the checkpoint the user opened or hovers goes first); returns how many. */
  raise(match: (request: Req) => boolean, priority: number): number {
    let n = 0;
    for (const e of this.queue)
      if (e.priority < priority && match(e.request)) {
        e.priority = priority;
        n++;
      }
    if (n) {
      this.sort();
      this.changed();
    }
    return n;
  }

  private sort(): void {
    this.queue.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  }

  /** Cancel a queued (removed at once) or running (through the executor) job. */
  cancel(id: number): boolean {
    const i = this.queue.findIndex(e => e.id === id);
    if (i >= 0) {
      const [e] = this.queue.splice(i, 1);
      this.stats.cancelled++;
      e.reject(new JobError('cancelled', false, true));
      this.changed();
      return true;
    }
    if (this.current?.id === id) {
      this.current.cancelRunning?.();
      return true;
    }
    return false;
  }

  /** Cancel everything (queued and running). */
  cancelAll(): void {
    for (const e of [...this.queue]) this.cancel(e.id);
    if (this.current) this.cancel(this.current.id);
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return;
    const e = this.queue.shift()!;
    this.current = e;
    e.state = 'running';
    e.startedAt = Date.now();
    this.changed();
    let handle: { promise: Promise<Res>; cancel(): void };
    try {
      handle = this.exec(e.request, {
        onProgress: q => {
          // the status bar and the notifications show a fraction that never goes down (core/progressMonotone.ts)
          const p = monotoneFraction(e.progress?.fraction, q);
          e.progress = p;
          for (const f of e.progressListeners) f(p);
          this.changed();
        },
        onPartial: p => {
          for (const f of e.partialListeners) f(p);
        },
      });
    } catch (err) {
      handle = { promise: Promise.reject(err), cancel: () => undefined };
    }
    e.cancelRunning = handle.cancel;
    handle.promise
      .then(
        r => {
          this.stats.completed++;
          e.resolve(r);
        },
        (err: Error) => {
          if ((err as JobError).cancelled) this.stats.cancelled++;
          else this.stats.failed++;
          e.reject(err);
        },
      )
      .finally(() => {
        this.current = undefined;
        this.changed();
        this.pump();
      });
  }
}
