/**
 * The message protocol between the extension host (or any client) and the diagnostics worker
 * (a Node worker_threads Worker). Requests carry an id; the worker answers with any number of
 * progress / partial messages and exactly one result or error for that id. A cancel message
 * aborts the job's AbortSignal; the job stops at its next check (between chunks and HVPs).
 */
import type { DiagnoseOptions, DiagnoseResult } from '../core/diagnose';

export type JobRequest = { kind: 'diagnose'; options: DiagnoseOptions };
export type JobResult = DiagnoseResult;

export type ToWorker =
  | { type: 'run'; id: number; job: JobRequest }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; stage: string; fraction?: number; message?: string }
  | { type: 'partial'; id: number; key: string; value: unknown }
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'error'; id: number; error: { name: string; message: string; userError: boolean; cancelled: boolean; stack?: string } };
