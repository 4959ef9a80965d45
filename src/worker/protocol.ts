/**
 * The message protocol between the extension host (or any client) and the diagnostics worker
 * (a Node worker_threads Worker). Requests carry an id; the worker answers with any number of
 * progress / partial messages and exactly one result or error for that id. A cancel message
 * aborts the job's AbortSignal; the job stops at its next check (between chunks and HVPs).
 */
import type { DiagnoseOptions, DiagnoseResult } from '../core/diagnose';
import type { SpecialNeuronsJobOptions, SpecialNeuronsJobResult, PerturbJobOptions, PerturbJobResult } from '../core/surgery/jobs';

/**
 * 'specialNeurons' adds Kawaguchi–Kaelbling special neurons (and with options.train fine-tunes them);
 * 'perturb' perturbs the weights. Both write new checkpoints and answer with a result whose outFile
 * names the file written (see src/core/surgery/jobs.ts).
 */
export type JobRequest =
  | { kind: 'diagnose'; options: DiagnoseOptions }
  | { kind: 'specialNeurons'; options: SpecialNeuronsJobOptions }
  | { kind: 'perturb'; options: PerturbJobOptions };
/** The result of each job kind. */
export interface JobResults { diagnose: DiagnoseResult; specialNeurons: SpecialNeuronsJobResult; perturb: PerturbJobResult }
export type JobKind = JobRequest['kind'];
export type JobResult = JobResults[JobKind];

export type ToWorker =
  | { type: 'run'; id: number; job: JobRequest }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; stage: string; fraction?: number; message?: string }
  | { type: 'partial'; id: number; key: string; value: unknown }
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'error'; id: number; error: { name: string; message: string; userError: boolean; cancelled: boolean; stack?: string } };
