/**
 * The diagnostics worker: runs heavy jobs (TF.js, Lanczos, ...) off the extension host thread.
 * One job at a time (the client queues and orders them; jobs sent while one runs wait here in
 * arrival order); messages per src/worker/protocol.ts. TF.js is loaded lazily on the first job.
 */
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import type { FromWorker, ToWorker, JobKind, RequestOf, ResultOf, JobProgress } from './protocol';
import { isUserInputError, throwIfAborted } from '../core/errors';

if (!parentPort) throw new Error('worker.js must run as a worker_threads Worker');
const port = parentPort;
const controllers = new Map<number, AbortController>();
let chain: Promise<void> = Promise.resolve();
/**
 * Cancellation that does not wait for the event loop: heavy jobs run long stretches of
 * synchronous TF.js work (awaits that resolve as microtasks), so a 'cancel' message may not be
 * delivered until the job ends. The client also writes the id of the job to cancel into this
 * shared slot, which the job's progress callbacks (every HVP / probe) check.
 */
const cancelSlot: Int32Array | undefined =
  workerData?.cancelSlot instanceof SharedArrayBuffer ? new Int32Array(workerData.cancelSlot) : undefined;
function checkCancelSlot(id: number): void {
  if (cancelSlot && Atomics.load(cancelSlot, 0) === id) controllers.get(id)?.abort();
}
/**
 * Native calls (ONNX Runtime) are counted in slot 1; once the client sets slot 2 (it wants this
 * worker gone) no new native call starts, and the client terminates the worker only while slot 1
 * is 0 — terminating a thread inside onnxruntime-node would abort the whole extension host.
 * (Count in, then check the flag; the client sets the flag, then reads the count: with
 * sequentially consistent atomics one of the two sides always sees the other.)
 */
if (cancelSlot && cancelSlot.length >= 3) {
  const slot = cancelSlot;
  void import('../core/native/runtime').then(({ setNativeGate }) =>
    setNativeGate({
      enter() {
        Atomics.add(slot, 1, 1);
        if (Atomics.load(slot, 2) === 1) {
          Atomics.sub(slot, 1, 1);
          const e = new Error('cancelled: the worker is stopping');
          e.name = 'AbortError';
          throw e;
        }
      },
      exit() {
        Atomics.sub(slot, 1, 1);
      },
    }),
  );
}

function send(m: FromWorker): void {
  port.postMessage(m);
}

interface JobContext {
  id: number;
  signal: AbortSignal;
  progress(p: JobProgress): void;
  partial(key: string, value: unknown): void;
}
type Handler<K extends JobKind> = (req: RequestOf<K>, ctx: JobContext) => Promise<ResultOf<K>>;

/** One handler per job kind (add new kinds here and in protocol.ts' JobKinds). */
const HANDLERS: { [K in JobKind]: Handler<K> } = {
  async diagnose(req, ctx) {
    const { diagnose } = await import('../core/diagnose');
    let lastPartial = 0;
    return diagnose(req.options, ctx.signal, p => {
      ctx.progress({ stage: p.stage, fraction: p.fraction, message: p.message });
      // eigenvalue estimates as Lanczos converges, at most every 100 ms
      if (p.partial !== undefined && Date.now() - lastPartial > 100) {
        lastPartial = Date.now();
        ctx.partial(p.stage, p.partial);
      }
    });
  },
  async estimate(req, ctx) {
    const { estimateDiagnosis } = await import('../core/estimateProbe');
    return estimateDiagnosis(req.options, ctx.signal);
  },
  async specialNeurons(req, ctx) {
    const { specialNeuronsJob } = await import('../core/surgery/jobs');
    const { outputScope } = await import('../core/output'); // a failed or cancelled job leaves no file
    return outputScope(() =>
      specialNeuronsJob(req.options, ctx.signal, p => ctx.progress({ stage: p.stage, fraction: p.fraction, message: p.message })),
    );
  },
  async perturb(req, ctx) {
    const { perturbJob } = await import('../core/surgery/jobs');
    const { outputScope } = await import('../core/output');
    return outputScope(() =>
      perturbJob(req.options, ctx.signal, p => ctx.progress({ stage: p.stage, fraction: p.fraction, message: p.message })),
    );
  },
  async snippets(req) {
    const { snippetsFor } = await import('../core/surgery/jobs');
    return snippetsFor(req.checkpoint, req.lambda);
  },
  async buildDemo(req, ctx) {
    const { buildDemo, demoCheckpoints } = await import('../core/demo/build');
    const dir = await buildDemo({ dir: req.dir, by: req.by, signal: ctx.signal, onProgress: p => ctx.progress(p) });
    return { dir, checkpoints: demoCheckpoints(dir) };
  },
  async ping(req, ctx) {
    const t0 = Date.now();
    const ms = req.ms ?? 0,
      steps = Math.max(1, req.steps ?? 1);
    if (req.announce) ctx.progress({ stage: 'started' });
    if (req.hold) {
      ctx.progress({ stage: 'held' });
      while (!fs.existsSync(req.hold)) {
        throwIfAborted(ctx.signal);
        await new Promise(r => setTimeout(r, 20));
        checkCancelSlot(ctx.id);
      }
      throwIfAborted(ctx.signal);
    }
    for (let i = 0; i < steps; i++) {
      throwIfAborted(ctx.signal);
      await new Promise(r => setTimeout(r, ms / steps));
      ctx.progress({ stage: 'ping', fraction: (i + 1) / steps });
      ctx.partial('ping', { step: i + 1 });
    }
    return { pid: process.pid, ms: Date.now() - t0 };
  },
};

async function runJob(id: number, job: ToWorker & { type: 'run' }, signal: AbortSignal): Promise<void> {
  const handler = HANDLERS[job.job.kind] as Handler<JobKind> | undefined;
  if (!handler) throw new Error(`unknown job kind '${job.job.kind}'`);
  const ctx: JobContext = {
    id,
    signal,
    progress: p => {
      checkCancelSlot(id);
      send({ type: 'progress', id, ...p });
    },
    partial: (key, value) => {
      checkCancelSlot(id);
      send({ type: 'partial', id, key, value });
    },
  };
  // one resource budget per job (src/core/budget.ts), from the job's maxResidentMb (the setting) when it has one
  const { budgetFromMb, withBudget } = await import('../core/budget');
  const mb = (job.job as { options?: { maxResidentMb?: number } }).options?.maxResidentMb;
  const result = await withBudget(budgetFromMb(mb), () => handler(job.job as RequestOf<JobKind>, ctx));
  send({ type: 'result', id, result });
}

/**
 * Compiled graphs and ONNX Runtime sessions live in this process across jobs, keyed by the model's
 * content (src/core/native/cache.ts): *Diagnose all* over the checkpoints of one run compiles once.
 * Sessions no job uses are released after IDLE_RELEASE_MS without a job (their memory arenas with them).
 */
const IDLE_RELEASE_MS = 120_000;
let idleTimer: NodeJS.Timeout | undefined;
let running = 0;
function jobStarted(): void {
  running++;
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
}
function jobEnded(): void {
  if (--running > 0) return;
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (running === 0) void import('../core/native/cache').then(c => c.releaseIdleSessions()).catch(() => undefined);
  }, IDLE_RELEASE_MS);
  idleTimer.unref();
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    controllers.get(m.id)?.abort();
    return;
  }
  if (m.type === 'run') {
    const ac = new AbortController();
    controllers.set(m.id, ac);
    chain = chain.then(async () => {
      jobStarted();
      try {
        if (ac.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        await runJob(m.id, m, ac.signal);
      } catch (e) {
        const err = e as Error;
        send({
          type: 'error',
          id: m.id,
          error: {
            name: err.name,
            message: err.message,
            userError: isUserInputError(e),
            cancelled: err.name === 'AbortError',
            stack: err.stack,
          },
        });
      } finally {
        controllers.delete(m.id);
        jobEnded();
      }
    });
  }
});

send({ type: 'ready', pid: process.pid });
