/**
 * The diagnostics worker: runs heavy jobs (TF.js, Lanczos, ...) off the extension host thread.
 * One job at a time; messages per src/worker/protocol.ts. TF.js is loaded lazily on the first job.
 */
import { parentPort } from 'worker_threads';
import type { FromWorker, ToWorker, JobRequest } from './protocol';
import { isUserInputError } from '../core/errors';

if (!parentPort) throw new Error('worker.js must run as a worker_threads Worker');
const port = parentPort;
const controllers = new Map<number, AbortController>();
let chain: Promise<void> = Promise.resolve();

function send(m: FromWorker): void { port.postMessage(m); }

async function runJob(id: number, job: JobRequest, signal: AbortSignal): Promise<void> {
  if (job.kind === 'diagnose') {
    const { diagnose } = await import('../core/diagnose');
    const result = await diagnose(job.options, signal, p => send({ type: 'progress', id, ...p }));
    send({ type: 'result', id, result });
    return;
  }
  if (job.kind === 'specialNeurons' || job.kind === 'perturb') {
    const jobs = await import('../core/surgery/jobs');
    const progress = (p: { stage: string; fraction?: number; message?: string }) => send({ type: 'progress', id, ...p });
    const result = job.kind === 'specialNeurons' ? await jobs.specialNeuronsJob(job.options, signal, progress) : await jobs.perturbJob(job.options, signal, progress);
    send({ type: 'result', id, result });
    return;
  }
  throw new Error(`unknown job kind '${(job as { kind: string }).kind}'`);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') { controllers.get(m.id)?.abort(); return; }
  if (m.type === 'run') {
    const ac = new AbortController();
    controllers.set(m.id, ac);
    chain = chain.then(async () => {
      try {
        if (ac.signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        await runJob(m.id, m.job, ac.signal);
      } catch (e) {
        const err = e as Error;
        send({ type: 'error', id: m.id, error: { name: err.name, message: err.message, userError: isUserInputError(e), cancelled: err.name === 'AbortError', stack: err.stack } });
      } finally { controllers.delete(m.id); }
    });
  }
});

send({ type: 'ready', pid: process.pid });
