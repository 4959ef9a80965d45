/**
 * The message protocol between the extension host (or any client: the CLI, tests) and the
 * diagnostics worker (a Node worker_threads Worker). Requests carry an id; the worker answers
 * with any number of progress / partial messages and exactly one result or error for that id.
 * A cancel message aborts the job's AbortSignal; the job stops at its next check (between
 * chunks and HVPs). The client enforces the 1 s cancellation bound by terminating a worker that
 * has not answered a cancel in time (src/extension/workerClient.ts).
 *
 * Job kinds are a table: to add one, add an entry { request, result } to `JobKinds` and a
 * handler to `HANDLERS` in src/worker/worker.ts; `JobRequest`, `JobResult` and the client's
 * typing follow from the table.
 */
import type { DiagnoseOptions, DiagnoseResult } from '../core/diagnose';
import type { CostEstimate, PassTimes } from '../core/estimate';
import type { SpecialNeuronsJobOptions, SpecialNeuronsJobResult, PerturbJobOptions, PerturbJobResult } from '../core/surgery/jobs';

export interface JobKinds {
  /** Diagnostics of one checkpoint on one dataset (src/core/diagnose.ts). */
  diagnose: { request: { options: DiagnoseOptions }; result: DiagnoseResult };
  /**
   * The cost of the diagnosis these options ask for, without running it: one pass of each kind timed on the
   * checkpoint (src/core/estimateProbe.ts) times each diagnostic's planned counts (the cost dialog's estimate).
   */
  estimate: { request: { options: DiagnoseOptions }; result: { estimate: CostEstimate; passes: PassTimes; text: string } };
  /** Add Kawaguchi–Kaelbling special neurons (options.train: fine-tune them); writes a new checkpoint (src/core/surgery/jobs.ts). */
  specialNeurons: { request: { options: SpecialNeuronsJobOptions }; result: SpecialNeuronsJobResult };
  /** Perturb the weights (gaussian / relative / filter-normalised / eigenvector); writes a new checkpoint. */
  perturb: { request: { options: PerturbJobOptions }; result: PerturbJobResult };
  /** Ready-to-paste code adding the same special neurons in PyTorch / Keras / TF.js (D, K, λ from the checkpoint). */
  snippets: {
    request: { checkpoint: string; lambda?: number };
    result: { pytorch: string; keras: string; tfjs: string; inputDim: number; units: number; lambda: number };
  };
  /**
   * Worker liveness / protocol self-check: waits `ms` in `steps` cancellable slices, reporting progress and partials.
   * Tests use it as a job they control: `announce` reports a progress `{stage: 'started'}` before waiting; `hold`
   * (a file path, the barrier) reports `{stage: 'held'}` and then waits — cancellably, polling every 20 ms — until
   * that file exists, before the `ms` wait. A held job cannot finish before the test releases it.
   */
  /**
   * *Landscape: Create Demo Workspace*: trains the seeded demo runs into `dir` (missing, empty, or an
   * earlier demo; anything else is refused) with TF.js (src/core/demo/build.ts); progress is the
   * fraction of training steps. Returns the demo's checkpoints (model.json files, sorted).
   */
  buildDemo: { request: { dir: string; by?: string }; result: { dir: string; checkpoints: string[] } };
  ping: { request: { ms?: number; steps?: number; announce?: boolean; hold?: string }; result: { pid: number; ms: number } };
}

export type JobKind = keyof JobKinds;
/** A request: `{ kind, ...fields }` for one of the kinds in `JobKinds`. */
export type JobRequest = { [K in JobKind]: { kind: K } & JobKinds[K]['request'] }[JobKind];
export type RequestOf<K extends JobKind> = Extract<JobRequest, { kind: K }>;
export type ResultOf<K extends JobKind> = JobKinds[K]['result'];
export type JobResult = ResultOf<JobKind>;

export interface JobProgress {
  stage: string;
  fraction?: number;
  message?: string;
}
/** A partial result: `key` names what it is (e.g. 'lanczos' with the current top eigenvalue estimates). */
export interface JobPartial {
  key: string;
  value: unknown;
}

export interface WireError {
  name: string;
  message: string;
  userError: boolean;
  cancelled: boolean;
  stack?: string;
}

export type ToWorker = { type: 'run'; id: number; job: JobRequest } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready'; pid: number }
  | ({ type: 'progress'; id: number } & JobProgress)
  | ({ type: 'partial'; id: number } & JobPartial)
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'error'; id: number; error: WireError };
